/** What every console route needs: the signed-in staff member, their clinic, the CSRF token, page helpers. */
import { type ActorContext, type Clinic, clinicRegion, type StaffMember } from '@twostep/core';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../errors.ts';
import type { Deps } from '../interactions/context.ts';
import { type MessageKey, t } from '../messages/index.ts';
import { learnLocale, setReturnPath } from '../messages/locale.ts';
import { errorView, type ConsolePage } from './pages/layout.ts';
import {
  CONSOLE_DEFAULTS,
  type ConsoleSession,
  type CookieSettings,
  epochNow,
  hasVerifiedFactor,
  isFresh,
  readSession,
  type Sealer,
  updateSession,
} from './session.ts';

export interface ConsoleDeps extends Deps {
  sealer: Sealer;
  cookies: CookieSettings;
  /** `<issuer>/console/callback`. */
  redirectUri: string;
  /** Not-enrolled counts per clinic, briefly cached (see readiness.ts). */
  readiness: Map<string, { at: number; notEnrolled: number; active: number; passkeyMissing: number }>;
}

export interface ConsoleRequest {
  deps: ConsoleDeps;
  req: Request;
  res: Response;
  session: ConsoleSession;
  staff: StaffMember;
  clinic: Clinic;
  page: ConsolePage;
}

export type ConsoleHandler = (c: ConsoleRequest) => Promise<void>;

/** Only paths of the console itself may be a return address (no open redirect). */
const RETURN_PATH = /^\/(account|admin)(\/[A-Za-z0-9._~-]+)*\/?(\?[A-Za-z0-9._~\-=&%+]*)?$/;
const RETURN_BASE = 'http://return.invalid';

/**
 * `value` as the browser will resolve it — dot segments (`..`, `%2e%2e`) removed, backslashes read
 * as slashes — when that is a console path on our own origin; `fallback` otherwise.
 */
export function safeReturn(value: unknown, fallback = '/account'): string {
  if (typeof value !== 'string' || value.length > 512 || !value.startsWith('/')) return fallback;
  let url: URL;
  try {
    url = new URL(value, RETURN_BASE);
  } catch {
    return fallback;
  }
  const normalised = `${url.pathname}${url.search}`;
  return url.origin === RETURN_BASE && RETURN_PATH.test(normalised) ? normalised : fallback;
}

export function loginUrl(deps: ConsoleDeps, returnTo: string, fresh = false): string {
  const query = new URLSearchParams({ return: returnTo });
  if (fresh) query.set('fresh', '1');
  return `${deps.config.basePath}/console/login?${query}`;
}

/** The IdP's own sign-out ("Sign out?" page), after the console session has ended. */
export function idpSignOutUrl(deps: ConsoleDeps): string {
  return `${deps.config.basePath}/session/end?${new URLSearchParams({ client_id: CONSOLE_DEFAULTS.clientId })}`;
}

export function sendPage(res: Response, status: number, page: string): void {
  res.status(status).type('html').set('Cache-Control', 'no-store').send(page);
}

export function actorOf(c: { req: Request; staff: StaffMember }): ActorContext {
  return {
    actorId: c.staff.id,
    ip: c.req.ip ?? null,
    userAgent: c.req.get('user-agent')?.slice(0, 512) ?? null,
  };
}

export function field(req: Request, name: string): string | undefined {
  const value: unknown = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

export function query(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' ? value.slice(0, 256) : undefined;
}

/** The request's path under the issuer, with its query (for coming back after a sign-in). */
function currentPath(deps: ConsoleDeps, req: Request): string {
  const url = req.originalUrl;
  return url.startsWith(deps.config.basePath) ? url.slice(deps.config.basePath.length) : url;
}

/** Renders an error page in the console frame. */
export function fail(c: ConsoleRequest, status: number, key: MessageKey, params?: Record<string, string>) {
  sendPage(c.res, status, errorView(c.page, t(key, params)));
}

/**
 * Loads the console session, the staff member (still active) and their clinic.
 * No session: to the sign-in (for a POST, back to the page the form was on —
 * nothing is done). POSTs need the session's CSRF token (403 otherwise).
 */
export function withConsole(deps: ConsoleDeps, handler: ConsoleHandler, options: { area: string }) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const now = epochNow();
      const session = await readSession(deps.sealer, deps.stores.sessions, req, now);
      const isPost = req.method === 'POST';
      const staff = session ? await deps.stores.staff.get(session.accountId) : null;
      if (!session || !staff?.active) {
        return res.redirect(303, loginUrl(deps, isPost ? options.area : safeReturn(currentPath(deps, req))));
      }
      const clinic = await deps.stores.clinics.get(staff.clinicId);
      if (!clinic) throw new HttpError(403);
      learnLocale({ person: staff.locale, clinic: clinic.defaultLocale });
      // After a form, the language switch goes back to the area's page (the form's address has no page).
      if (isPost)
        setReturnPath(`${deps.config.basePath}${options.area === '/admin' ? '/admin' : '/account'}`);
      // Sliding idle lifetime: one store write at most once a minute.
      if (now - session.seen >= 60) {
        session.seen = now;
        await updateSession(deps.stores.sessions, session, { seen: now });
      }
      const csrf = deps.csrf.token(`console:${session.sid}`, 'console');
      const page: ConsolePage = {
        nonce: String(res.locals.cspNonce),
        siteName: clinic.name,
        timeZone: clinicRegion(clinic, deps.twostep.config).timeZone,
        base: deps.config.basePath,
        csrf,
        staff,
        isAdmin: staff.role === 'full_access',
        area: options.area === '/admin' ? 'admin' : 'account',
      };
      const c: ConsoleRequest = { deps, req, res, session, staff, clinic, page };
      if (isPost && !deps.csrf.verify(`console:${session.sid}`, 'console', field(req, 'csrf'))) {
        return fail(c, 403, 'error.403');
      }
      // Any change may move the readiness numbers: count again next time.
      if (isPost) deps.readiness.delete(clinic.id);
      await handler(c);
    } catch (error) {
      next(error);
    }
  };
}

/**
 * The 10-minute rule. True when a second factor was entered in the last 10
 * minutes. Otherwise nothing is done and the browser goes through the IdP
 * again (`max_age=600`: it asks only for the code) and comes back to `returnTo`.
 */
export async function requireFresh(
  c: ConsoleRequest,
  returnTo: string,
  options: { enrolling?: boolean } = {},
): Promise<boolean> {
  if (isFresh(c.session)) return true;
  if (!hasVerifiedFactor(c.session)) {
    // A password-only session (2-Step paused): setting up a factor is allowed, as at sign-in.
    const status = await c.deps.twostep.admin.status(c.staff);
    if (options.enrolling && (status.pausedUntil || !status.enrolled)) return true;
    if (status.pausedUntil) {
      fail(c, 403, 'console.fresh.paused');
      return false;
    }
  }
  const fallback = c.page.area === 'admin' ? '/admin' : '/account';
  c.res.redirect(303, loginUrl(c.deps, safeReturn(returnTo, fallback), true));
  return false;
}
