import type { CoreConfig } from './config.ts';
import type { ThrottleState } from './types.ts';

export type ThrottleStatus =
  | { kind: 'open' }
  /** Wait until `retryAt`. */
  | { kind: 'backoff'; retryAt: Date }
  /** Hard lock: only a Full Access User can unlock. */
  | { kind: 'locked' };

/** Delay after `failures` consecutive failures: none for the first few, then 30 s doubling to 1 h. */
export function backoffSeconds(failures: number, config: CoreConfig['throttle']): number {
  if (failures < config.freeFailures) return 0;
  const doublings = Math.min(failures - config.freeFailures, 30);
  return Math.min(config.baseDelaySeconds * 2 ** doublings, config.maxDelaySeconds);
}

/** Pure: whether a second-factor attempt may be made now. */
export function throttleStatus(
  state: ThrottleState,
  now: Date,
  config: CoreConfig['throttle'],
): ThrottleStatus {
  if (state.failures >= config.hardLockAfter) return { kind: 'locked' };
  const delay = backoffSeconds(state.failures, config);
  if (delay === 0 || !state.lastFailureAt) return { kind: 'open' };
  const retryAt = new Date(state.lastFailureAt.getTime() + delay * 1000);
  return retryAt > now ? { kind: 'backoff', retryAt } : { kind: 'open' };
}

/** The throttle key of a staff member's second-factor attempts. */
export const secondFactorThrottleKey = (staffId: string) => `second-factor:${staffId}`;
