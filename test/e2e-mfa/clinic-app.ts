/**
 * A clinic app (Express 5 + `@twostep/express-mfa`) registered as a first-party confidential client
 * of the real twostep IdP (`startTestIdp`), both on 127.0.0.1 port 0.
 *
 * Clocks: the app reads `clock.now()` (express-mfa's `now` option); the IdP's core reads `idp.clock`
 * (a manual clock: TOTP steps, pauses, throttles); oidc-provider and the IdP's `auth_time` read
 * `Date.now()`. `advanceAll(ms)` moves all three, as real time passing would.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  requireAuth,
  requireStepUp,
  type TwostepMiddleware,
  type TwostepOptions,
  twostep,
} from '@twostep/express-mfa';
import { vi } from 'vitest';
import { API_AUDIENCE, startTestIdp, type TestIdp, type TestIdpOptions } from '../helpers/idp.ts';

export const ACR_1FA = 'urn:twostep:loa:1fa';
export const ACR_2FA = 'urn:twostep:loa:2fa';
export const ACR_PHR = 'urn:twostep:loa:phr';
export const SESSION_SECRET = 'e2e-mfa-session-secret-0123456789-abcdefghij';
/** Where `startTestIdp` sends plain openid-client flows (nothing listens there). */
export const TOKEN_CLIENT_REDIRECT = 'http://127.0.0.1:9/callback';

const realNow = Date.now.bind(Date);

// `test/` has express but not @types/express: the handler types come through express-mfa's own.
type Handler = ReturnType<typeof requireAuth>;
type Request = Parameters<Handler>[0];
interface App {
  (req: IncomingMessage, res: ServerResponse): void;
  disable(setting: string): void;
  use(handler: Handler | TwostepMiddleware): void;
  get(path: string, ...handlers: Handler[]): void;
}
const express = createRequire(import.meta.url)('express') as () => App;

export interface ClinicRig {
  idp: TestIdp;
  /** The app's origin, e.g. `http://127.0.0.1:40123`. */
  app: string;
  mw: TwostepMiddleware;
  /** The app's clock (ms), read through express-mfa's `now` option. */
  clock: { offsetMs: number; now(): number };
  /** Moves the app's clock, the IdP core's manual clock and `Date.now()` (oidc-provider) forward. */
  advanceAll(ms: number): void;
  /** Starts another app instance on the same IdP client (e.g. with a different session secret). */
  startOtherApp(overrides: Partial<TwostepOptions>): Promise<string>;
  close(): Promise<void>;
}

interface Listening {
  url: string;
  server: Server;
  use(handler: App): void;
}

async function listen(): Promise<Listening> {
  let handler: App | undefined;
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    use: (h) => {
      handler = h;
    },
  };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The routes of the task: schedule (signed in), chart and billing (fresh 2-Step), prescriptions (a passkey), API (JWT bearer). */
export function clinicApp(mw: TwostepMiddleware): App {
  const app = express();
  app.disable('x-powered-by');
  app.use(mw);
  const who = (req: Request) => ({
    sub: req.twostep.sub,
    acr: req.twostep.acr,
    amr: req.twostep.amr,
    authTime: req.twostep.authTime,
    // For the sign-out form (the tests post it as a browser would).
    csrf: req.twostep.csrfToken,
  });
  app.get('/', (req, res) => {
    res.json({ page: 'home', ...who(req) });
  });
  app.get('/schedule', requireAuth(), (req, res) => {
    res.json({ page: 'schedule', ...who(req) });
  });
  app.get('/patients/:id/chart', requireStepUp({ maxAge: 600 }), (req, res) => {
    res.json({ page: 'chart', id: req.params.id, ...who(req) });
  });
  app.get('/billing', requireStepUp({ maxAge: 600 }), (req, res) => {
    res.json({ page: 'billing', ...who(req) });
  });
  // Prescribing needs a passkey (phishing-resistant).
  app.get('/prescriptions', requireStepUp({ acr: ACR_PHR }), (req, res) => {
    res.json({ page: 'prescriptions', ...who(req) });
  });
  app.get(
    '/api/chart',
    mw.requireBearer({ audience: API_AUDIENCE, acr: ACR_2FA, maxAge: 600 }),
    (req, res) => {
      const claims = req.twostepBearer?.claims;
      res.json({ sub: claims?.sub, acr: claims?.acr, amr: claims?.amr });
    },
  );
  return app;
}

export async function startClinicRig(
  options: { idp?: TestIdpOptions; app?: Partial<TwostepOptions> } = {},
): Promise<ClinicRig> {
  const appServer = await listen();
  const otherServer = await listen();
  const callback = (origin: string) => `${origin}/auth/callback`;
  const idp = await startTestIdp({
    ...options.idp,
    // The first stays the plain openid-client redirect (`idp.redirectUri`) used for API tokens.
    redirectUris: [TOKEN_CLIENT_REDIRECT, callback(appServer.url), callback(otherServer.url)],
    postLogoutRedirectUris: [`${appServer.url}/`],
    backchannelLogoutUri: `${appServer.url}/auth/backchannel-logout`,
    // The app's home page: the IdP's "Back to Clinic App" links.
    clientMetadata: { client_uri: `${appServer.url}/`, ...options.idp?.clientMetadata },
  });
  const clock = {
    offsetMs: 0,
    now() {
      return realNow() + this.offsetMs;
    },
  };
  const base: TwostepOptions = {
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    redirectUri: callback(appServer.url),
    postLogoutRedirectUri: `${appServer.url}/`,
    session: { secret: SESSION_SECRET },
    now: () => clock.now(),
  };
  const mw = twostep({ ...base, ...options.app });
  appServer.use(clinicApp(mw));
  await mw.ready();

  let shiftMs = 0;
  return {
    idp,
    app: appServer.url,
    mw,
    clock,
    advanceAll(ms) {
      clock.offsetMs += ms;
      idp.clock.advance(ms);
      shiftMs += ms;
      const shift = shiftMs;
      vi.spyOn(Date, 'now').mockImplementation(() => realNow() + shift);
    },
    async startOtherApp(overrides) {
      const other = twostep({ ...base, redirectUri: callback(otherServer.url), ...overrides });
      otherServer.use(clinicApp(other));
      return otherServer.url;
    },
    async close() {
      vi.restoreAllMocks();
      await close(appServer.server);
      await close(otherServer.server);
      await idp.close();
    },
  };
}
