/**
 * The console session: who signed in to `/account` and `/admin`, how, and when.
 *
 * A signed cookie (HMAC-SHA256 with the IdP's cookie keys, newest first, every
 * key verifies), HttpOnly, SameSite=Lax, Secure outside localhost, scoped to
 * the issuer's path. It holds only what the IdP's own authorization code said:
 * `{ accountId, acr, amr, authTime }`, plus a random session id (the CSRF
 * binding) and the idle / absolute timestamps. Times are real time, like
 * oidc-provider's `auth_time`.
 */
import { randomBytes } from 'node:crypto';
import { ACR, constantTimeEqual, hmacSha256 } from '@twostep/core';
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

/** Methods that prove a second factor; a remembered device does not. */
const FACTOR_AMR = new Set(['otp', 'sms', 'recovery']);

/** A 2-Step sign-in where a code was actually entered (not a trusted-device skip). */
export function hasVerifiedFactor(session: ConsoleSession): boolean {
  return session.acr === ACR.twoFactor && session.amr.some((m) => FACTOR_AMR.has(m));
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

export interface CookieSettings {
  secure: boolean;
  /** The issuer's path ('' at the root). */
  basePath: string;
}

function isSession(value: unknown): value is ConsoleSession {
  const s = value as Partial<ConsoleSession> | null;
  return (
    typeof s?.sid === 'string' &&
    typeof s.accountId === 'string' &&
    typeof s.acr === 'string' &&
    Array.isArray(s.amr) &&
    s.amr.every((m) => typeof m === 'string') &&
    Number.isSafeInteger(s.authTime) &&
    Number.isSafeInteger(s.iat) &&
    Number.isSafeInteger(s.seen)
  );
}

/** The valid session of this request, or null (missing, forged, idle or too old). */
export function readSession(sealer: Sealer, req: Request, now = epochNow()): ConsoleSession | null {
  const session = sealer.open<unknown>('session', readCookie(req, CONSOLE_DEFAULTS.cookieName));
  if (!isSession(session)) return null;
  if (now - session.seen > CONSOLE_DEFAULTS.idleSeconds) return null;
  if (now - session.iat > CONSOLE_DEFAULTS.absoluteSeconds) return null;
  if (session.seen > now + 60 || session.iat > now + 60) return null;
  return session;
}

export function writeSession(
  sealer: Sealer,
  res: Response,
  settings: CookieSettings,
  session: ConsoleSession,
) {
  res.cookie(CONSOLE_DEFAULTS.cookieName, sealer.seal('session', session), {
    httpOnly: true,
    secure: settings.secure,
    sameSite: 'lax',
    path: settings.basePath || '/',
    // The browser may drop it at the absolute end; the server checks both lifetimes anyway.
    maxAge: Math.max(0, session.iat + CONSOLE_DEFAULTS.absoluteSeconds - epochNow()) * 1000,
  });
}

export function clearSession(res: Response, settings: CookieSettings) {
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
