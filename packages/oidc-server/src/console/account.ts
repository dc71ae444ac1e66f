/** `/account`: every staff member's own 2-Step settings. Every change: CSRF + the 10-minute rule. */
import type { AuditEvent, Stores } from '@twostep/core';
import type { RequestHandler, Router } from 'express';
import {
  codeError,
  LANG_COOKIE,
  type MessageKey,
  SUPPORTED_LOCALES,
  smsSentMessage,
  t,
} from '../messages/index.ts';
import { withinCodeLimits } from '../rate-limit.ts';
import {
  actorOf,
  type ConsoleDeps,
  type ConsoleHandler,
  type ConsoleRequest,
  fail,
  field,
  idpSignOutUrl,
  query,
  requireFresh,
  sendPage,
  withConsole,
} from './context.ts';
import { backToApp, rememberApp } from './back-to-app.ts';
import {
  type AccountData,
  accountView,
  recoveryShownView,
  totpSetupView,
  turnOffView,
} from './pages/account.ts';
import { CONSOLE_DEFAULTS, endSession, hasVerifiedFactor, isFresh } from './session.ts';
import { redirectWith, redirectWithRecoveryCode, takeFlash } from './flash.ts';
import { recoverySignInOwingSetup } from '../new-phone.ts';
import { finishPasskey, startPasskey } from './passkeys.ts';

/** Flash messages after a redirect: only these keys, never text from the URL. */
const DONE: Record<string, MessageKey> = {
  totp_added: 'account.done.totpAdded',
  sms_added: 'account.done.smsAdded',
  removed: 'account.done.removed',
  passkey_added: 'account.done.passkeyAdded',
  passkey_renamed: 'account.done.passkeyRenamed',
  device_revoked: 'account.done.deviceRevoked',
  devices_revoked: 'account.done.devicesRevoked',
  language: 'account.done.language',
};

/** Names of the staff members behind audit events (same clinic only). */
export async function actorNames(stores: Stores, clinicId: string, events: AuditEvent[]) {
  const ids = new Set<string>();
  for (const e of events) {
    if (e.actorId) ids.add(e.actorId);
    if (e.targetId) ids.add(e.targetId);
  }
  const names = new Map<string, string>();
  await Promise.all(
    [...ids].map(async (id) => {
      const member = await stores.staff.get(id);
      if (member && member.clinicId === clinicId) names.set(id, member.name);
    }),
  );
  return names;
}

async function render(
  c: ConsoleRequest,
  status: number,
  extra: Pick<AccountData, 'error' | 'info' | 'done'> = {},
): Promise<void> {
  const { twostep, stores } = c.deps;
  const [twoStep, factors, devices, events, newPhoneSince] = await Promise.all([
    twostep.admin.status(c.staff),
    stores.factors.list(c.staff.id),
    twostep.devices.list(c.staff.id),
    twostep.audit.list(c.clinic.id, {
      actorOrTargetId: c.staff.id,
      order: 'desc',
      limit: CONSOLE_DEFAULTS.accountEvents,
    }),
    recoverySignInOwingSetup(twostep, stores, c.staff),
  ]);
  const data: AccountData = {
    clinicName: c.clinic.name,
    status: twoStep,
    factors,
    devices,
    events,
    names: await actorNames(stores, c.clinic.id, events),
    fresh: isFresh(c.session),
    limited: !hasVerifiedFactor(c.session),
    newPhoneSince,
    backTo: await backToApp(c.deps.provider, c.req),
    ...extra,
  };
  sendPage(c.res, status, accountView(c.page, data));
}

const withinLimits = (c: ConsoleRequest) =>
  withinCodeLimits(c.deps.limiter, c.deps.config.rateLimits, c.req.ip, c.staff.id);

const redirectDone = (c: ConsoleRequest, done: keyof typeof DONE) =>
  c.res.redirect(303, `${c.deps.config.basePath}/account?done=${done}`);

const show: ConsoleHandler = async (c) => {
  const done = DONE[query(c.req, 'done') ?? ''];
  const flash = takeFlash(c, '/account');
  await render(c, 200, { done: done ? t(done) : null, error: flash?.error, info: flash?.info });
};

/** Post/Redirect/Get: every form below ends with a 303 to the page that shows its outcome. */
const backToAccount = (c: ConsoleRequest, message: { error?: string; info?: string }) =>
  redirectWith(c, '/account', message);

const startTotp: ConsoleHandler = async (c) => {
  if (!(await requireFresh(c, '/account', { enrolling: true }))) return;
  await c.deps.twostep.enrollment.startTotp(c.staff);
  c.res.redirect(303, `${c.deps.config.basePath}/account/totp`);
};

/** The authenticator app being set up: its QR code and key (again after a refused code or a reload). */
const showTotp: ConsoleHandler = async (c) => {
  if (!(await requireFresh(c, '/account', { enrolling: true }))) return;
  const flash = takeFlash(c, '/account/totp');
  const setup = await c.deps.twostep.enrollment.pendingTotp(c.staff);
  if (!setup) return c.res.redirect(303, `${c.deps.config.basePath}/account`);
  const { qrSvg, groupedSecret } = setup;
  sendPage(c.res, 200, totpSetupView(c.page, { qrSvg, groupedSecret, error: flash?.error }));
};

/** A new recovery code, shown once after the redirect (Back later goes to the account page). */
const showRecoveryCode: ConsoleHandler = async (c) => {
  const flash = takeFlash(c, '/account/recovery-code');
  if (!flash?.recoveryCode) return c.res.redirect(303, `${c.deps.config.basePath}/account`);
  sendPage(c.res, 200, recoveryShownView(c.page, flash.recoveryCode, flash.recovery?.first ?? false));
};

const confirmTotp: ConsoleHandler = async (c) => {
  if (!(await requireFresh(c, '/account', { enrolling: true }))) return;
  if (!(await withinLimits(c)))
    return sendPage(c.res, 429, totpSetupView(c.page, { error: t('limit.body') }));
  const result = await c.deps.twostep.enrollment.confirmTotp(actorOf(c), c.staff, field(c.req, 'code'));
  if (!result.ok) return redirectWith(c, '/account/totp', { error: codeError(result, c.page.timeZone) });
  if (result.recoveryCode)
    return redirectWithRecoveryCode(c, '/account/recovery-code', result.recoveryCode, true);
  redirectDone(c, 'totp_added');
};

const startSms: ConsoleHandler = async (c) => {
  if (!(await requireFresh(c, '/account', { enrolling: true }))) return;
  if (!(await withinLimits(c))) return render(c, 429, { error: t('limit.body') });
  const phone = (field(c.req, 'phone') ?? '').slice(0, 32);
  const result = await c.deps.twostep.enrollment.startSms(actorOf(c), c.staff, phone);
  if (!result.ok && result.reason === 'invalid_phone')
    return backToAccount(c, { error: t('code.error.invalid_phone') });
  backToAccount(c, smsSentMessage(result, c.page.timeZone));
};

const resendSms: ConsoleHandler = async (c) => {
  if (!(await requireFresh(c, '/account', { enrolling: true }))) return;
  if (!(await withinLimits(c))) return render(c, 429, { error: t('limit.body') });
  const result = await c.deps.twostep.enrollment.resendSms(actorOf(c), c.staff);
  backToAccount(c, smsSentMessage(result, c.page.timeZone));
};

const confirmSms: ConsoleHandler = async (c) => {
  if (!(await requireFresh(c, '/account', { enrolling: true }))) return;
  if (!(await withinLimits(c))) return render(c, 429, { error: t('limit.body') });
  const result = await c.deps.twostep.enrollment.confirmSms(actorOf(c), c.staff, field(c.req, 'code'));
  if (!result.ok) return backToAccount(c, { error: codeError(result, c.page.timeZone) });
  if (result.recoveryCode)
    return redirectWithRecoveryCode(c, '/account/recovery-code', result.recoveryCode, true);
  redirectDone(c, 'sms_added');
};

type RemovalTarget = { kind: 'totp' | 'sms' } | { kind: 'passkey'; id: string };

/** The method a remove form (or the turn-off page's address) names: `totp`, `sms`, or one passkey by its id. */
function targetOf(kind: unknown, id: unknown): RemovalTarget | null {
  if (kind === 'totp' || kind === 'sms') return { kind };
  return kind === 'passkey' && typeof id === 'string' && id && id.length <= 128 ? { kind, id } : null;
}

const turnOffPath = (target: RemovalTarget) =>
  target.kind === 'passkey'
    ? `/account/turn-off?kind=passkey&passkey=${encodeURIComponent(target.id)}`
    : `/account/turn-off?kind=${target.kind}`;

/** Whether removing `target` turns 2-Step Verification off for the person, and the passkey it names. */
async function removal(c: ConsoleRequest, target: RemovalTarget) {
  const [status, factors] = await Promise.all([
    c.deps.twostep.admin.status(c.staff),
    c.deps.stores.factors.list(c.staff.id),
  ]);
  const active = factors.filter((f) => f.status === 'active');
  const doomed = active.filter((f) =>
    target.kind === 'passkey' ? f.id === target.id : f.kind === target.kind,
  );
  const last = !status.enforced && doomed.length > 0 && doomed.length === active.length;
  return { last, passkey: doomed[0]?.kind === 'passkey' ? doomed[0] : null };
}

/** The last method's "Turn off 2-Step Verification?" page: the heads-up, a reason, a confirmation. */
const showTurnOff: ConsoleHandler = async (c) => {
  const target = targetOf(query(c.req, 'kind'), query(c.req, 'passkey'));
  if (!target) return fail(c, 404, 'error.404');
  const { last, passkey } = await removal(c, target);
  if (!last) return c.res.redirect(303, `${c.deps.config.basePath}/account`);
  const flash = takeFlash(c, turnOffPath(target));
  sendPage(
    c.res,
    200,
    turnOffView(c.page, {
      fields: target.kind === 'passkey' ? { kind: 'passkey', passkey: target.id } : { kind: target.kind },
      method: passkey
        ? t('account.passkey.named', { name: passkey.name })
        : t(target.kind === 'totp' ? 'method.totp' : 'method.sms'),
      clinic: c.clinic.name,
      warning: t('admin.enforce.warning'),
      reason: flash?.reason,
      error: flash?.error,
    }),
  );
};

const remove: ConsoleHandler = async (c) => {
  const target = targetOf(field(c.req, 'kind'), field(c.req, 'passkey'));
  if (!target) return fail(c, 400, 'error.400');
  if (!(await requireFresh(c, '/account'))) return;
  const reason = (field(c.req, 'reason') ?? '').slice(0, 500);
  // The last method: ask first (the same heads-up as the clinic-wide switch), with a reason.
  if ((await removal(c, target)).last && field(c.req, 'confirm') !== 'yes') {
    return c.res.redirect(303, `${c.deps.config.basePath}${turnOffPath(target)}`);
  }
  const actor = actorOf(c);
  const result =
    target.kind === 'passkey'
      ? await c.deps.twostep.enrollment.removePasskey(actor, c.staff, target.id, { reason })
      : await c.deps.twostep.enrollment.remove(actor, c.staff, target.kind, { reason });
  if (!result.ok) {
    if (result.reason === 'reason_required') {
      return redirectWith(c, turnOffPath(target), { error: t('account.error.reason_required'), reason });
    }
    return backToAccount(c, { error: t(`account.error.${result.reason}`, { clinic: c.clinic.name }) });
  }
  redirectDone(c, 'removed');
};

/** A new name for one of the person's passkeys (fresh verification; core audits it and emails them). */
const renamePasskey: ConsoleHandler = async (c) => {
  const id = field(c.req, 'passkey');
  if (!id || id.length > 128) return fail(c, 400, 'error.400');
  if (!(await requireFresh(c, '/account'))) return;
  const result = await c.deps.twostep.enrollment.renamePasskey(actorOf(c), c.staff, id, field(c.req, 'name'));
  if (!result.ok) {
    const key =
      result.reason === 'invalid_name' ? 'account.passkey.error.invalid_name' : 'account.error.not_enrolled';
    return render(c, 400, { error: t(key) });
  }
  redirectDone(c, 'passkey_renamed');
};

const regenerateRecovery: ConsoleHandler = async (c) => {
  if (!(await requireFresh(c, '/account'))) return;
  if (!(await c.deps.twostep.admin.status(c.staff)).enrolled) {
    return backToAccount(c, { error: t('account.error.recovery_needs_factor') });
  }
  const code = await c.deps.twostep.enrollment.regenerateRecoveryCode(actorOf(c), c.staff);
  redirectWithRecoveryCode(c, '/account/recovery-code', code, false);
};

const revokeDevice: ConsoleHandler = async (c) => {
  const deviceId = field(c.req, 'device');
  if (!deviceId || deviceId.length > 128) return fail(c, 400, 'error.400');
  if (!(await requireFresh(c, '/account'))) return;
  // The store only removes the device when it belongs to this staff member.
  if (!(await c.deps.twostep.devices.revoke(actorOf(c), c.staff, deviceId))) return fail(c, 404, 'error.404');
  redirectDone(c, 'device_revoked');
};

const revokeAllDevices: ConsoleHandler = async (c) => {
  if (!(await requireFresh(c, '/account'))) return;
  await c.deps.twostep.devices.revokeAll(actorOf(c), c.staff, 'user');
  redirectDone(c, 'devices_revoked');
};

/**
 * The person's saved language (pages, emails, texts). Not a security change: no code asked. The
 * switch's cookie is cleared so that the saved choice decides from now on in this browser too.
 */
const saveLanguage: ConsoleHandler = async (c) => {
  const locale = field(c.req, 'locale');
  if (!SUPPORTED_LOCALES.some((supported) => supported === locale)) return fail(c, 400, 'error.400');
  await c.deps.stores.staff.update(c.staff.id, { locale });
  c.res.clearCookie(LANG_COOKIE, { path: c.deps.config.basePath || '/' });
  redirectDone(c, 'language');
};

/** Ends every session of this person (this one too), then the IdP's own sign-in in this browser. */
const signOutEverywhere: ConsoleHandler = async (c) => {
  await c.deps.twostep.sessions.endAll(actorOf(c), c.staff, 'user');
  await endSession(c.deps.stores.sessions, c.res, c.deps.cookies, null);
  c.res.redirect(303, idpSignOutUrl(c.deps));
};

export function accountRoutes(router: Router, deps: ConsoleDeps, body: RequestHandler) {
  const area = { area: '/account' };
  router.get('/account', rememberApp(deps), withConsole(deps, show, area));
  router.get('/account/totp', withConsole(deps, showTotp, area));
  router.get('/account/recovery-code', withConsole(deps, showRecoveryCode, area));
  router.get('/account/turn-off', withConsole(deps, showTurnOff, area));
  const post = (path: string, handler: ConsoleHandler) =>
    router.post(`/account${path}`, body, withConsole(deps, handler, area));
  post('/totp', startTotp);
  post('/totp/confirm', confirmTotp);
  post('/sms', startSms);
  post('/sms/resend', resendSms);
  post('/sms/confirm', confirmSms);
  post('/passkey', startPasskey);
  post('/passkey/finish', finishPasskey);
  post('/passkey/rename', renamePasskey);
  post('/remove', remove);
  post('/recovery', regenerateRecovery);
  post('/devices/revoke', revokeDevice);
  post('/devices/revoke-all', revokeAllDevices);
  post('/sign-out-everywhere', signOutEverywhere);
  post('/language', saveLanguage);
}
