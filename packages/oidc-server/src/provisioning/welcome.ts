/**
 * `/welcome/:token`: a new staff member (or a clinic's first Full Access User)
 * sets their password from a welcome link, then goes on to sign in at the
 * account page, where an enforced 2-Step Verification makes them enroll first.
 */
import type { HashKeys, Logger, StaffMember, Stores, Twostep } from '@twostep/core';
import { hashPassword, type PasswordCost } from '@twostep/core';
import express, { type Request, type Response, Router } from 'express';
import { learnLocale, t } from '../messages/index.ts';
import { html } from '../pages/html.ts';
import { alert, layout, type PageContext } from '../pages/layout.ts';
import { PROVISIONING_DEFAULTS } from './constants.ts';
import { verifyWelcomeToken, welcomeTokenStaffId } from './welcome-link.ts';

export interface WelcomeDeps {
  basePath: string;
  siteName: string;
  stores: Stores;
  twostep: Twostep;
  hashKey: HashKeys;
  passwordCost: PasswordCost;
  clock: { now(): Date };
  logger: Logger;
}

function send(res: Response, status: number, page: string): void {
  res.status(status).type('html').set('Cache-Control', 'no-store').send(page);
}

/** The "choose a password" form (welcome and reset links): a new password typed twice. */
export function choosePasswordForm(action: string, email: string, intro: string, error: string | null) {
  const min = PROVISIONING_DEFAULTS.passwordMinLength;
  return html`${alert(error)}<p>${intro}</p>
<form method="post" action="${action}" novalidate>
<input type="email" name="username" value="${email}" autocomplete="username" hidden readonly>
<label for="password">${t('newPassword.label')}</label>
<input id="password" type="password" name="password" autocomplete="new-password" minlength="${min}" required autofocus>
<p class="note">${t('newPassword.hint', { min })}</p>
<label for="confirm">${t('newPassword.again')}</label>
<input id="confirm" type="password" name="confirm" autocomplete="new-password" minlength="${min}" required>
<button type="submit">${t('newPassword.submit')}</button>
</form>`;
}

/** Why a chosen password is refused (length, the two differ, it is the email), or null. */
export function passwordProblem(password: string, confirm: unknown, email: string): string | null {
  const length = [...password.normalize('NFKC')].length;
  const { passwordMinLength: min, passwordMaxLength: max } = PROVISIONING_DEFAULTS;
  if (length < min) return t('newPassword.tooShort', { min });
  if (length > max) return t('newPassword.tooLong', { max });
  if (password !== confirm) return t('newPassword.mismatch');
  if (password.trim().toLowerCase() === email) return t('newPassword.sameAsEmail');
  return null;
}

export function welcomeRouter(deps: WelcomeDeps): Router {
  const router = Router();
  const body = express.urlencoded({ extended: false, limit: 4096, parameterLimit: 5 });
  const page = (res: Response): PageContext => ({
    nonce: String(res.locals.cspNonce),
    siteName: deps.siteName,
  });

  /** The staff member the link is for, or the refusal page already sent. */
  async function check(req: Request, res: Response): Promise<StaffMember | null> {
    const token = String(req.params.token);
    const staffId = welcomeTokenStaffId(token);
    const staff = staffId ? await deps.stores.staff.get(staffId) : null;
    const verdict = staff ? verifyWelcomeToken(deps.hashKey, token, staff, deps.clock.now()) : 'invalid';
    if (staff && verdict === 'ok') {
      learnLocale({ person: staff.locale });
      return staff;
    }
    send(
      res,
      verdict === 'expired' ? 410 : 404,
      layout(
        page(res),
        t('reset.invalidTitle'),
        html`<p role="alert">${t(verdict === 'expired' ? 'welcome.expired' : 'welcome.invalid')}</p>`,
      ),
    );
    return null;
  }

  function form(req: Request, res: Response, staff: StaffMember, error: string | null, status = 200) {
    const action = `${deps.basePath}/welcome/${String(req.params.token)}`;
    const intro = t('welcome.intro', { name: staff.name, email: staff.email });
    send(
      res,
      status,
      layout(page(res), t('welcome.title'), choosePasswordForm(action, staff.email, intro, error)),
    );
  }

  router.get('/welcome/:token', async (req, res) => {
    const staff = await check(req, res);
    if (staff) form(req, res, staff, null);
  });

  // No CSRF token: the link's own secret is in the form's URL, which another site cannot know.
  router.post('/welcome/:token', body, async (req, res) => {
    const staff = await check(req, res);
    if (!staff) return;
    const fields = (req.body ?? {}) as Record<string, unknown>;
    const password = typeof fields.password === 'string' ? fields.password : '';
    const problem = passwordProblem(password, fields.confirm, staff.email);
    if (problem) return form(req, res, staff, problem, 400);
    const passwordHash = await hashPassword(password, deps.passwordCost);
    // Single use: one conditional update from the hash the link was checked against. Of several
    // submissions of the same link exactly one sets it; the others get the used-link page.
    if (!(await deps.stores.staff.replacePasswordHash(staff.id, staff.passwordHash, passwordHash))) {
      await check(req, res);
      return;
    }
    const actor = {
      actorId: staff.id,
      ip: req.ip ?? null,
      userAgent: req.get('user-agent')?.slice(0, 512) ?? null,
    };
    await deps.twostep.audit.record(actor, {
      clinicId: staff.clinicId,
      type: 'staff.password_set',
      targetId: staff.id,
      details: { via: 'welcome_link' },
    });
    await deps.twostep.lifecycle.passwordChanged(actor, { ...staff, passwordHash });
    // Into sign-in: the account page starts it; an enforced 2-Step makes them enroll there.
    res.redirect(303, `${deps.basePath}/account`);
  });

  return router;
}
