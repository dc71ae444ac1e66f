/**
 * `startServer`: the HTTP listener of an IdP process, with the operations endpoints and a
 * graceful shutdown. It listens first (the issuer names the port), serves once `serve(app)` is
 * called, and on `shutdown()` (SIGTERM/SIGINT with `stopOnSignals`):
 *
 * 1. `/readyz` answers 503 `shutting_down` at once;
 * 2. the listener stops accepting; idle keep-alive connections close; responses carry
 *    `Connection: close`;
 * 3. requests in flight finish, for at most `graceMs` (then their connections are cut);
 * 4. the `onClose` hooks run, newest first (the IdP, the database connection);
 * 5. the management listener closes.
 *
 * @example
 * ```ts
 * const server = await startServer({ port: 3000, management: { port: 9464 }, log, metrics });
 * const idp = createIdp({ issuer: 'https://id.clinic.example', log, metrics, ... });
 * server.serve(idp.app, idp.readiness);
 * server.onClose(() => connection.close());
 * server.stopOnSignals();
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { opsRouter, type Readiness, type ReadinessCheck } from './health.ts';
import type { Log } from './logging.ts';
import type { IdpMetrics } from './metrics.ts';

export const SERVER_DEFAULTS = {
  host: '127.0.0.1',
  /** Milliseconds requests in flight get to finish after SIGTERM. */
  graceMs: 10_000,
} as const;

export interface ServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * A second listener for `/healthz`, `/readyz` and `/metrics` (keep it off the public network).
   * Without one, `/metrics` is served on the main port too (protect it at the proxy).
   */
  management?: { port: number; host?: string } | null;
  /**
   * Also serve `/metrics` on the main port. Default: only when there is no management listener;
   * `twostep serve` in production passes false (no metrics without a management port).
   */
  metricsOnMainPort?: boolean;
  graceMs?: number;
  log?: Log;
  metrics?: IdpMetrics | null;
}

export interface RunningServer {
  port: number;
  /** null without a management listener. */
  managementPort: number | null;
  /** Starts serving `app`; `ready` adds the app's own readiness (store, keys) to `/readyz`. */
  serve(app: RequestHandler, ready?: ReadinessCheck): void;
  /** Runs at the end of a shutdown, after the last request (newest first). */
  onClose(hook: () => Promise<void> | void): void;
  readonly shuttingDown: boolean;
  /** The graceful shutdown above; resolves once everything is closed. Calling it again waits for the same. */
  shutdown(): Promise<void>;
  /** SIGTERM and SIGINT run `shutdown()` then exit 0 (1 when it failed, or on a second signal). */
  stopOnSignals(exit?: (code: number) => void): void;
}

/** A port could not be bound (`EADDRINUSE`, `EACCES`). */
export class ListenError extends Error {
  readonly code = 'listen_failed';
  readonly port: number;
  constructor(port: number, host: string, cause: Error) {
    super(`cannot listen on ${host}:${port}: ${cause.message}`, { cause });
    this.name = 'ListenError';
    this.port = port;
  }
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(new ListenError(port, host, error));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    if (!server.listening) resolve();
    else server.close(() => resolve());
  });

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? SERVER_DEFAULTS.host;
  const graceMs = options.graceMs ?? SERVER_DEFAULTS.graceMs;
  const { log } = options;
  const metrics = options.metrics ?? null;
  let app: RequestHandler | null = null;
  let appReady: ReadinessCheck | null = null;
  let stopping: Promise<void> | null = null;
  const hooks: (() => Promise<void> | void)[] = [];

  const ready = async (): Promise<Readiness> => {
    if (stopping) return { ready: false, reason: 'shutting_down' };
    if (!app) return { ready: false, reason: 'starting' };
    return appReady ? appReady() : { ready: true };
  };

  const mainApp = express();
  mainApp.disable('x-powered-by');
  mainApp.use((_req, res, next) => {
    if (stopping) res.set('Connection', 'close');
    next();
  });
  const metricsOnMain = options.metricsOnMainPort ?? !options.management;
  mainApp.use(opsRouter({ ready, metrics: metricsOnMain ? metrics : null }));
  mainApp.use((req, res, next) => {
    if (app) app(req, res, next);
    else res.status(503).type('text').send('Starting…');
  });
  const main = createServer(mainApp as (req: IncomingMessage, res: ServerResponse) => void);
  const port = await listen(main, options.port, host);

  let management: Server | null = null;
  let managementPort: number | null = null;
  if (options.management) {
    const managementApp = express();
    managementApp.disable('x-powered-by');
    managementApp.use(opsRouter({ ready, metrics }));
    management = createServer(managementApp as (req: IncomingMessage, res: ServerResponse) => void);
    try {
      managementPort = await listen(management, options.management.port, options.management.host ?? host);
    } catch (error) {
      await closeServer(main);
      throw error;
    }
  }

  const shutdown = async () => {
    log?.info({ graceMs }, 'shutting down: not ready, draining requests in flight');
    const drained = closeServer(main);
    main.closeIdleConnections();
    // A keep-alive connection whose last response just ended is idle now: close it too.
    const sweep = setInterval(() => main.closeIdleConnections(), 100);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace_over'>((resolve) => {
      timer = setTimeout(() => resolve('grace_over'), graceMs);
    });
    const outcome = await Promise.race([drained.then(() => 'drained' as const), graceOver]);
    clearTimeout(timer);
    clearInterval(sweep);
    if (outcome === 'grace_over') {
      log?.warn({ graceMs }, 'grace period over: closing the connections still open');
      main.closeAllConnections();
      await drained;
    }
    for (const hook of hooks.splice(0).reverse()) await hook();
    if (management) {
      management.closeAllConnections();
      await closeServer(management);
    }
    log?.info('stopped');
  };

  const running: RunningServer = {
    port,
    managementPort,
    serve(handler, check) {
      app = handler;
      appReady = check ?? null;
    },
    onClose(hook) {
      hooks.push(hook);
    },
    get shuttingDown() {
      return stopping !== null;
    },
    shutdown() {
      stopping ??= shutdown();
      return stopping;
    },
    stopOnSignals(exit = (code) => process.exit(code)) {
      let signalled = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (signalled) {
          log?.warn({ signal }, 'second signal: exiting now');
          exit(1);
          return;
        }
        signalled = true;
        log?.info({ signal }, 'signal received');
        running.shutdown().then(
          () => exit(0),
          (error: unknown) => {
            log?.error({ err: error }, 'shutdown failed');
            exit(1);
          },
        );
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    },
  };
  return running;
}
