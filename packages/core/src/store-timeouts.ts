/**
 * A deadline on every store call: a store that stops answering (MongoDB gone
 * mid-request, a network partition) fails the call with
 * `TwostepError('store_unavailable')` after `timeoutMs` instead of holding the
 * request open until the driver gives up. Callers already fail closed on that
 * error.
 *
 * A timed-out call is abandoned, not cancelled: a write may still complete at
 * the database later. That is safe for the one-time uses because each is one
 * conditional update (ports.ts): it happens at most once whether or not
 * anybody waits for its answer.
 */
import { TwostepError } from './errors.ts';
import { interceptMethods, interceptStores } from './intercept.ts';
import type { Stores } from './ports.ts';

export interface StoreTimeoutOptions {
  /** Milliseconds a store call may take before it rejects with `store_unavailable`. */
  timeoutMs: number;
}

/**
 * Wraps `stores` so that every method call races a timer of `timeoutMs`. A call
 * that has not settled by then rejects with `TwostepError('store_unavailable',
 * '<store>.<method> did not answer within N ms')`; the timer is cleared as soon
 * as the call settles and never keeps the process alive. Methods run on the
 * original store objects (`this` is the store), results and errors pass through
 * unchanged, and so does every property that is not a method.
 *
 * @example
 * ```ts
 * const stores = withStoreTimeouts(createMongooseStores(connection), { timeoutMs: 5000 });
 * const twostep = createTwostep({ stores, secretBox, hashKey, smsSender });
 * ```
 */
export function withStoreTimeouts(stores: Stores, options: StoreTimeoutOptions): Stores {
  const { timeoutMs } = options;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new TwostepError('invalid_config', 'withStoreTimeouts: timeoutMs must be a positive number');
  return interceptStores(stores, (name, method, _args, call) =>
    withDeadline(call(), `${name}.${method}`, timeoutMs),
  );
}

/**
 * One object's methods under a deadline (what `withStoreTimeouts` applies to
 * each store); also for other ports, e.g. an oidc-provider adapter instance.
 * Rejections name `<name>.<method>`.
 *
 * @example
 * ```ts
 * const adapter = withCallTimeouts(new MongoAdapter('Session'), 'oidc.Session', 5000);
 * ```
 */
export function withCallTimeouts<T extends object>(target: T, name: string, timeoutMs: number): T {
  return interceptMethods(target, name, (_name, method, _args, call) =>
    withDeadline(call(), `${name}.${method}`, timeoutMs),
  );
}

/** `result` if it is not a promise; otherwise a promise that settles like it, or rejects after `ms`. */
function withDeadline(result: unknown, what: string, ms: number): unknown {
  if (!isThenable(result)) return result;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new TwostepError('store_unavailable', `${what} did not answer within ${ms} ms`)),
      ms,
    );
    timer.unref();
    result.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  (typeof v === 'object' || typeof v === 'function') &&
  v !== null &&
  typeof (v as { then?: unknown }).then === 'function';
