import type { Request, Response } from 'express';
import { type CallbackRefusal, TwostepError } from './errors.ts';
import { hasControlChar } from './return-url.ts';
import { MemoryRevocationList, type RevocationList } from './revocation.ts';
import type { SessionStore } from './session.ts';

/** The twostep IdP's assurance levels, weakest first (docs/architecture.md, "Claims"). */
export const TWOSTEP_ACR_VALUES: readonly string[] = [
  'urn:twostep:loa:1fa',
  'urn:twostep:loa:2fa',
  'urn:twostep:loa:phr',
];

/**
 * Options for {@link twostep}. Validated once, when `twostep()` is called.
 *
 * @example
 * ```ts
 * const options: TwostepOptions = {
 *   issuer: 'https://id.clinic.example',
 *   clientId: 'schedule-app',
 *   clientSecret: process.env.OIDC_CLIENT_SECRET,
 *   redirectUri: 'https://schedule.clinic.example/auth/callback',
 *   session: { secret: process.env.SESSION_SECRET! },
 * };
 * ```
 */
export interface TwostepOptions {
  /** The OpenID Provider's issuer identifier. http is only accepted for localhost / 127.0.0.1. */
  issuer: string | URL;
  clientId: string;
  /** Omit for a public client: it then authenticates with PKCE only (token_endpoint_auth_method `none`). */
  clientSecret?: string | undefined;
  /** Absolute callback URL registered at the IdP. Its path is where the callback route listens. */
  redirectUri: string | URL;
  /** Where the IdP sends the browser after RP-initiated logout; must be registered at the IdP. */
  postLogoutRedirectUri?: string | URL | undefined;
  /** Scopes to request. Default `['openid', 'profile', 'email']`; must contain `openid`. */
  scopes?: readonly string[] | undefined;
  session: SessionOptions;
  /** Seconds of clock skew tolerated when checking `auth_time` and token times. Default 30. */
  clockTolerance?: number | undefined;
  /**
   * Route paths. The callback path comes from `redirectUri`. `backchannelLogout` (default
   * `/auth/backchannel-logout`) is where the IdP POSTs logout tokens: register
   * `<app origin><path>` as the client's `backchannel_logout_uri`.
   */
  routes?:
    | { login?: string | undefined; logout?: string | undefined; backchannelLogout?: string | undefined }
    | undefined;
  /** Known `acr` values, weakest first; a stronger one satisfies a weaker requirement. Default twostep's. */
  acrValues?: readonly string[] | undefined;
  /** `realm` of the Bearer challenges. Default `'twostep'`. */
  realm?: string | undefined;
  /** Where to go after sign-in when no return URL was saved. Default `'/'`. */
  defaultReturnTo?: string | undefined;
  /** Clock in milliseconds since the epoch. Default `Date.now`; tests inject their own. */
  now?: (() => number) | undefined;
  /**
   * Renders the page shown when a sign-in or step-up is refused (e.g. 2-Step paused, so loa:2fa cannot
   * be met), in the app's own layout. Status and `Cache-Control: no-store` are already set; send the
   * body. Default: a plain page with the title, the message and a link to `defaultReturnTo`.
   */
  refusalPage?: RefusalPage | undefined;
}

/**
 * Renders a refused sign-in or step-up: see {@link TwostepOptions.refusalPage}.
 *
 * @example
 * ```ts
 * const refusalPage: RefusalPage = (refusal, _req, res) => res.render('refused', refusal);
 * ```
 */
export type RefusalPage = (refusal: CallbackRefusal, req: Request, res: Response) => void | Promise<void>;

/**
 * Session options.
 *
 * @example
 * ```ts
 * const session: SessionOptions = { secret: [newSecret, oldSecret], idleTimeout: 1800, store: new MemorySessionStore() };
 * ```
 */
export interface SessionOptions {
  /** One secret, or a list for rotation (the first encrypts, all decrypt). Each at least 32 bytes. */
  secret: string | readonly string[];
  /** Cookie name. Default `'twostep'`. */
  cookieName?: string | undefined;
  /** Secure cookie flag. Default: true unless `redirectUri` is http://localhost or http://127.0.0.1. */
  secure?: boolean | undefined;
  /** Seconds of inactivity after which the session ends. Default 1800 (30 min). */
  idleTimeout?: number | undefined;
  /** Seconds after sign-in after which the session ends regardless of activity. Default 43200 (12 h). */
  absoluteTimeout?: number | undefined;
  /** Keep session data server-side; the cookie then carries only an encrypted id. */
  store?: SessionStore | undefined;
  /**
   * Where sign-outs are recorded and checked on every signed-in request (sign-out, back-channel
   * logout from the IdP). Default: a {@link MemoryRevocationList} of this process. With several
   * processes, pass one shared list (see the README).
   */
  revocations?: RevocationList | undefined;
}

/** Options after validation and defaults. */
export interface ResolvedOptions {
  issuer: URL;
  insecureIssuer: boolean;
  clientId: string;
  clientSecret: string | undefined;
  redirectUri: URL;
  postLogoutRedirectUri: URL | undefined;
  scopes: string[];
  clockTolerance: number;
  routes: { login: string; callback: string; logout: string; backchannelLogout: string };
  acrValues: readonly string[];
  realm: string;
  defaultReturnTo: string;
  now: () => number;
  refusalPage: RefusalPage | undefined;
  session: {
    secrets: string[];
    cookieName: string;
    secure: boolean;
    idleTimeout: number;
    absoluteTimeout: number;
    store: SessionStore | undefined;
    revocations: RevocationList;
  };
}

const fail = (path: string, message: string): never => {
  throw new TwostepError('invalid_option', `twostep option \`${path}\` ${message}`, { path });
};

/** True for http://localhost and http://127.0.0.1 (any port): the only places plain http is allowed. */
export function isLocalHttp(url: URL): boolean {
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1');
}

function parseUrl(path: string, value: unknown): URL {
  if (typeof value !== 'string' && !(value instanceof URL)) return fail(path, 'must be a URL string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(path, `is not a valid absolute URL: ${String(value)}`);
  }
  if (url.protocol !== 'https:' && !isLocalHttp(url))
    fail(path, 'must use https (http is allowed only for localhost / 127.0.0.1)');
  if (url.hash) fail(path, 'must not contain a fragment');
  return url;
}

function positiveSeconds(path: string, value: unknown, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0))
    fail(path, `must be a ${allowZero ? 'non-negative' : 'positive'} number of seconds`);
  return value as number;
}

function routePath(path: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\/[\w\-./]*$/.test(value))
    fail(path, 'must be a path like /auth/login');
  return value as string;
}

/**
 * Validates options once and fills in defaults. Throws a {@link TwostepError} naming the option path.
 *
 * @example
 * ```ts
 * const resolved = resolveOptions({ issuer, clientId, redirectUri, session: { secret } });
 * ```
 */
export function resolveOptions(input: TwostepOptions): ResolvedOptions {
  if (typeof input !== 'object' || input === null) return fail('(options)', 'must be an object');
  const issuer = parseUrl('issuer', input.issuer);
  if (issuer.search) fail('issuer', 'must not contain a query');
  if (typeof input.clientId !== 'string' || input.clientId === '')
    fail('clientId', 'must be a non-empty string');
  if (
    input.clientSecret !== undefined &&
    (typeof input.clientSecret !== 'string' || input.clientSecret === '')
  )
    fail('clientSecret', 'must be a non-empty string, or omitted for a public client (PKCE only)');
  const redirectUri = parseUrl('redirectUri', input.redirectUri);
  const postLogoutRedirectUri =
    input.postLogoutRedirectUri === undefined
      ? undefined
      : parseUrl('postLogoutRedirectUri', input.postLogoutRedirectUri);

  const scopes = input.scopes === undefined ? ['openid', 'profile', 'email'] : [...input.scopes];
  if (!scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)))
    fail('scopes', 'must be a list of scope tokens');
  if (!scopes.includes('openid')) fail('scopes', "must include 'openid'");

  const session = input.session;
  if (typeof session !== 'object' || session === null)
    fail('session', 'is required (at least session.secret)');
  const secrets = typeof session.secret === 'string' ? [session.secret] : session.secret;
  if (!Array.isArray(secrets) || secrets.length === 0) fail('session.secret', 'must be a string or a list');
  secrets.forEach((secret: unknown, i: number) => {
    const path = typeof session.secret === 'string' ? 'session.secret' : `session.secret[${i}]`;
    if (typeof secret !== 'string' || Buffer.byteLength(secret) < 32) fail(path, 'must be at least 32 bytes');
  });
  const cookieName = session.cookieName ?? 'twostep';
  if (typeof cookieName !== 'string' || !/^[\w\-.]+$/.test(cookieName))
    fail('session.cookieName', 'must be a cookie token (letters, digits, _ - .)');
  if (session.secure !== undefined && typeof session.secure !== 'boolean')
    fail('session.secure', 'must be a boolean');
  const secure = session.secure ?? !isLocalHttp(redirectUri);
  if (!secure && !isLocalHttp(redirectUri))
    fail('session.secure', 'may be false only when redirectUri is http://localhost or http://127.0.0.1');
  const idleTimeout = positiveSeconds('session.idleTimeout', session.idleTimeout, 30 * 60);
  const absoluteTimeout = positiveSeconds('session.absoluteTimeout', session.absoluteTimeout, 12 * 60 * 60);
  if (idleTimeout > absoluteTimeout) fail('session.idleTimeout', 'must not exceed session.absoluteTimeout');
  const store = session.store;
  if (
    store !== undefined &&
    (typeof store?.get !== 'function' ||
      typeof store.set !== 'function' ||
      typeof store.destroy !== 'function')
  )
    fail('session.store', 'must implement get, set and destroy');

  const acrValues = input.acrValues ?? TWOSTEP_ACR_VALUES;
  if (!Array.isArray(acrValues) || !acrValues.every((v) => typeof v === 'string' && v !== ''))
    fail('acrValues', 'must be a list of acr strings, weakest first');
  const realm = input.realm ?? 'twostep';
  if (typeof realm !== 'string' || /["\\]/.test(realm) || hasControlChar(realm))
    fail('realm', 'must be a string without quotes, backslashes or control characters');
  const defaultReturnTo = input.defaultReturnTo ?? '/';
  if (
    typeof defaultReturnTo !== 'string' ||
    !defaultReturnTo.startsWith('/') ||
    defaultReturnTo.startsWith('//')
  )
    fail('defaultReturnTo', 'must be a same-origin path starting with /');
  if (input.now !== undefined && typeof input.now !== 'function') fail('now', 'must be a function');
  if (input.refusalPage !== undefined && typeof input.refusalPage !== 'function')
    fail('refusalPage', 'must be a function (refusal, req, res)');

  const callback = redirectUri.pathname;
  const login = routePath('routes.login', input.routes?.login, '/auth/login');
  const logout = routePath('routes.logout', input.routes?.logout, '/auth/logout');
  const backchannelLogout = routePath(
    'routes.backchannelLogout',
    input.routes?.backchannelLogout,
    '/auth/backchannel-logout',
  );
  if (new Set([login, logout, callback, backchannelLogout]).size !== 4)
    fail('routes', 'login, logout, backchannelLogout and the redirectUri path must differ');
  const revocations = session.revocations;
  if (
    revocations !== undefined &&
    (typeof revocations?.add !== 'function' || typeof revocations.isRevoked !== 'function')
  )
    fail('session.revocations', 'must implement add and isRevoked');

  return {
    issuer,
    insecureIssuer: issuer.protocol === 'http:',
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    redirectUri,
    postLogoutRedirectUri,
    scopes,
    clockTolerance: positiveSeconds('clockTolerance', input.clockTolerance, 30, true),
    routes: { login, callback, logout, backchannelLogout },
    acrValues,
    realm,
    defaultReturnTo,
    now: input.now ?? Date.now,
    refusalPage: input.refusalPage,
    session: {
      secrets: [...secrets],
      cookieName,
      secure,
      idleTimeout,
      absoluteTimeout,
      store,
      revocations: revocations ?? new MemoryRevocationList(input.now ?? Date.now),
    },
  };
}
