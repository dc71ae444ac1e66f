/**
 * Every method call of a port, seen by one function: the shared mechanism behind store deadlines
 * (`withStoreTimeouts`), injected faults (`createMemoryStores({ faults })`) and tests' fault rules.
 */
import type { Stores } from './ports.ts';

/**
 * Decides what a call does: `call()` runs the original method (with `this` the original object);
 * whatever this returns is the call's result.
 */
export type Interceptor = (name: string, method: string, args: unknown[], call: () => unknown) => unknown;

/**
 * `target` with every method call going through `around`; `name` names the object (`'staff'`,
 * `'oidc.Session'`). Other properties pass through; a method read twice is the same function.
 *
 * @example
 * ```ts
 * const logged = interceptMethods(adapter, 'oidc.Session', (name, method, _args, call) => {
 *   console.log(`${name}.${method}`);
 *   return call();
 * });
 * ```
 */
export function interceptMethods<T extends object>(target: T, name: string, around: Interceptor): T {
  const wrappers = new WeakMap<object, (...args: unknown[]) => unknown>();
  return new Proxy(target, {
    get(object, key, receiver) {
      const value: unknown = Reflect.get(object, key, receiver);
      if (typeof value !== 'function') return value;
      let wrapper = wrappers.get(value);
      if (!wrapper) {
        const method = String(key);
        wrapper = (...args: unknown[]) =>
          around(name, method, args, () => Reflect.apply(value, object, args));
        wrappers.set(value, wrapper);
      }
      return wrapper;
    },
  });
}

/**
 * Every store of `stores` under {@link interceptMethods}, each named by its key (`'audit'`).
 *
 * @example
 * ```ts
 * const down = interceptStores(stores, (store, _method, _args, call) =>
 *   store === 'throttles' ? Promise.reject(new Error('down')) : call());
 * ```
 */
export function interceptStores(stores: Stores, around: Interceptor): Stores {
  // Per store object: its proxy (stable identity across reads).
  const proxies = new WeakMap<object, object>();
  return new Proxy(stores, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'object' || value === null) return value;
      let proxy = proxies.get(value);
      if (!proxy) {
        proxy = interceptMethods(value, String(key), around);
        proxies.set(value, proxy);
      }
      return proxy;
    },
  });
}
