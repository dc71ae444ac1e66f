/**
 * "Forgot password?": `/forgot-password` emails a reset link, `/reset-password/:token` sets a new
 * password from it.
 *
 * The link is a signed token, nothing is stored (`createStaffLinkToken('password-reset', …)`):
 * it names the staff member and its expiry, and its MAC covers their email and current password
 * hash. Setting the password is ONE conditional update from the hash the link was checked against
 * (`replacePasswordHash`), so a link works once however many submissions race, and any other
 * password change (or an email change) ends it too.
 *
 * No enumeration: the request page answers the same (a redirect to "check your email") whether the
 * address is known or not, counts the same per-IP and per-address limits, and the email goes out
 * without being awaited, so the answer takes the same time.
 *
 * A reset changes only the password: 2-Step Verification is still asked at the next sign-in, and
 * every session and remembered device of the person ends (`lifecycle.passwordReset`), which also
 * emails them and their clinic's Full Access Users.
 */
import { randomBytes } from 'node:crypto';
import { clinicRegion, type PasswordHasher, type StaffMember } from '@twostep/core';
import express, { type Request, type Response, Router } from 'express';
import { actor, type Deps, readCookie, sendPage } from './interactions/context.ts';
import { learnLocale, t } from './messages/index.ts';
import { html } from './pages/html.ts';
import { alert, form, layout, type PageContext } from './pages/layout.ts';
import {
  createStaffLinkToken,
  staffLinkTokenStaffId,
  verifyStaffLinkToken,
} from './provisioning/welcome-link.ts';
import { choosePasswordForm, passwordProblem } from './provisioning/welcome.ts';

/** Lifetime of a reset link: short, it is mailed. */
export const RESET_LINK_TTL_SECONDS = 30 * 60;
/** Binds the request form's CSRF token to this browser (the page has no session of its own). */
const CSRF_COOKIE = 'twostep_reset';

export function passwordResetRouter(deps: Deps, hasher: PasswordHasher, bodyLimitBytes: number): Router {
  const router = Router();
  const body = express.urlencoded({ extended: false, limit: bodyLimitBytes, parameterLimit: 5 });
  const base = deps.config.basePath;
  const page = (res: Response): PageContext => ({
    nonce: String(res.locals.cspNonce),
    siteName: deps.config.siteName,
  });
  const backLink = html`<p><a href="${base}/account">${t('reset.back')}</a></p>`;

  function requestForm(req: Request, res: Response, status: number, error: string | null): void {
    let nonce = readCookie(req, CSRF_COOKIE);
    if (!nonce || !/^[\w-]{22,64}$/.test(nonce)) {
      nonce = randomBytes(16).toString('base64url');
      res.cookie(CSRF_COOKIE, nonce, {
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.config.secureCookies,
        path: `${base}/forgot-password`,
      });
    }
    const content = html`<label for="email">${t('password.email')}</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="254" autofocus>
<button type="submit">${t('reset.submit')}</button>`;
    sendPage(
      res,
      status,
      layout(
        page(res),
        t('reset.title'),
        html`${alert(error)}<p>${t('reset.intro')}</p>
${form(`${base}/forgot-password`, deps.csrf.token(nonce, 'forgot-password'), content)}
${backLink}`,
      ),
    );
  }

  router.get('/forgot-password', (req, res) => requestForm(req, res, 200, null));

  router.post('/forgot-password', body, async (req, res) => {
    const fields = (req.body ?? {}) as Record<string, unknown>;
    const nonce = readCookie(req, CSRF_COOKIE);
    if (!nonce || !deps.csrf.verify(nonce, 'forgot-password', fields.csrf)) {
      return requestForm(req, res, 403, t('common.error'));
    }
    const email = (typeof fields.email === 'string' ? fields.email : '').trim().toLowerCase().slice(0, 254);
    const limits = deps.config.rateLimits;
    // Counted for every address, known or not: the limit says nothing about who has an account.
    const ipOk = await deps.limiter.hit('reset-ip', req.ip ?? 'unknown', limits.resetPerIp);
    const accountOk = await deps.limiter.hit('reset-account', email, limits.resetPerAccount);
    if (!ipOk || !accountOk) return requestForm(req, res, 429, t('limit.body'));
    const staff = email ? await deps.stores.staff.findByEmail(email) : null;
    if (staff?.active) void sendLink(staff);
    res.redirect(303, `${base}/forgot-password/sent`);
  });

  /** Emails the link; not awaited by the request (same answer time for every address). */
  async function sendLink(staff: StaffMember): Promise<void> {
    try {
      const now = deps.clock.now();
      const { token, expiresAt } = createStaffLinkToken(
        'password-reset',
        deps.config.hashKey,
        staff,
        now,
        RESET_LINK_TTL_SECONDS,
      );
      const clinic = await deps.stores.clinics.get(staff.clinicId);
      await deps.twostep.notify({
        kind: 'password_reset_link',
        to: { staffId: staff.id, email: staff.email, name: staff.name },
        clinicName: clinic?.name ?? deps.config.siteName,
        timeZone: clinicRegion(clinic, deps.twostep.config).timeZone,
        params: {
          url: `${deps.config.issuer.replace(/\/+$/, '')}/reset-password/${token}`,
          until: expiresAt.toISOString(),
        },
      });
    } catch (error) {
      deps.logger.error('password reset link not sent', { staffId: staff.id, error });
    }
  }

  router.get('/forgot-password/sent', (_req, res) => {
    const minutes = Math.round(RESET_LINK_TTL_SECONDS / 60);
    sendPage(
      res,
      200,
      layout(
        page(res),
        t('reset.sentTitle'),
        html`<p class="note" role="status">${t('reset.sent', { minutes })}</p><p>${t('reset.sentNext')}</p>${backLink}`,
      ),
    );
  });

  /** The staff member the link is for, or the refusal page already sent. */
  async function check(req: Request, res: Response): Promise<StaffMember | null> {
    const token = String(req.params.token);
    const staffId = staffLinkTokenStaffId(token);
    const staff = staffId ? await deps.stores.staff.get(staffId) : null;
    const verdict = staff
      ? verifyStaffLinkToken('password-reset', deps.config.hashKey, token, staff, deps.clock.now())
      : 'invalid';
    if (staff && verdict === 'ok') {
      learnLocale({ person: staff.locale });
      return staff;
    }
    sendPage(
      res,
      verdict === 'expired' ? 410 : 404,
      layout(
        page(res),
        t('reset.invalidTitle'),
        html`<p role="alert">${t(verdict === 'expired' ? 'reset.expired' : 'reset.invalid')}</p>
<p><a href="${base}/forgot-password">${t('reset.again')}</a></p>`,
      ),
    );
    return null;
  }

  function chooseForm(req: Request, res: Response, staff: StaffMember, error: string | null, status = 200) {
    const action = `${base}/reset-password/${String(req.params.token)}`;
    const intro = t('reset.chooseIntro', { email: staff.email });
    sendPage(
      res,
      status,
      layout(page(res), t('reset.title'), choosePasswordForm(action, staff.email, intro, error)),
    );
  }

  router.get('/reset-password/:token', async (req, res) => {
    const staff = await check(req, res);
    if (staff) chooseForm(req, res, staff, null);
  });

  // No CSRF token: the link's own secret is in the form's URL, which another site cannot know.
  router.post('/reset-password/:token', body, async (req, res) => {
    const staff = await check(req, res);
    if (!staff) return;
    const fields = (req.body ?? {}) as Record<string, unknown>;
    const password = typeof fields.password === 'string' ? fields.password : '';
    const problem = passwordProblem(password, fields.confirm, staff.email);
    if (problem) return chooseForm(req, res, staff, problem, 400);
    const passwordHash = await hasher.hash(password);
    // Single use: one conditional update from the hash the link was checked against.
    if (!(await deps.stores.staff.replacePasswordHash(staff.id, staff.passwordHash, passwordHash))) {
      await check(req, res);
      return;
    }
    const who = actor(req, staff);
    await deps.twostep.audit.record(who, {
      clinicId: staff.clinicId,
      type: 'staff.password_set',
      targetId: staff.id,
      details: { via: 'reset_link' },
    });
    await deps.twostep.lifecycle.passwordReset(who, { ...staff, passwordHash });
    // Into sign-in: the account page starts it, and asks the second factor as always.
    res.redirect(303, `${base}/account`);
  });

  return router;
}
