/**
 * `startDemo()`: the IdP (`@twostep/oidc-server`) and the sample clinic app on 127.0.0.1, seeded.
 * `main.ts` runs it for people; the browser tests run it in-process on port 0.
 *
 * @example
 * ```ts
 * const demo = await startDemo({ idpPort: 0, appPort: 0, clock: manualClock() });
 * console.log(demo.appUrl, demo.accounts.owner.email);
 * await demo.close();
 * ```
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Clock,
  consoleLogger,
  createAesGcmSecretBox,
  createMemoryStores,
  type Logger,
  type PasswordCost,
  type Stores,
  systemClock,
  type Twostep,
} from '@twostep/core';
import {
  type AdapterClass,
  createIdp,
  createMailOutbox,
  createSmsOutbox,
  type DevelopmentKeys,
  generateCookieKey,
  generateSigningKey,
  type Idp,
  type IdpMetrics,
  ListenError,
  type Log,
  type MailOutbox,
  type RunningServer,
  type SmsOutbox,
  startServer,
} from '@twostep/oidc-server';
import { connectMongo, createMongooseStores, createOidcAdapter, syncIndexes } from '@twostep/store-mongoose';
import express from 'express';
import { createClinicApp } from './clinic-app.ts';
import { CLIENT_ID } from './data.ts';
import { outboxRouter } from './outbox.ts';
import { type AccountKey, CLINIC, type DemoAccount, seedDemo } from './seed.ts';

export const DEFAULT_IDP_PORT = 4000;
export const DEFAULT_APP_PORT = 4100;
export { CLIENT_ID };

export interface StartDemoOptions {
  /** Default 4000; 0 picks a free port. */
  idpPort?: number;
  /** Default 4100; 0 picks a free port. */
  appPort?: number;
  /** Host name in the URLs (the servers always bind 127.0.0.1). Default `localhost`. */
  host?: string;
  /**
   * Core's clock (TOTP steps, SMS expiry, pauses, throttles) and the clinic app's clock
   * (the step-up `maxAge` check). Tests pass a `manualClock()`. oidc-provider reads `Date.now()`.
   */
  clock?: Clock;
  /** Keys from `developmentKeys(path)`; default: fresh ones, in memory (nothing survives a restart). */
  keys?: DevelopmentKeys;
  /** MongoDB instead of the in-memory store: core stores and oidc-provider state. */
  mongodbUri?: string;
  /** TTL indexes at `syncIndexes` (default true; false for FerretDB, which has none). */
  mongodbTtlIndexes?: boolean;
  /** scrypt cost of the seeded passwords and the IdP's dummy hash; default core's (N=2^17). */
  passwordCost?: PasswordCost;
  /** Serve `/dev/outbox/sms` and `/dev/outbox/mail` on the IdP. Default: unless NODE_ENV=production. */
  devOutbox?: boolean;
  logger?: Logger;
  /** JSON (or pretty) logs of the IdP: access log, audit events, errors (`createLog`). Default none. */
  log?: Log;
  /** Prometheus metrics of the IdP at `<idpUrl>/metrics` (`createMetrics`). Default none. */
  metrics?: IdpMetrics;
  /** Milliseconds requests in flight get to finish when the demo stops (default startServer's, 10 s). */
  graceMs?: number;
}

export interface Demo {
  /** The IdP (issuer), e.g. `http://localhost:4000`. */
  idpUrl: string;
  /** The clinic app, e.g. `http://localhost:4100`. */
  appUrl: string;
  /** `<idpUrl>/dev/outbox/sms` (when the outbox is on). */
  smsOutboxUrl: string | null;
  mailOutboxUrl: string | null;
  clinicName: string;
  accounts: Record<AccountKey, DemoAccount>;
  /** `mongodb` when `mongodbUri` was given. */
  store: 'memory' | 'mongodb';
  stores: Stores;
  /** The IdP's core facade (admin actions in tests: pause, resume, enforcement). */
  twostep: Twostep;
  idp: Idp;
  /** The IdP's listener: `/healthz`, `/readyz`, graceful `shutdown()`. */
  idpServer: RunningServer;
  sms: SmsOutbox;
  mail: MailOutbox;
  /** Stops both servers (open connections too) and the database connection. */
  close(): Promise<void>;
}

/** A port could not be bound; `message` says which and what to do. */
export class PortInUseError extends Error {
  readonly code = 'port_in_use';
  readonly port: number;
  constructor(port: number, what: string, envName: string) {
    super(
      `Port ${port} for ${what} is already in use on 127.0.0.1. Stop whatever is using it ` +
        `(another demo?), or choose another port: ${envName}=<port> ./run demo`,
    );
    this.name = 'PortInUseError';
    this.port = port;
  }
}

interface Listening {
  server: Server;
  port: number;
  use(handler: express.Express): void;
}

/** Binds first (the issuer and redirect URIs need the port), serves once a handler is set. */
async function listen(port: number, what: string, envName: string): Promise<Listening> {
  let handler: express.Express | null = null;
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503, { 'content-type': 'text/plain' }).end('Starting…');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new PortInUseError(port, what, envName)
          : error,
      );
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    use: (h) => {
      handler = h;
    },
  };
}

async function stop(server: Server): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function freshKeys(): DevelopmentKeys {
  const secretKeys = [{ id: 'demo', key: new Uint8Array(randomBytes(32)) }];
  return {
    jwks: { keys: [generateSigningKey()] },
    cookieKeys: [generateCookieKey()],
    secretKeys,
    secretBox: createAesGcmSecretBox(secretKeys),
    hashKey: new Uint8Array(randomBytes(32)),
  };
}

/** A secret for `purpose`, derived from the demo's hash key (stable across restarts with saved keys). */
function derived(hashKey: Uint8Array, purpose: string): string {
  return createHmac('sha256', hashKey).update(`twostep-demo:${purpose}`).digest('base64url');
}

export async function startDemo(options: StartDemoOptions = {}): Promise<Demo> {
  const logger = options.logger ?? consoleLogger;
  const clock = options.clock ?? systemClock;
  const host = options.host ?? 'localhost';
  const keys = options.keys ?? freshKeys();
  const devOutbox = options.devOutbox ?? process.env.NODE_ENV !== 'production';
  const cleanups: (() => Promise<void>)[] = [];
  let idpServer: RunningServer | undefined;
  const close = async () => {
    // The IdP drains its requests in flight before the database connection closes.
    await idpServer?.shutdown();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };

  try {
    const idpPort = options.idpPort ?? DEFAULT_IDP_PORT;
    idpServer = await startServer({
      port: idpPort,
      ...(options.log ? { log: options.log } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
    }).catch((error: unknown) => {
      throw error instanceof ListenError
        ? new PortInUseError(idpPort, 'the sign-in service (IdP)', 'IDP_PORT')
        : error;
    });
    const appServer = await listen(options.appPort ?? DEFAULT_APP_PORT, 'the clinic app', 'APP_PORT');
    cleanups.push(() => stop(appServer.server));
    const idpUrl = `http://${host}:${idpServer.port}`;
    const appUrl = `http://${host}:${appServer.port}`;

    let stores: Stores;
    let adapter: AdapterClass | undefined;
    if (options.mongodbUri) {
      const hasDb = new URL(options.mongodbUri).pathname.length > 1;
      const connection = await connectMongo(options.mongodbUri, hasDb ? {} : { dbName: 'twostep_demo' });
      cleanups.push(() => connection.close());
      const ttlIndexes = options.mongodbTtlIndexes ?? true;
      await syncIndexes(connection, { ttlIndexes });
      stores = createMongooseStores(connection, { ttlIndexes });
      adapter = createOidcAdapter(connection);
    } else {
      stores = createMemoryStores();
    }

    const seed = await seedDemo({
      stores,
      secretBox: keys.secretBox,
      hashKey: keys.hashKey,
      clock,
      logger,
      ...(options.passwordCost ? { passwordCost: options.passwordCost } : {}),
    });

    const sms = createSmsOutbox();
    const mail = createMailOutbox();
    const clientSecret = derived(keys.hashKey, 'client-secret');
    const idp = createIdp({
      issuer: idpUrl,
      stores,
      secretBox: keys.secretBox,
      hashKey: keys.hashKey,
      smsSender: sms,
      notifier: mail,
      clock,
      ...(options.log && !options.logger ? {} : { logger }),
      ...(options.log ? { log: options.log } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      jwks: keys.jwks,
      cookieKeys: keys.cookieKeys,
      siteName: CLINIC.name,
      supportContact: 'Maple Street Physio front office, 613-555-0100',
      ...(options.passwordCost ? { passwordCost: options.passwordCost } : {}),
      ...(adapter ? { adapter } : {}),
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: clientSecret,
          client_name: `${CLINIC.name} clinic app`,
          redirect_uris: [`${appUrl}/auth/callback`],
          post_logout_redirect_uris: [`${appUrl}/`],
          // Sign-outs at the IdP (sign out everywhere, a reset, a password change) end the app's sessions.
          backchannel_logout_uri: `${appUrl}/auth/backchannel-logout`,
          backchannel_logout_session_required: true,
          token_endpoint_auth_method: 'client_secret_basic',
          firstParty: true,
        },
      ],
    });
    cleanups.push(() => idp.close());

    const idpRoot = express();
    idpRoot.disable('x-powered-by');
    if (devOutbox) {
      idpRoot.use('/dev/outbox', outboxRouter({ sms, mail, clinicName: CLINIC.name, appUrl }));
    }
    idpRoot.use(idp.app);
    idpServer.serve(idpRoot, idp.readiness);

    const clinicApp = createClinicApp({
      clinicName: seed.clinic.name,
      idpUrl,
      appUrl,
      clientId: CLIENT_ID,
      clientSecret,
      sessionSecret: derived(keys.hashKey, 'app-session'),
      now: () => clock.now().getTime(),
    });
    appServer.use(clinicApp.app);

    return {
      idpUrl,
      appUrl,
      smsOutboxUrl: devOutbox ? `${idpUrl}/dev/outbox/sms` : null,
      mailOutboxUrl: devOutbox ? `${idpUrl}/dev/outbox/mail` : null,
      clinicName: seed.clinic.name,
      accounts: seed.accounts,
      store: options.mongodbUri ? 'mongodb' : 'memory',
      stores,
      twostep: idp.twostep,
      idp,
      idpServer,
      sms,
      mail,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
