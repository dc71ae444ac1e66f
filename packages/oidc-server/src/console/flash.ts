/**
 * Post/Redirect/Get for the console: a form's outcome (a refusal, "code sent", a new recovery
 * code) goes in a short-lived cookie and the browser is sent (303) to the page that shows it, once.
 * Back or a reload then never asks to resubmit a form. The cookie is signed with the console's
 * keys and bound to the session id and to the page it is for; a recovery code in it is sealed
 * with the secret box (encrypted), like every secret at rest.
 */
import { readCookie } from '../interactions/context.ts';
import type { ConsoleRequest } from './context.ts';

const COOKIE = 'twostep_console_flash';
/** Long enough for the redirect to be followed; a flash nobody read is dropped. */
const MAX_AGE_MS = 5 * 60_000;

export interface Flash {
  error?: string;
  info?: string;
  /** What the person typed in a text field (a reason), to give back with the refusal. */
  reason?: string;
  /** A new recovery code to show once (sealed), and whether it is the first one. */
  recovery?: { sealed: string; first: boolean };
}

interface Stored extends Flash {
  sid: string;
  page: string;
}

const cookieOptions = (c: ConsoleRequest) => ({
  httpOnly: true,
  secure: c.deps.cookies.secure,
  sameSite: 'lax' as const,
  path: c.deps.cookies.basePath || '/',
});

const recoveryContext = (c: ConsoleRequest) => `console-recovery:${c.session.sid}`;

/** Keeps `flash` for `page` (a console path without query) and redirects there. */
export function redirectWith(c: ConsoleRequest, page: string, flash: Flash): void {
  const stored: Stored = { ...flash, sid: c.session.sid, page };
  c.res.cookie(COOKIE, c.deps.sealer.seal('flash', stored), { ...cookieOptions(c), maxAge: MAX_AGE_MS });
  c.res.redirect(303, `${c.deps.config.basePath}${page}`);
}

/** Shows `code` once on `page` after the redirect. */
export function redirectWithRecoveryCode(c: ConsoleRequest, page: string, code: string, first: boolean) {
  const sealed = c.deps.config.secretBox.seal(code, recoveryContext(c));
  redirectWith(c, page, { recovery: { sealed, first } });
}

/** The flash kept for `page` in this session, cleared as it is read; null when there is none. */
export function takeFlash(c: ConsoleRequest, page: string): (Flash & { recoveryCode?: string }) | null {
  const stored = c.deps.sealer.open<Stored>('flash', readCookie(c.req, COOKIE));
  if (!stored) return null;
  // Another page's flash waits for its page (unless it belongs to an ended session).
  if (stored.sid === c.session.sid && stored.page !== page) return null;
  c.res.clearCookie(COOKIE, cookieOptions(c));
  if (stored.sid !== c.session.sid) return null;
  const { error, info, reason, recovery } = stored;
  const recoveryCode = recovery
    ? c.deps.config.secretBox.open(recovery.sealed, recoveryContext(c))
    : undefined;
  return { error, info, reason, recovery, ...(recoveryCode ? { recoveryCode } : {}) };
}
