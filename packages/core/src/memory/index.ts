/**
 * In-memory implementation of every store port: for tests, the demo and
 * development. State lives in the process, so it does not suit several server
 * processes; use `@twostep/store-mongoose` there.
 */
import { TwostepError } from '../errors.ts';
import { interceptStores } from '../intercept.ts';
import type { Stores } from '../ports.ts';
import { createMemoryAuditStore } from './audit.ts';
import { createMemoryClinicStore } from './clinics.ts';
import { createMemoryCounterStore } from './counters.ts';
import { createMemoryFactorStore } from './factors.ts';
import { createMemoryPauseStore } from './pauses.ts';
import { createMemoryRecoveryCodeStore } from './recovery-codes.ts';
import { createMemorySessionStore } from './sessions.ts';
import { createMemorySmsChallengeStore } from './sms-challenges.ts';
import { createMemoryStaffStore } from './staff.ts';
import { createMemoryThrottleStore } from './throttles.ts';
import { createMemoryTrustedDeviceStore } from './trusted-devices.ts';

export interface MemoryStoreFaults {
  /** Called before every store method; `true` makes that call reject with `TwostepError('store_unavailable')`. */
  fail(storeName: keyof Stores, method: string): boolean;
}

export interface MemoryStoresOptions {
  /** Fault injection for "fail closed" tests. */
  faults?: MemoryStoreFaults;
}

/**
 * Creates a fresh, empty set of in-memory stores. Every method returns copies,
 * and every one-time-use guard is a synchronous check-and-set, so concurrent
 * callers within the process get exactly one winner.
 *
 * @example
 * ```ts
 * const stores = createMemoryStores();
 * // A store that is down, for fail-closed tests:
 * const down = createMemoryStores({ faults: { fail: (store) => store === 'throttles' } });
 * ```
 */
export function createMemoryStores(options: MemoryStoresOptions = {}): Stores {
  const stores: Stores = {
    clinics: createMemoryClinicStore(),
    staff: createMemoryStaffStore(),
    factors: createMemoryFactorStore(),
    recoveryCodes: createMemoryRecoveryCodeStore(),
    trustedDevices: createMemoryTrustedDeviceStore(),
    smsChallenges: createMemorySmsChallengeStore(),
    pauses: createMemoryPauseStore(),
    throttles: createMemoryThrottleStore(),
    counters: createMemoryCounterStore(),
    audit: createMemoryAuditStore(),
    sessions: createMemorySessionStore(),
  };
  const { faults } = options;
  return faults === undefined ? stores : withFaults(stores, faults);
}

function withFaults(stores: Stores, faults: MemoryStoreFaults): Stores {
  return interceptStores(stores, (store, method, _args, call) =>
    faults.fail(store as keyof Stores, method)
      ? Promise.reject(new TwostepError('store_unavailable', `${store}.${method} failed (injected fault)`))
      : call(),
  );
}
