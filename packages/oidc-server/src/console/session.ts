/**
 * The console session: who signed in to `/account` and `/admin`, how, and when.
 *
 * Kept server-side in the session store (`stores.sessions`: memory, or MongoDB), so signing out,
 * "sign out everywhere", a password change, a pause or a reset ends it at once. The browser holds
 * only a random session id in a signed cookie (HMAC-SHA256 with the IdP's cookie keys, newest
 * first, every key verifies: garbage never reaches the store), HttpOnly, SameSite=Lax, Secure
 * outside localhost, scoped to the issuer's path; the store keys the record by the id's SHA-256.
 * The record holds what the IdP's own authorization code said (`acr`, `amr`, `authTime`) and the
 * idle / absolute timestamps. Times are real time, like oidc-provider's `auth_time`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ACR, acrSatisfies, constantTimeEqual, hmacSha256, type SessionStore } from '@twostep/core';
import type { Request, Response } from 'express';
import { readCookie } from '../interactions/context.ts';

export const CONSOLE_DEFAULTS = {
  clientId: 'twostep-console',
  cookieName: 'twostep_console',
  /** Holds state + PKCE verifier between /console/login and /console/callback. */
  loginCookieName: 'twostep_console_login',
  /** Seconds without a request before the console session ends. */
  idleSeconds: 30 * 60,
  /** Seconds after sign-in when the console session ends whatever happens. */
  absoluteSeconds: 12 * 60 * 60,
  /** A change needs a second factor verified this recently (seconds). */
  freshSeconds: 10 * 60,
  /** How long a started console sign-in may take (seconds). */
  loginSeconds: 10 * 60,
  /** Staff per page in the admin console. */
  pageSize: 25,
  /** Audit events shown on a page (the export has all of them). */
  auditPageSize: 100,
  /** Recent events on the account page. */
  accountEvents: 20,
} as const;

export interface ConsoleSession {
  /** Random; binds CSRF tokens to this session. */
  sid: string;
  accountId: string;
  acr: string;
  amr: string[];
  /** Epoch seconds of the last interactive verification (oidc-provider's auth_time). */
  authTime: number;
  /** Epoch seconds: console sign-in (absolute lifetime) and last request (idle lifetime). */
  iat: number;
  seen: number;
}

export interface LoginState {
  state: string;
  verifier: string;
  returnTo: string;
  /** Retried without acr_values after the IdP could not give loa:2fa (2-Step paused). */
  relaxed: boolean;
  /** A re-verification (max_age) rather than a first sign-in. */
  fresh: boolean;
  exp: number;
}

/** Real time, as oidc-provider keeps it (its auth_time is what we compare with). */
export const epochNow = () => Math.floor(Date.now() / 1000);

export const newSid = () => randomBytes(18).toString('base64url');

/** Methods that prove a second factor (a code, or a passkey: `hwk`/`swk`); a remembered device does not. */
const FACTOR_AMR = new Set(['otp', 'sms', 'recovery', 'hwk', 'swk']);

/** A 2-Step (or phishing-resistant) sign-in where a factor was actually used (not a trusted-device skip). */
export function hasVerifiedFactor(session: ConsoleSession): boolean {
  return acrSatisfies(session.acr, ACR.twoFactor) && session.amr.some((m) => FACTOR_AMR.has(m));
}

/** The 10-minute rule: a code entered in the last `freshSeconds`. */
export function isFresh(session: ConsoleSession, now = epochNow()): boolean {
  return hasVerifiedFactor(session) && now - session.authTime <= CONSOLE_DEFAULTS.freshSeconds;
}

export function createSealer(keys: readonly string[]) {
  const sign = (key: string, purpose: string, body: string) =>
    hmacSha256(key, `console\n${purpose}\n${body}`);
  return {
    seal(purpose: string, value: object): string {
      const body = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
      return `${body}.${sign(keys[0]!, purpose, body)}`;
    },
    open<T>(purpose: string, token: string | undefined): T | null {
      if (!token || token.length > 4096) return null;
      const dot = token.lastIndexOf('.');
      if (dot < 1) return null;
      const body = token.slice(0, dot);
      const mac = token.slice(dot + 1);
      if (!keys.some((key) => constantTimeEqual(sign(key, purpose, body), mac))) return null;
      try {
        return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
      } catch {
        return null;
      }
    },
  };
}

export type Sealer = ReturnType<typeof createSealer>;

/**
 * The account page's own sign-out (a CSRF-checked POST) marks this browser for a minute, so the
 * IdP's "Do you want to sign out?" question is answered for it (see provider.ts `logoutSource`);
 * a link to the IdP's sign-out from anywhere else still asks.
 */
export const SIGN_OUT_MARK = { cookie: 'twostep_console_signout', seconds: 60 } as const;

export function markSignOut(sealer: Sealer, res: Response, settings: CookieSettings): void {
  res.cookie(SIGN_OUT_MARK.cookie, sealer.seal('signout', { exp: epochNow() + SIGN_OUT_MARK.seconds }), {
    httpOnly: true,
    secure: settings.secure,
    sameSite: 'lax',
    path: `${settings.basePath}/session/end`,
    maxAge: SIGN_OUT_MARK.seconds * 1000,
  });
}

/** True when `cookieHeader` carries a valid, unexpired sign-out mark. */
export function hasSignOutMark(sealer: Sealer, cookieHeader: string | undefined): boolean {
  const value = cookieHeader
    ?.split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${SIGN_OUT_MARK.cookie}=`))
    ?.slice(SIGN_OUT_MARK.cookie.length + 1);
  let token: string | undefined;
  try {
    token = value === undefined ? undefined : decodeURIComponent(value);
  } catch {
    return false;
  }
  const mark = sealer.open<{ exp?: unknown }>('signout', token);
  return mark !== null && typeof mark.exp === 'number' && mark.exp >= epochNow();
}

export interface CookieSettings {
  secure: boolean;
  /** The issuer's path ('' at the root). */
  basePath: string;
}

/** The store key of a session id: its SHA-256, so a copy of the database opens no session. */
const storeId = (sid: string) => createHash('sha256').update(sid).digest('base64url');

const toDate = (epochSeconds: number) => new Date(epochSeconds * 1000);
const toEpoch = (date: Date) => Math.floor(date.getTime() / 1000);

/** The valid session of this request, or null (no cookie, forged, signed out, idle or too old). */
export async function readSession(
  sealer: Sealer,
  store: SessionStore,
  req: Request,
  now = epochNow(),
): Promise<ConsoleSession | null> {
  const cookie = sealer.open<{ sid?: unknown }>('session', readCookie(req, CONSOLE_DEFAULTS.cookieName));
  if (typeof cookie?.sid !== 'string') return null;
  const id = storeId(cookie.sid);
  const record = await store.get(id, toDate(now));
  if (!record) return null;
  const session: ConsoleSession = {
    sid: cookie.sid,
    accountId: record.staffId,
    acr: record.acr,
    amr: record.amr,
    authTime: record.authTime,
    iat: toEpoch(record.createdAt),
    seen: toEpoch(record.seenAt),
  };
  if (now - session.seen > CONSOLE_DEFAULTS.idleSeconds) {
    await store.remove(id);
    return null;
  }
  return session;
}

/** Stores a new session and sets its cookie. */
export async function startSession(
  sealer: Sealer,
  store: SessionStore,
  res: Response,
  settings: CookieSettings,
  session: ConsoleSession,
): Promise<void> {
  await store.create({
    id: storeId(session.sid),
    staffId: session.accountId,
    acr: session.acr,
    amr: session.amr,
    authTime: session.authTime,
    createdAt: toDate(session.iat),
    seenAt: toDate(session.seen),
    expiresAt: toDate(session.iat + CONSOLE_DEFAULTS.absoluteSeconds),
  });
  res.cookie(CONSOLE_DEFAULTS.cookieName, sealer.seal('session', { sid: session.sid }), {
    httpOnly: true,
    secure: settings.secure,
    sameSite: 'lax',
    path: settings.basePath || '/',
    // The browser may drop it at the absolute end; the store ends the session anyway.
    maxAge: CONSOLE_DEFAULTS.absoluteSeconds * 1000,
  });
}

/** Records a request (idle lifetime) or a re-verification of the same person. */
export async function updateSession(
  store: SessionStore,
  session: ConsoleSession,
  patch: { acr?: string; amr?: string[]; authTime?: number; seen: number },
): Promise<boolean> {
  const { seen, ...verified } = patch;
  return store.update(storeId(session.sid), { ...verified, seenAt: toDate(seen) });
}

/** Deletes the session from the store (a copied cookie is then worthless) and clears the cookie. */
export async function endSession(
  store: SessionStore,
  res: Response,
  settings: CookieSettings,
  session: ConsoleSession | null,
): Promise<void> {
  if (session) await store.remove(storeId(session.sid));
  res.clearCookie(CONSOLE_DEFAULTS.cookieName, {
    httpOnly: true,
    secure: settings.secure,
    sameSite: 'lax',
    path: settings.basePath || '/',
  });
}

export function readLoginState(sealer: Sealer, req: Request, now = epochNow()): LoginState | null {
  const state = sealer.open<LoginState>('login', readCookie(req, CONSOLE_DEFAULTS.loginCookieName));
  if (!state || typeof state.state !== 'string' || typeof state.verifier !== 'string') return null;
  if (typeof state.returnTo !== 'string' || !Number.isSafeInteger(state.exp) || state.exp < now) return null;
  return state;
}

export function writeLoginState(sealer: Sealer, res: Response, settings: CookieSettings, state: LoginState) {
  res.cookie(CONSOLE_DEFAULTS.loginCookieName, sealer.seal('login', state), {
    httpOnly: true,
    secure: settings.secure,
    sameSite: 'lax',
    path: `${settings.basePath}/console`,
    maxAge: CONSOLE_DEFAULTS.loginSeconds * 1000,
  });
}

export function clearLoginState(res: Response, settings: CookieSettings) {
  res.clearCookie(CONSOLE_DEFAULTS.loginCookieName, {
    httpOnly: true,
    secure: settings.secure,
    sameSite: 'lax',
    path: `${settings.basePath}/console`,
  });
}
