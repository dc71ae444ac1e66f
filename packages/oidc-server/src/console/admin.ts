/**
 * `/admin`: Full Access Users only. Core's `admin.authorize` decides (and
 * audits `access.denied` for anyone else); a colleague of another clinic is
 * "not found". Every change: CSRF, then authorization, then the 10-minute rule.
 */
import {
  type AdminRefusal,
  type AuditEventType,
  type AuditQuery,
  type ChainCheck,
  clinicRegion,
  PHISHING_RESISTANT_SCOPES,
  type PhishingResistantScope,
  phishingResistantNarrows,
  type StaffMember,
} from '@twostep/core';
import type { RequestHandler, Router } from 'express';
import { currentLocale, type MessageKey, SUPPORTED_LOCALES, t, withLocale } from '../messages/index.ts';
import { actorNames } from './account.ts';
import {
  actorOf,
  type ConsoleDeps,
  type ConsoleHandler,
  type ConsoleRequest,
  fail,
  field,
  query,
  requireFresh,
  sendPage,
  withConsole,
} from './context.ts';
import { randomBytes } from 'node:crypto';
import * as validate from '../provisioning/validate.ts';
import {
  createWelcomeToken,
  hasPassword,
  unusablePasswordHash,
  welcomeUrl,
} from '../provisioning/welcome-link.ts';
import { toCsv } from './export.ts';
import { redirectWith, takeFlash } from './flash.ts';
import {
  type AuditFilters,
  adminView,
  auditView,
  complianceConfirmView,
  enforcementOffView,
  staffView,
} from './pages/admin.ts';
import { readiness } from './readiness.ts';
import { CONSOLE_DEFAULTS } from './session.ts';

/** The word typed to confirm a compliance change, in the page's language (TURN OFF, DÉSACTIVER). */
export const confirmWord = (): string => t('admin.enforce.word');

/** Case and accents do not matter: DESACTIVER on an English keyboard is DÉSACTIVER. */
const fold = (word: string) => word.normalize('NFD').replace(/\p{M}/gu, '').trim().toUpperCase();

export const AUDIT_TYPES: readonly AuditEventType[] = [
  'sign_in.succeeded',
  'sign_in.failed',
  'second_factor.succeeded',
  'second_factor.failed',
  'second_factor.throttled',
  'factor.enrolled',
  'factor.removed',
  'passkey.cloned',
  'recovery_code.issued',
  'recovery_code.used',
  'device.trusted',
  'device.revoked',
  'sessions.ended',
  'sms.sent',
  'two_step.paused',
  'two_step.resumed',
  'two_step.reset',
  'account.locked',
  'account.unlocked',
  'policy.enforcement_on',
  'policy.enforcement_off',
  'policy.trusted_devices_changed',
  'policy.phishing_resistant_changed',
  'passkey.renamed',
  'passkey.required',
  'access.denied',
];

const DONE: Record<string, MessageKey> = {
  enforcement_on: 'admin.done.enforcementOn',
  enforcement_off: 'admin.done.enforcementOff',
  devices_setting: 'admin.done.devicesSetting',
  passkey_rule: 'admin.done.passkeyRule',
  region: 'admin.done.region',
  language: 'admin.done.language',
  grace: 'admin.done.grace',
  contact: 'admin.done.contact',
  paused: 'admin.done.paused',
  resumed: 'admin.done.resumed',
  reset: 'admin.done.reset',
  unlocked: 'admin.done.unlocked',
  devices_revoked: 'admin.done.devicesRevoked',
  staff_added: 'admin.done.staffAdded',
  reminders_sent: 'admin.done.remindersSent',
};

const REFUSAL_STATUS: Record<AdminRefusal, number> = {
  forbidden: 403,
  not_found: 404,
  self: 403,
  reason_required: 400,
  invalid_duration: 400,
  invalid_region: 400,
  invalid_locale: 400,
  actor_not_enrolled: 409,
  not_paused: 409,
  invalid_scope: 400,
  invalid_grace: 400,
  invalid_contact: 400,
};

const flash = (c: ConsoleRequest) => {
  const key = DONE[query(c.req, 'done') ?? ''];
  return key ? t(key) : null;
};

/** The acting Full Access User (and a colleague) or a refusal page. Non-admins: 403, audited by core. */
async function authorize(c: ConsoleRequest, targetId?: string) {
  const auth = await c.deps.twostep.admin.authorize(actorOf(c), targetId);
  if (!auth.ok) {
    fail(c, REFUSAL_STATUS[auth.reason], auth.reason === 'not_found' ? 'error.404' : 'admin.denied');
    return null;
  }
  return auth;
}

/** Post/Redirect/Get: a refused form goes back (303) to the page it was on, which says why once. */
const refuseOn = (c: ConsoleRequest, page: string, error: string) => redirectWith(c, page, { error });

async function renderOverview(c: ConsoleRequest, status: number, extra: { error?: string } = {}) {
  const search = (query(c.req, 'q') ?? '').trim().slice(0, 100);
  const requested = Number.parseInt(query(c.req, 'page') ?? '1', 10);
  const pageSize = CONSOLE_DEFAULTS.pageSize;
  let page = Number.isSafeInteger(requested) && requested > 0 ? requested : 1;
  let list = await c.deps.stores.staff.list(c.clinic.id, {
    ...(search ? { search } : {}),
    offset: (page - 1) * pageSize,
    limit: pageSize,
  });
  const pages = Math.max(1, Math.ceil(list.total / pageSize));
  if (page > pages) {
    page = pages;
    list = await c.deps.stores.staff.list(c.clinic.id, {
      ...(search ? { search } : {}),
      offset: (page - 1) * pageSize,
      limit: pageSize,
    });
  }
  // Status only for the visible page: thousands of staff stay fast.
  const [rows, ready, clinic] = await Promise.all([
    Promise.all(
      list.items.map(async (member) => ({ member, status: await c.deps.twostep.admin.status(member) })),
    ),
    readiness(c.deps, c.clinic.id),
    c.deps.stores.clinics.get(c.clinic.id),
  ]);
  sendPage(
    c.res,
    status,
    adminView(c.page, {
      clinic: clinic ?? c.clinic,
      region: clinicRegion(clinic ?? c.clinic, c.deps.twostep.config),
      defaultLocale: c.deps.config.defaultLocale,
      readiness: ready,
      rows,
      total: list.total,
      page,
      pageSize,
      search,
      done: flash(c),
      error: extra.error ?? null,
    }),
  );
}

const overview: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  await renderOverview(c, 200, { error: takeFlash(c, '/admin')?.error });
};

const redirectTo = (c: ConsoleRequest, path: string, done: keyof typeof DONE) =>
  c.res.redirect(303, `${c.deps.config.basePath}${path}?done=${done}`);

/** Emails `member` a one-time link to set their first password (a new link each time). */
async function invite(c: ConsoleRequest, member: StaffMember): Promise<void> {
  const { token, expiresAt } = createWelcomeToken(c.deps.config.hashKey, member, c.deps.clock.now());
  await c.deps.twostep.notify({
    kind: 'staff_invitation',
    to: { staffId: member.id, email: member.email, name: member.name },
    clinicName: c.clinic.name,
    params: {
      url: welcomeUrl(c.deps.config.issuer, token),
      until: expiresAt.toISOString(),
      actor: c.staff.name,
    },
  });
}

/** Add a staff member (name, email, role): created without a password, then invited by email. */
const addStaff: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  if (!(await requireFresh(c, '/admin'))) return;
  let input: { name: string; email: string; role: StaffMember['role'] };
  try {
    input = {
      name: validate.name(field(c.req, 'name')),
      email: validate.email(field(c.req, 'email')),
      role: validate.role(field(c.req, 'role')),
    };
  } catch (error) {
    const message = String((error as Error).message);
    const key = message.startsWith('email')
      ? 'admin.add.invalidEmail'
      : message.startsWith('name')
        ? 'admin.add.invalidName'
        : 'error.400';
    return refuseOn(c, '/admin', t(key));
  }
  const member: StaffMember = {
    id: randomBytes(16).toString('base64url'),
    clinicId: c.clinic.id,
    ...input,
    passwordHash: unusablePasswordHash(c.deps.config.passwordCost),
    active: true,
    createdAt: c.deps.clock.now(),
  };
  try {
    await c.deps.stores.staff.create(member);
  } catch (error) {
    if ((error as { code?: string }).code === 'conflict') return refuseOn(c, '/admin', t('admin.add.taken'));
    throw error;
  }
  await c.deps.twostep.audit.record(actorOf(c), {
    clinicId: c.clinic.id,
    type: 'staff.created',
    targetId: member.id,
    details: { via: 'console', role: member.role },
  });
  await invite(c, member);
  redirectTo(c, '/admin', 'staff_added');
};

/**
 * "Email a reminder to everyone not set up": those without a password get a new invitation, those
 * without 2-Step Verification a reminder with the account page's address. Once per rate-limit
 * window per clinic (a counter in the store: two clicks, or two admins, send one round).
 */
const remindAll: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  if (!(await requireFresh(c, '/admin'))) return;
  const pending: StaffMember[] = [];
  for (let offset = 0; ; offset += 500) {
    const { items } = await c.deps.stores.staff.list(c.clinic.id, { offset, limit: 500 });
    for (const member of items) {
      if (member.active && !(await c.deps.twostep.admin.status(member)).enrolled) pending.push(member);
    }
    if (items.length < 500) break;
  }
  if (pending.length === 0) return refuseOn(c, '/admin', t('admin.remind.none'));
  if (!(await c.deps.limiter.hit('reminders', c.clinic.id, 1))) {
    return renderOverview(c, 429, { error: t('admin.remind.tooSoon') });
  }
  const accountUrl = `${c.deps.config.issuer.replace(/\/+$/, '')}/account`;
  for (const member of pending) {
    if (!hasPassword(member)) await invite(c, member);
    else
      await c.deps.twostep.notify({
        kind: 'setup_reminder',
        to: { staffId: member.id, email: member.email, name: member.name },
        clinicName: c.clinic.name,
        params: { url: accountUrl, actor: c.staff.name },
      });
  }
  redirectTo(c, '/admin', 'reminders_sent');
};

const refusalMessage = (reason: AdminRefusal): string => t(`admin.error.${reason}`);

const enforcementOn: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  if (!(await requireFresh(c, '/admin'))) return;
  const result = await c.deps.twostep.admin.setEnforcement(actorOf(c), true);
  if (!result.ok) return refuseOn(c, '/admin', refusalMessage(result.reason));
  redirectTo(c, '/admin', 'enforcement_on');
};

const enforcementOffPage: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  const flash = takeFlash(c, '/admin/enforcement/off');
  sendPage(
    c.res,
    200,
    enforcementOffView(c.page, {
      warning: t('admin.enforce.warning'),
      word: confirmWord(),
      ...(flash?.error ? { error: flash.error, reason: flash.reason ?? '' } : {}),
    }),
  );
};

/**
 * The compliance confirmation's answers: the reason, once the typed word and a reason are there
 * (and the 10-minute rule is met); otherwise null, with the page re-shown (`show`) or a redirect sent.
 */
async function confirmedReason(
  c: ConsoleRequest,
  show: (extra: { error: string; reason: string }) => void,
  returnTo: string,
): Promise<string | null> {
  const reason = (field(c.req, 'reason') ?? '').slice(0, 500);
  const refuse = (error: string) => {
    show({ error, reason });
    return null;
  };
  // The word of the language the form was shown in (it says which), whatever this request resolves to.
  const shownIn = SUPPORTED_LOCALES.find((locale) => locale === field(c.req, 'lang')) ?? currentLocale();
  const word = withLocale(shownIn, confirmWord);
  if (fold(field(c.req, 'confirm') ?? '') !== fold(word)) {
    return refuse(t('admin.enforce.wrongWord', { word }));
  }
  if (!reason.trim()) return refuse(t('admin.error.reason_required'));
  if (!(await requireFresh(c, returnTo))) return null;
  return reason;
}

const enforcementOff: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  // Post/Redirect/Get: a refusal goes back to the confirmation page, which shows it once.
  const show = (extra: { error: string; reason: string }) => redirectWith(c, '/admin/enforcement/off', extra);
  const reason = await confirmedReason(c, show, '/admin/enforcement/off');
  if (reason === null) return;
  const result = await c.deps.twostep.admin.setEnforcement(actorOf(c), false, { reason });
  if (!result.ok) return show({ error: refusalMessage(result.reason), reason });
  redirectTo(c, '/admin', 'enforcement_off');
};

/** The confirmation page for a passkey rule that covers fewer people (the compliance warning pattern). */
function passkeyRuleNarrowView(
  c: ConsoleRequest,
  from: PhishingResistantScope,
  to: PhishingResistantScope,
  extra: { error?: string; reason?: string } = {},
): string {
  return complianceConfirmView(c.page, {
    title: t('admin.passkeys.narrowTitle'),
    action: '/admin/passkey-rule/narrow',
    change: t('admin.passkeys.change', {
      from: t(`admin.passkeys.scope.${from}`),
      to: t(`admin.passkeys.scope.${to}`),
    }),
    warning: t('admin.passkeys.warning'),
    word: confirmWord(),
    submit: t('admin.passkeys.narrow'),
    keep: t('admin.passkeys.keep'),
    fields: { scope: to },
    ...extra,
  });
}

const scopeField = (c: ConsoleRequest) => PHISHING_RESISTANT_SCOPES.find((s) => s === field(c.req, 'scope'));

/** "Who must sign in with a passkey": more people → saved; fewer → the confirmation page first. */
const passkeyRule: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  const to = scopeField(c);
  if (!to) return renderOverview(c, 400, { error: refusalMessage('invalid_scope') });
  if (!(await requireFresh(c, '/admin'))) return;
  const from = (await c.deps.stores.clinics.get(c.clinic.id))?.phishingResistant ?? 'off';
  if (phishingResistantNarrows(from, to)) return sendPage(c.res, 200, passkeyRuleNarrowView(c, from, to));
  const result = await c.deps.twostep.admin.setPhishingResistant(actorOf(c), to);
  if (!result.ok)
    return renderOverview(c, REFUSAL_STATUS[result.reason], { error: refusalMessage(result.reason) });
  redirectTo(c, '/admin', 'passkey_rule');
};

const passkeyRuleNarrow: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  const to = scopeField(c);
  if (!to) return renderOverview(c, 400, { error: refusalMessage('invalid_scope') });
  const from = (await c.deps.stores.clinics.get(c.clinic.id))?.phishingResistant ?? 'off';
  const show = (extra: { error: string; reason: string }) =>
    sendPage(c.res, 400, passkeyRuleNarrowView(c, from, to, extra));
  const reason = await confirmedReason(c, show, '/admin');
  if (reason === null) return;
  const result = await c.deps.twostep.admin.setPhishingResistant(actorOf(c), to, { reason });
  if (!result.ok) return show({ error: refusalMessage(result.reason), reason });
  redirectTo(c, '/admin', 'passkey_rule');
};

const trustedDevices: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  const allow = field(c.req, 'allow');
  if (allow !== 'yes' && allow !== 'no') return fail(c, 400, 'error.400');
  if (!(await requireFresh(c, '/admin'))) return;
  const result = await c.deps.twostep.admin.setTrustedDevicesAllowed(actorOf(c), allow === 'yes');
  if (!result.ok) return fail(c, REFUSAL_STATUS[result.reason], 'admin.denied');
  redirectTo(c, '/admin', 'devices_setting');
};

/** The clinic's default language: one of the languages the pages speak. */
const language: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  const locale = field(c.req, 'locale');
  const result = SUPPORTED_LOCALES.some((supported) => supported === locale)
    ? await c.deps.twostep.admin.setDefaultLocale(actorOf(c), locale)
    : ({ ok: false, reason: 'invalid_locale' } as const);
  if (!result.ok)
    return renderOverview(c, REFUSAL_STATUS[result.reason], { error: refusalMessage(result.reason) });
  redirectTo(c, '/admin', 'language');
};

const region: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  const result = await c.deps.twostep.admin.setRegion(actorOf(c), {
    timeZone: field(c.req, 'timeZone'),
    country: field(c.req, 'country'),
  });
  if (!result.ok) return refuseOn(c, '/admin', refusalMessage(result.reason));
  redirectTo(c, '/admin', 'region');
};

/** Days new staff get before the clinic's 2-Step rule applies to them (0: none). */
const enrollmentGrace: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  const result = await c.deps.twostep.admin.setEnrollmentGrace(actorOf(c), field(c.req, 'days'));
  if (!result.ok) return refuseOn(c, '/admin', refusalMessage(result.reason));
  redirectTo(c, '/admin', 'grace');
};

/** The clinic's own contact for sign-in trouble, shown on the "Having trouble?" page. */
const contact: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  const result = await c.deps.twostep.admin.setContact(actorOf(c), field(c.req, 'contact'));
  if (!result.ok) return refuseOn(c, '/admin', refusalMessage(result.reason));
  redirectTo(c, '/admin', 'contact');
};

async function renderStaff(
  c: ConsoleRequest,
  member: StaffMember,
  status: number,
  extra: { error?: string } = {},
) {
  const { twostep } = c.deps;
  const [twoStep, devices, events] = await Promise.all([
    twostep.admin.status(member),
    twostep.devices.list(member.id),
    twostep.audit.list(c.clinic.id, {
      actorOrTargetId: member.id,
      order: 'desc',
      limit: CONSOLE_DEFAULTS.accountEvents,
    }),
  ]);
  sendPage(
    c.res,
    status,
    staffView(c.page, {
      member,
      status: twoStep,
      devices,
      events,
      names: await actorNames(c.deps.stores, c.clinic.id, events),
      self: member.id === c.staff.id,
      defaultHours: twostep.config.pause.defaultHours,
      maxHours: twostep.config.pause.maxHours,
      done: flash(c),
      error: extra.error ?? null,
    }),
  );
}

const staffPath = (member: StaffMember) => `/admin/staff/${encodeURIComponent(member.id)}`;

const staffPage: ConsoleHandler = async (c) => {
  const auth = await authorize(c, String(c.req.params.id));
  if (!auth?.target) return;
  await renderStaff(c, auth.target, 200, { error: takeFlash(c, staffPath(auth.target))?.error });
};

type StaffAction = (
  c: ConsoleRequest,
  target: StaffMember,
) => Promise<{ ok: true } | { ok: false; reason: AdminRefusal }>;

/** authorize (403 / 404) → 10-minute rule → core action → back to the colleague's page. */
function staffAction(action: StaffAction, done: keyof typeof DONE): ConsoleHandler {
  return async (c) => {
    const auth = await authorize(c, String(c.req.params.id));
    if (!auth?.target) return;
    const page = staffPath(auth.target);
    if (!(await requireFresh(c, page))) return;
    const result = await action(c, auth.target);
    if (!result.ok) return refuseOn(c, page, refusalMessage(result.reason));
    redirectTo(c, page, done);
  };
}

const pause = staffAction((c, target) => {
  const hoursText = (field(c.req, 'hours') ?? '').trim();
  const hours = hoursText === '' ? undefined : Number(hoursText);
  return c.deps.twostep.admin.pause(actorOf(c), target.id, { reason: field(c.req, 'reason'), hours });
}, 'paused');
const resume = staffAction((c, target) => c.deps.twostep.admin.resume(actorOf(c), target.id), 'resumed');
const reset = staffAction(
  (c, target) => c.deps.twostep.admin.reset(actorOf(c), target.id, { reason: field(c.req, 'reason') }),
  'reset',
);
const unlock = staffAction((c, target) => c.deps.twostep.admin.unlock(actorOf(c), target.id), 'unlocked');
const revokeDevices = staffAction(
  (c, target) => c.deps.twostep.admin.revokeDevices(actorOf(c), target.id),
  'devices_revoked',
);

/**
 * The clinic's staff a filter names: an exact email or id, else everyone whose name or email
 * contains it ("Dana" finds Dana Brooks). At most a few, to list when it is ambiguous.
 */
async function findStaff(c: ConsoleRequest, text: string): Promise<StaffMember[]> {
  const exact = text.includes('@')
    ? await c.deps.stores.staff.findByEmail(text)
    : await c.deps.stores.staff.get(text);
  if (exact && exact.clinicId === c.clinic.id) return [exact];
  const { items } = await c.deps.stores.staff.list(c.clinic.id, { search: text, limit: 6 });
  return items;
}

/** Filters from the query string, and the audit query they mean (or an error message). */
async function auditQuery(
  c: ConsoleRequest,
): Promise<{ filters: AuditFilters; query: AuditQuery; error: string | null }> {
  const filters: AuditFilters = {
    staff: (query(c.req, 'staff') ?? '').trim(),
    type: query(c.req, 'type') ?? '',
    from: query(c.req, 'from') ?? '',
    to: query(c.req, 'to') ?? '',
  };
  const q: AuditQuery = {};
  let error: string | null = null;
  if (filters.staff) {
    const found = await findStaff(c, filters.staff);
    if (found.length === 1) q.actorOrTargetId = found[0]!.id;
    else if (found.length === 0) error = t('admin.audit.noStaff');
    else error = t('admin.audit.severalStaff', { names: found.map((m) => m.name).join(', ') });
  }
  if (filters.type) {
    const type = AUDIT_TYPES.find((x) => x === filters.type);
    if (type) q.types = [type];
    else filters.type = '';
  }
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (filters.from) {
    const from = new Date(`${filters.from}T00:00:00.000Z`);
    if (day.test(filters.from) && !Number.isNaN(from.getTime())) q.from = from;
    else filters.from = '';
  }
  if (filters.to) {
    const to = new Date(`${filters.to}T23:59:59.999Z`);
    if (day.test(filters.to) && !Number.isNaN(to.getTime())) q.to = to;
    else filters.to = '';
  }
  return { filters, query: q, error };
}

async function renderAudit(c: ConsoleRequest, check: ChainCheck | null) {
  const { filters, query: q, error } = await auditQuery(c);
  const limit = CONSOLE_DEFAULTS.auditPageSize;
  // An unknown staff filter matches nothing (rather than everything).
  const events = error ? [] : await c.deps.twostep.audit.list(c.clinic.id, { ...q, order: 'desc', limit });
  sendPage(
    c.res,
    200,
    auditView(c.page, {
      filters,
      types: AUDIT_TYPES,
      events,
      names: await actorNames(c.deps.stores, c.clinic.id, events),
      limit,
      check,
      error,
    }),
  );
}

const audit: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  await renderAudit(c, null);
};

const verifyAudit: ConsoleHandler = async (c) => {
  if (!(await authorize(c))) return;
  await renderAudit(c, await c.deps.twostep.audit.verify(c.clinic.id));
};

function exporter(format: 'jsonl' | 'csv'): ConsoleHandler {
  return async (c) => {
    if (!(await authorize(c))) return;
    const { query: q, error } = await auditQuery(c);
    const stamp = new Date().toISOString().slice(0, 10);
    const name = `audit-${c.clinic.id.replace(/[^\w-]/g, '')}-${stamp}.${format}`;
    c.res
      .status(200)
      .set('Cache-Control', 'no-store')
      .set('Content-Disposition', `attachment; filename="${name}"`)
      .set('X-Content-Type-Options', 'nosniff');
    if (format === 'jsonl') {
      const text = error ? '' : await c.deps.twostep.audit.exportJsonLines(c.clinic.id, q);
      c.res.type('application/x-ndjson').send(text);
    } else {
      const events = error ? [] : await c.deps.twostep.audit.list(c.clinic.id, { ...q, order: 'asc' });
      c.res.type('text/csv; charset=utf-8').send(toCsv(events));
    }
  };
}

export function adminRoutes(router: Router, deps: ConsoleDeps, body: RequestHandler) {
  const area = { area: '/admin' };
  const get = (path: string, handler: ConsoleHandler) =>
    router.get(`/admin${path}`, withConsole(deps, handler, area));
  const post = (path: string, handler: ConsoleHandler) =>
    router.post(`/admin${path}`, body, withConsole(deps, handler, area));
  get('', overview);
  get('/enforcement/off', enforcementOffPage);
  post('/enforcement/on', enforcementOn);
  post('/enforcement/off', enforcementOff);
  post('/trusted-devices', trustedDevices);
  post('/passkey-rule', passkeyRule);
  post('/passkey-rule/narrow', passkeyRuleNarrow);
  post('/region', region);
  post('/language', language);
  post('/enrollment-grace', enrollmentGrace);
  post('/contact', contact);
  post('/staff', addStaff);
  post('/remind', remindAll);
  get('/staff/:id', staffPage);
  post('/staff/:id/pause', pause);
  post('/staff/:id/resume', resume);
  post('/staff/:id/reset', reset);
  post('/staff/:id/unlock', unlock);
  post('/staff/:id/revoke-devices', revokeDevices);
  get('/audit', audit);
  get('/audit/export.jsonl', exporter('jsonl'));
  get('/audit/export.csv', exporter('csv'));
  post('/audit/verify', verifyAudit);
}
