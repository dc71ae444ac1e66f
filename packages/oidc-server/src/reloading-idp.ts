/**
 * An IdP whose key set can be reloaded while it serves (rotation phases,
 * docs/keys.md): `reload()` reads the keys again and builds a new IdP with
 * them; new requests go to it, requests already running finish on the old one.
 * A key set that fails to load or build leaves the running IdP in place. Pass
 * the same stores and adapter to every build: sessions, codes and tokens live
 * there, so nothing is lost in the swap.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Idp } from './idp.ts';

export interface ReloadingIdp {
  /** The newest IdP's app (for `startServer(…).serve`, or `http.createServer`). */
  handler(req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** The newest IdP's readiness. */
  readiness: Idp['readiness'];
  /** The IdP serving new requests. */
  current(): Idp;
  /** Loads the keys and swaps in a new IdP; the error message never contains key material. */
  reload(): { ok: true } | { ok: false; error: string };
  /** Closes every IdP built so far. */
  close(): Promise<void>;
}

/**
 * @example
 * ```ts
 * const idp = reloadingIdp(() => loadKeySet({ dir }), (keys) => createIdp({ ...options, ...keys }));
 * server.serve(idp.handler, idp.readiness); // server = await startServer({ port, log, metrics })
 * process.on('SIGHUP', () => console.error(idp.reload()));
 * ```
 */
export function reloadingIdp<Keys>(load: () => Keys, build: (keys: Keys) => Idp): ReloadingIdp {
  let current = build(load());
  const built = [current];
  return {
    handler: (req, res, next) => current.app(req as never, res as never, next as never),
    readiness: () => current.readiness(),
    current: () => current,
    reload() {
      try {
        current = build(load());
        built.push(current);
        return { ok: true };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : 'the key set did not load' };
      }
    },
    async close() {
      for (const idp of built.splice(0)) await idp.close();
    },
  };
}
