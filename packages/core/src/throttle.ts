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

/** Failure counts `from`..`to` whose last failure was at or before `lastFailureBy` (null: any time). */
export interface OpenWindow {
  from: number;
  to: number;
  lastFailureBy: Date | null;
}

/**
 * The states in which `throttleStatus` is open at `now`, as a short list of
 * ranges (one per distinct delay, so about ten with the defaults): what a store
 * puts in the filter of its one conditional update (see `ThrottleStore.take`).
 */
export function throttleOpenWindows(config: CoreConfig['throttle'], now: Date): OpenWindow[] {
  const windows: OpenWindow[] = [];
  const free = Math.min(config.freeFailures, config.hardLockAfter);
  if (free > 0) windows.push({ from: 0, to: free - 1, lastFailureBy: null });
  for (let from = free; from < config.hardLockAfter; ) {
    const delay = backoffSeconds(from, config);
    let to = from;
    while (to + 1 < config.hardLockAfter && backoffSeconds(to + 1, config) === delay) to++;
    windows.push({ from, to, lastFailureBy: new Date(now.getTime() - delay * 1000) });
    from = to + 1;
  }
  return windows;
}

/** The throttle key of a staff member's second-factor attempts. */
export const secondFactorThrottleKey = (staffId: string) => `second-factor:${staffId}`;
