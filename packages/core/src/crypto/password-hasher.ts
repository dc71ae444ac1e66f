import { availableParallelism } from 'node:os';
import { TwostepError } from '../errors.ts';
import {
  DEFAULT_PASSWORD_COST,
  hashPassword,
  needsRehash,
  type PasswordCost,
  verifyPassword,
} from './passwords.ts';

export interface PasswordHasherOptions {
  /** Cost of new hashes (and of the dummy hash for unknown emails). Default argon2id m=7 MiB, t=5. */
  cost?: PasswordCost;
  /** Password hashes running at once; default the core count. Peak memory ≈ concurrency × hash memory. */
  concurrency?: number;
  /** Milliseconds a check may wait for its turn; after that it fails with `busy` (a 503). Default 10000. */
  queueTimeoutMs?: number;
  /** Checks that may wait at once; one more fails with `busy` at once. Default 1000. */
  maxQueued?: number;
}

/** What a metrics exporter reads: now, and after each wait. */
export interface PasswordHasherStats {
  concurrency: number;
  running: number;
  queued: number;
}
export type PasswordHasherEvent =
  /** A hash started after waiting `waitedMs` in the queue (0 when a slot was free). */
  | { kind: 'started'; waitedMs: number }
  /** A check waited `waitedMs` (= queueTimeoutMs) and gave up with `busy`. */
  | { kind: 'timed_out'; waitedMs: number }
  /** The queue was full: refused at once with `busy`. */
  | { kind: 'refused'; waitedMs: 0 };

export const PASSWORD_HASHER_DEFAULTS = {
  queueTimeoutMs: 10_000,
  maxQueued: 1000,
} as const;

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

/**
 * Password hashing with a bound: at most `concurrency` hashes at once, the rest wait in a FIFO
 * queue with a deadline. A flood of sign-ins then costs waiting time and, past the deadline,
 * a `busy` error (503 page) — never concurrency × hash memory without limit.
 *
 * @example
 * ```ts
 * const hasher = createPasswordHasher({ concurrency: 2 });
 * hasher.onEvent((e) => waitHistogram.observe(e.waitedMs / 1000));
 * await hasher.verify(password, staff.passwordHash);
 * ```
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}) {
  const cost = options.cost ?? DEFAULT_PASSWORD_COST;
  const concurrency = options.concurrency ?? availableParallelism();
  const queueTimeoutMs = options.queueTimeoutMs ?? PASSWORD_HASHER_DEFAULTS.queueTimeoutMs;
  const maxQueued = options.maxQueued ?? PASSWORD_HASHER_DEFAULTS.maxQueued;
  for (const [name, value] of Object.entries({ concurrency, queueTimeoutMs, maxQueued })) {
    if (!Number.isSafeInteger(value) || value < (name === 'maxQueued' ? 0 : 1)) {
      throw new TwostepError('invalid_config', `password hasher: ${name} must be a positive integer`);
    }
  }

  let running = 0;
  const queue: Waiter[] = [];
  const listeners = new Set<(event: PasswordHasherEvent) => void>();
  const emit = (event: PasswordHasherEvent) => {
    for (const listener of listeners) listener(event);
  };

  function busy(): TwostepError {
    return new TwostepError('busy', 'too many password checks at once; try again in a moment');
  }

  /** Resolves when a slot is ours (the caller must release it). */
  function acquire(): Promise<void> {
    if (running < concurrency) {
      running += 1;
      emit({ kind: 'started', waitedMs: 0 });
      return Promise.resolve();
    }
    if (queue.length >= maxQueued) {
      emit({ kind: 'refused', waitedMs: 0 });
      return Promise.reject(busy());
    }
    const since = Date.now();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(waiter.timer);
          emit({ kind: 'started', waitedMs: Date.now() - since });
          resolve();
        },
        timer: setTimeout(() => {
          queue.splice(queue.indexOf(waiter), 1);
          emit({ kind: 'timed_out', waitedMs: Date.now() - since });
          reject(busy());
        }, queueTimeoutMs),
      };
      queue.push(waiter);
    });
  }

  function release(): void {
    const next = queue.shift();
    if (next)
      next.start(); // the slot passes straight on: `running` stays the same
    else running -= 1;
  }

  async function limited<T>(work: () => Promise<T>): Promise<T> {
    await acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  return {
    cost,
    /** Runs `work` in one of the `concurrency` slots, after waiting its turn (or fails with `busy`). */
    run: limited,
    hash: (password: string): Promise<string> => limited(() => hashPassword(password, cost)),
    verify: (password: string, stored: string): Promise<boolean> =>
      limited(() => verifyPassword(password, stored)),
    /** True when `stored` is not at the current cost: rehash it after a successful check. */
    needsRehash: (stored: string): boolean => needsRehash(stored, cost),
    stats: (): PasswordHasherStats => ({ concurrency, running, queued: queue.length }),
    /** Subscribes to every start, timeout and refusal; returns the unsubscribe function. */
    onEvent(listener: (event: PasswordHasherEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
