/** The clinic admin console: settings, readiness, staff, one colleague, the audit log. */
import {
  type AuditEvent,
  type AuditEventType,
  type ChainCheck,
  type Clinic,
  MAX_GRACE_DAYS,
  PHISHING_RESISTANT_SCOPES,
  phoneCountries,
  type StaffMember,
  type TrustedDevice,
  type TwoStepStatus,
} from '@twostep/core';
import { bestLocale, currentLocale, formatNumber, type Locale, t } from '../../messages/index.ts';
import { type Html, html } from '../../pages/html.ts';
import type { Readiness } from '../readiness.ts';
import { auditSentence } from './audit-sentence.ts';
import { eventLabel, eventRows, methodNames, statusBadge } from './account.ts';
import {
  alert,
  button,
  type ConsolePage,
  cell,
  consoleLayout,
  languageOptions,
  note,
  postForm,
  success,
  when,
} from './layout.ts';

export interface StaffRow {
  member: StaffMember;
  status: TwoStepStatus;
}

export interface AdminData {
  clinic: Clinic;
  /** The clinic's effective zone and phone country (its own, else the server's). */
  region: { timeZone: string; country: string | undefined };
  /** The server's default language (the clinic's own, when set, comes first). */
  defaultLocale: Locale;
  readiness: Readiness;
  rows: StaffRow[];
  total: number;
  page: number;
  pageSize: number;
  search: string;
  done?: string | null;
  error?: string | null;
}

function subnav(page: ConsolePage, current: 'overview' | 'audit'): Html {
  const link = (href: string, label: string, on: boolean) =>
    html`<a class="button ${on ? '' : 'secondary'}" href="${page.base}${href}"${on ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<nav class="row" aria-label="${t('admin.sections')}">
${link('/admin', t('admin.overview'), current === 'overview')}
${link('/admin/audit', t('admin.audit.title'), current === 'audit')}
</nav>`;
}

export function staffState(page: ConsolePage, row: StaffRow): Html {
  if (!row.member.active) return html`<span class="badge off">${t('status.inactive')}</span>`;
  const methods = row.status.enrolled ? html` <span class="muted">${methodNames(row.status)}</span>` : '';
  return html`${statusBadge(row.status, page.timeZone)}${row.status.enrolled && !row.status.pausedUntil ? methods : ''}${passkeyState(row.status)}`;
}

/** How many passkeys; or, when the clinic's passkey rule covers them and they have none, that they owe one. */
function passkeyState(status: TwoStepStatus): Html {
  const count = status.passkeys.length;
  if (count > 0)
    return html` <span class="muted" data-testid="passkey-count">${t('admin.staff.passkeyCount', { count: String(count) })}</span>`;
  return status.passkeyRequired
    ? html` <span class="badge off" data-testid="passkey-missing">${t('admin.staff.passkeyMissing')}</span>`
    : html``;
}

/** A colleague's passkeys: name, added, last used. */
function passkeyFacts(page: ConsolePage, status: TwoStepStatus): Html {
  const items = status.passkeys.map(
    (p) =>
      html`<li>${p.name} <span class="muted">${t('admin.staff.passkeyDates', {
        added: when(p.createdAt, page.timeZone),
        used: p.lastUsedAt ? when(p.lastUsedAt, page.timeZone) : t('admin.staff.passkeyNeverUsed'),
      })}</span></li>`,
  );
  const list = items.length
    ? html`<ul class="plain" data-testid="passkeys">${items}</ul>`
    : html`<span data-testid="passkeys">${t(status.passkeyRequired ? 'admin.staff.passkeyMissing' : 'admin.staff.noPasskey')}</span>`;
  return html`<dt>${t('admin.staff.passkeys')}</dt><dd>${list}</dd>`;
}

function settingsCard(page: ConsolePage, data: AdminData): Html {
  const { clinic } = data;
  return html`<section class="card" aria-labelledby="settings-h">
<h2 id="settings-h">${t('admin.settings.title')}</h2>
<div class="setting"><div>
<h3>${t('admin.enforce.title')} <span class="badge ${clinic.enforceTwoStep ? 'on' : 'off'}">${t(clinic.enforceTwoStep ? 'admin.enforce.on' : 'admin.enforce.off')}</span></h3>
<p class="muted">${t(clinic.enforceTwoStep ? 'admin.enforce.onBody' : 'admin.enforce.offBody')}</p></div>
<div>${
    clinic.enforceTwoStep
      ? html`<a class="button secondary" href="${page.base}/admin/enforcement/off">${t('admin.enforce.turnOff')}</a>`
      : button(page, '/admin/enforcement/on', t('admin.enforce.turnOn'))
  }</div></div>
<div class="setting"><div>
<h3>${t('admin.devices.title')} <span class="badge ${clinic.allowTrustedDevices ? 'on' : 'off'}">${t(clinic.allowTrustedDevices ? 'admin.devices.allowed' : 'admin.devices.notAllowed')}</span></h3>
<p class="muted">${t('admin.devices.body')}</p></div>
<div>${button(
    page,
    '/admin/trusted-devices',
    t(clinic.allowTrustedDevices ? 'admin.devices.disallow' : 'admin.devices.allow'),
    {
      style: 'secondary',
      fields: { allow: clinic.allowTrustedDevices ? 'no' : 'yes' },
    },
  )}</div></div>
${passkeyRuleSetting(page, data.clinic)}
${regionSetting(page, data)}
${languageSetting(page, data)}
${graceSetting(page, data.clinic)}
${contactSetting(page, data.clinic)}
</section>`;
}

/** Who must sign in with a passkey: one choice, saved at once when it covers more people, confirmed when fewer. */
function passkeyRuleSetting(page: ConsolePage, clinic: Clinic): Html {
  const current = clinic.phishingResistant ?? 'off';
  const options = PHISHING_RESISTANT_SCOPES.map(
    (scope) =>
      html`<option value="${scope}"${scope === current ? ' selected' : ''}>${t(`admin.passkeys.scope.${scope}`)}</option>`,
  );
  return html`<div class="setting"><div>
<h3>${t('admin.passkeys.title')} <span class="badge ${current === 'off' ? 'off' : 'on'}" data-testid="passkey-rule">${t(`admin.passkeys.scope.${current}`)}</span></h3>
<p class="muted">${t('admin.passkeys.body')}</p>
${postForm(
  page,
  '/admin/passkey-rule',
  html`<label for="passkey-scope">${t('admin.passkeys.label')}</label><select id="passkey-scope" name="scope">${options}</select>
<button type="submit" class="secondary">${t('admin.passkeys.save')}</button>`,
)}</div></div>`;
}

/** Every zone and phone country the runtime knows, in lists built at the first admin page (not at start). */
let regionLists:
  | { names: Intl.DisplayNames; zones: string[]; countries: { code: string; name: string }[] }
  | undefined;
function regionChoices(): NonNullable<typeof regionLists> {
  if (regionLists) return regionLists;
  const regionNames = new Intl.DisplayNames('en', { type: 'region' });
  regionLists = {
    names: regionNames,
    zones: ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')],
    countries: phoneCountries()
      .map((code) => ({ code, name: regionNames.of(code) ?? code }))
      .sort((a, b) => a.name.localeCompare(b.name, 'en')),
  };
  return regionLists;
}

/** A language as the page's own language names it ("Canadian French", « français canadien »). */
function languageName(locale: Locale): string {
  return new Intl.DisplayNames(currentLocale(), { type: 'language' }).of(locale) ?? locale;
}

/** The clinic's language, for staff who have not chosen their own (each language named in itself). */
function languageSetting(page: ConsolePage, data: AdminData): Html {
  const current = bestLocale([data.clinic.defaultLocale]) ?? data.defaultLocale;
  return html`<div class="setting"><div>
<h3>${t('admin.language.title')}</h3>
<p class="muted" data-testid="clinic-language">${t('admin.language.body', { language: languageName(current) })}</p>
${postForm(
  page,
  '/admin/language',
  html`<label for="clinic-locale">${t('admin.language.label')}</label><select id="clinic-locale" name="locale">${languageOptions(current)}</select>
<button type="submit" class="secondary">${t('admin.language.save')}</button>`,
)}</div></div>`;
}

function regionSetting(page: ConsolePage, data: AdminData): Html {
  const { timeZone, country } = data.region;
  const choices = regionChoices();
  const zones = choices.zones.map(
    (zone) => html`<option value="${zone}"${zone === timeZone ? ' selected' : ''}>${zone}</option>`,
  );
  const countries = choices.countries.map(
    (c) =>
      html`<option value="${c.code}"${c.code === country ? ' selected' : ''}>${c.name} (${c.code})</option>`,
  );
  return html`<div class="setting"><div>
<h3>${t('admin.region.title')}</h3>
<p class="muted" data-testid="region">${t('admin.region.body', { zone: timeZone, now: when(new Date(), timeZone) })} ${
    country
      ? t('admin.region.country', { country: choices.names.of(country) ?? country })
      : t('admin.region.noCountry')
  }</p>
${postForm(
  page,
  '/admin/region',
  html`<label for="timeZone">${t('admin.region.timeZone')}</label><select id="timeZone" name="timeZone">${zones}</select>
<label for="country">${t('admin.region.phoneCountry')}</label><select id="country" name="country">${
    country ? '' : html`<option value="" selected>—</option>`
  }${countries}</select>
<button type="submit" class="secondary">${t('admin.region.save')}</button>`,
)}</div></div>`;
}

/** How long new staff may put off setting up 2-Step Verification. */
function graceSetting(page: ConsolePage, clinic: Clinic): Html {
  const days = clinic.enrollmentGraceDays ?? 0;
  return html`<div class="setting"><div>
<h3>${t('admin.grace.title')}</h3>
<p class="muted" data-testid="enrollment-grace">${days > 0 ? t(days === 1 ? 'admin.grace.bodyOne' : 'admin.grace.body', { days }) : t('admin.grace.none')}</p>
${postForm(
  page,
  '/admin/enrollment-grace',
  html`<label for="grace-days">${t('admin.grace.label')}</label>
<input id="grace-days" name="days" type="number" inputmode="numeric" min="0" max="${MAX_GRACE_DAYS}" step="1" required value="${days}">
<button type="submit" class="secondary">${t('admin.region.save')}</button>`,
)}</div></div>`;
}

/** The clinic's own contact for sign-in trouble. */
function contactSetting(page: ConsolePage, clinic: Clinic): Html {
  return html`<div class="setting"><div>
<h3>${t('admin.contact.title')}</h3>
<p class="muted">${t('admin.contact.body')}</p>
${postForm(
  page,
  '/admin/contact',
  html`<label for="clinic-contact">${t('admin.contact.label')}</label>
<input id="clinic-contact" name="contact" type="text" maxlength="200" value="${clinic.contact ?? ''}" placeholder="${t('admin.contact.placeholder')}">
<button type="submit" class="secondary">${t('admin.region.save')}</button>`,
)}</div></div>`;
}

function readinessCard(page: ConsolePage, data: AdminData): Html {
  const { active, notEnrolled } = data.readiness;
  const ready = active - notEnrolled;
  return html`<section class="card" aria-labelledby="ready-h">
<h2 id="ready-h">${t('admin.readiness.title')}</h2>
<div class="stats">
<div><div class="stat">${formatNumber(ready)}</div><div class="muted">${t('admin.readiness.enrolled')}</div></div>
<div><div class="stat">${formatNumber(notEnrolled)}</div><div class="muted">${t('admin.readiness.notEnrolled')}</div></div>
<div><div class="stat">${formatNumber(active)}</div><div class="muted">${t('admin.readiness.active')}</div></div>
</div>
${data.readiness.notEnrolled > 0 ? button(page, '/admin/remind', t('admin.remind.button'), { style: 'secondary' }) : ''}
<p data-testid="readiness">${
    data.clinic.enforceTwoStep
      ? t('admin.readiness.enforced', { count: notEnrolled })
      : t('admin.readiness.wouldAsk', { count: notEnrolled })
  }</p>
${
  (data.clinic.phishingResistant ?? 'off') === 'off'
    ? ''
    : html`<p data-testid="passkey-readiness">${t('admin.readiness.passkeyMissing', { count: data.readiness.passkeyMissing })}</p>`
}
</section>`;
}

function staffCard(page: ConsolePage, data: AdminData): Html {
  const first = data.total === 0 ? 0 : (data.page - 1) * data.pageSize + 1;
  const last = Math.min(data.total, data.page * data.pageSize);
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  const pageLink = (n: number) => {
    const q = new URLSearchParams({ page: String(n) });
    if (data.search) q.set('q', data.search);
    return `${page.base}/admin?${q}`;
  };
  const rows = data.rows.map(
    (
      r,
    ) => html`<tr>${cell(t('admin.staff.name'), html`<a href="${page.base}/admin/staff/${encodeURIComponent(r.member.id)}">${r.member.name}</a>`)}
${cell(t('admin.staff.email'), r.member.email)}${cell(t('admin.staff.role'), t(r.member.role === 'full_access' ? 'role.full_access' : 'role.staff'))}<td data-label="${t('admin.staff.state')}" data-testid="staff-state">${staffState(page, r)}</td></tr>`,
  );
  return html`<section class="card wide" aria-labelledby="staff-h">
<div class="spread"><h2 id="staff-h">${t('admin.staff.title')}</h2>
<form method="get" action="${page.base}/admin" role="search" class="search">
<label for="q">${t('admin.staff.search')}</label><input id="q" name="q" type="search" value="${data.search}" maxlength="100">
<button type="submit" class="secondary">${t('admin.staff.searchButton')}</button>
</form></div>
<table>
<caption data-testid="staff-range">${t('admin.staff.range', { first: formatNumber(first), last: formatNumber(last), total: formatNumber(data.total) })}</caption>
<thead><tr><th scope="col">${t('admin.staff.name')}</th><th scope="col">${t('admin.staff.email')}</th><th scope="col">${t('admin.staff.role')}</th><th scope="col">${t('admin.staff.state')}</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="4" class="muted">${t('admin.staff.none')}</td></tr>`}</tbody>
</table>
<nav class="pager" aria-label="${t('admin.staff.pages')}">
<span>${data.page > 1 ? html`<a href="${pageLink(data.page - 1)}" rel="prev">${t('admin.staff.prev')}</a>` : ''}</span>
<span class="muted">${t('admin.staff.pageOf', { page: String(data.page), pages: String(pages) })}</span>
<span>${data.page < pages ? html`<a href="${pageLink(data.page + 1)}" rel="next">${t('admin.staff.next')}</a>` : ''}</span>
</nav>
</section>`;
}

function addStaffCard(page: ConsolePage): Html {
  return html`<section class="card" aria-labelledby="add-h">
<h2 id="add-h">${t('admin.add.title')}</h2>
${postForm(
  page,
  '/admin/staff',
  html`<label for="add-name">${t('admin.add.name')}</label><input id="add-name" name="name" type="text" autocomplete="off" required maxlength="200">
<label for="add-email">${t('admin.add.email')}</label><input id="add-email" name="email" type="email" autocomplete="off" required maxlength="254">
<label for="add-role">${t('admin.add.role')}</label><select id="add-role" name="role"><option value="staff">${t('role.staff')}</option><option value="full_access">${t('role.full_access')}</option></select>
<div class="row"><button type="submit">${t('admin.add.submit')}</button></div>`,
)}
</section>`;
}

export function adminView(page: ConsolePage, data: AdminData): string {
  const body = html`${subnav(page, 'overview')}
${alert(data.error)}${success(data.done)}
<div class="grid two mt">
${settingsCard(page, data)}
${readinessCard(page, data)}
${staffCard(page, data)}
${addStaffCard(page)}
</div>`;
  return consoleLayout(page, t('admin.title'), body, t('admin.lede', { clinic: data.clinic.name }));
}

/** What a compliance confirmation asks: the warning, a reason and the typed word (turning a rule down). */
export interface ComplianceConfirm {
  title: string;
  /** Where the form posts (under the console's base). */
  action: string;
  warning: string;
  word: string;
  submit: string;
  keep: string;
  /** A sentence above the warning saying what changes. */
  change?: string;
  fields?: Record<string, string>;
  error?: string | null;
  reason?: string;
}

/** The compliance warning pattern: warning, reason, typed confirmation; shared by every rule turned down. */
export function complianceConfirmView(page: ConsolePage, o: ComplianceConfirm): string {
  const hidden = Object.entries(o.fields ?? {}).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  const body = html`${alert(o.error)}<section class="card">
${o.change ? html`<p data-testid="compliance-change">${o.change}</p>` : ''}
<p class="warning" data-testid="compliance-warning"><strong>${t('admin.enforce.headsUp')}</strong> ${o.warning}</p>
${postForm(
  page,
  o.action,
  html`${hidden}<input type="hidden" name="lang" value="${currentLocale()}">
<label for="reason">${t('admin.reason')}</label>
<textarea id="reason" name="reason" required maxlength="500" autofocus>${o.reason ?? ''}</textarea>
<label for="confirm">${t('admin.enforce.typeWord', { word: o.word })}</label>
<input id="confirm" name="confirm" type="text" autocomplete="off" required maxlength="32" aria-describedby="confirm-hint">
<p id="confirm-hint" class="muted">${t('admin.enforce.typeHint')}</p>
<div class="row"><button type="submit" class="danger">${o.submit}</button>
<a class="button secondary" href="${page.base}/admin">${o.keep}</a></div>`,
)}
</section>`;
  return consoleLayout(page, o.title, body);
}

export function enforcementOffView(
  page: ConsolePage,
  options: { warning: string; word: string; error?: string | null; reason?: string },
): string {
  return complianceConfirmView(page, {
    ...options,
    title: t('admin.enforce.offTitle'),
    action: '/admin/enforcement/off',
    submit: t('admin.enforce.turnOff'),
    keep: t('admin.enforce.keepOn'),
  });
}

export interface StaffDetail {
  member: StaffMember;
  status: TwoStepStatus;
  devices: TrustedDevice[];
  events: AuditEvent[];
  names: Map<string, string>;
  self: boolean;
  defaultHours: number;
  maxHours: number;
  done?: string | null;
  error?: string | null;
}

export function staffView(page: ConsolePage, d: StaffDetail): string {
  const base = `/admin/staff/${encodeURIComponent(d.member.id)}`;
  const { status } = d;
  const selfNote = d.self ? note(t('admin.staff.selfNote')) : '';
  const pause = d.self
    ? ''
    : html`<section class="card" aria-labelledby="pause-h"><h2 id="pause-h">${t('admin.pause.title')}</h2>
<p>${t('admin.pause.body')}</p>
${postForm(
  page,
  `${base}/pause`,
  html`<label for="hours">${t('admin.pause.hours', { max: String(d.maxHours) })}</label>
<input id="hours" name="hours" type="number" min="1" max="${d.maxHours}" step="1" value="${d.defaultHours}" required>
<label for="pause-reason">${t('admin.reason')}</label>
<textarea id="pause-reason" name="reason" required maxlength="500"></textarea>
<button type="submit">${t('admin.pause.submit')}</button>`,
)}
${status.pausedUntil ? button(page, `${base}/resume`, t('admin.resume.submit'), { style: 'secondary' }) : ''}
</section>`;
  const reset = d.self
    ? ''
    : html`<section class="card" aria-labelledby="reset-h"><h2 id="reset-h">${t('admin.reset.title')}</h2>
<p>${t('admin.reset.body')}</p>
${postForm(
  page,
  `${base}/reset`,
  html`<label for="reset-reason">${t('admin.reason')}</label>
<textarea id="reset-reason" name="reason" required maxlength="500"></textarea>
<button type="submit" class="danger">${t('admin.reset.submit')}</button>`,
)}
</section>`;
  const body = html`${subnav(page, 'overview')}
<div class="mt">${alert(d.error)}${success(d.done)}${selfNote}</div>
<div class="grid">
<section class="card" aria-labelledby="state-h">
<div class="spread"><h2 id="state-h">${t('account.status.title')}</h2>${statusBadge(status, page.timeZone)}</div>
<dl class="facts">
<dt>${t('admin.staff.email')}</dt><dd>${d.member.email}</dd>
<dt>${t('admin.staff.role')}</dt><dd>${t(d.member.role === 'full_access' ? 'role.full_access' : 'role.staff')}</dd>
<dt>${t('account.status.methods')}</dt><dd>${status.enrolled ? methodNames(status) : t('account.status.none')}</dd>
${status.pausedUntil ? html`<dt>${t('account.status.paused')}</dt><dd>${when(status.pausedUntil, page.timeZone)}</dd>` : ''}
${status.retryAt ? html`<dt>${t('admin.staff.retryAt')}</dt><dd>${when(status.retryAt, page.timeZone)}</dd>` : ''}
${passkeyFacts(page, status)}
<dt>${t('account.devices.title')}</dt><dd>${String(d.devices.length)}</dd>
</dl>
${status.throttle !== 'open' ? button(page, `${base}/unlock`, t('admin.unlock.submit')) : ''}
${d.devices.length ? button(page, `${base}/revoke-devices`, t('admin.revoke.submit'), { style: 'danger' }) : ''}
<p><a href="${page.base}/admin/audit?${new URLSearchParams({ staff: d.member.id }).toString()}">${t('admin.staff.events')}</a></p>
</section>
${pause}
${reset}
<section class="card wide" aria-labelledby="ev-h"><h2 id="ev-h">${t('account.events.title')}</h2>
${
  d.events.length
    ? html`<table><thead><tr><th scope="col">${t('audit.when')}</th><th scope="col">${t('audit.event')}</th><th scope="col">${t('audit.by')}</th><th scope="col">${t('audit.details')}</th></tr></thead>
<tbody>${eventRows(d.events, d.names, page)}</tbody></table>`
    : html`<p class="muted">${t('account.events.none')}</p>`
}
</section>
</div>`;
  return consoleLayout(page, d.member.name, body);
}

export interface AuditFilters {
  staff: string;
  type: string;
  from: string;
  to: string;
}

export function auditView(
  page: ConsolePage,
  options: {
    filters: AuditFilters;
    types: readonly AuditEventType[];
    events: AuditEvent[];
    names: Map<string, string>;
    limit: number;
    check?: ChainCheck | null;
    error?: string | null;
  },
): string {
  const { filters } = options;
  const exportQuery = new URLSearchParams(
    Object.entries(filters).filter(([, v]) => v !== '') as [string, string][],
  ).toString();
  const suffix = exportQuery ? `?${exportQuery}` : '';
  const check = options.check
    ? options.check.ok
      ? html`<p class="success" role="status" data-testid="chain-result">${t('admin.audit.intact', { count: options.check.count })}</p>`
      : html`<div role="alert" data-testid="chain-result">${t('admin.audit.broken', { seq: String(options.check.brokenAtSeq), reason: options.check.reason })}</div>`
    : '';
  const rows = options.events.map((e) => {
    const target = e.targetId ? (options.names.get(e.targetId) ?? e.targetId) : '';
    const details = auditSentence(e, options.names, page.timeZone);
    return html`<tr>${cell('#', String(e.seq))}${cell(t('audit.when'), when(e.at, page.timeZone))}${cell(t('audit.event'), eventLabel(e.type))}${cell(t('audit.by'), e.actorId ? (options.names.get(e.actorId) ?? e.actorId) : t('event.system'))}${cell(t('audit.target'), target)}${cell(t('audit.details'), details, 'muted')}</tr>`;
  });
  const body = html`${subnav(page, 'audit')}
<div class="mt">${alert(options.error)}${check}</div>
<section class="card" aria-labelledby="filter-h"><h2 id="filter-h">${t('admin.audit.filters')}</h2>
<form method="get" action="${page.base}/admin/audit" class="inline-fields">
<div><label for="f-staff">${t('admin.audit.staff')}</label><input id="f-staff" name="staff" type="text" value="${filters.staff}" maxlength="254" placeholder="${t('admin.audit.staffHint')}"></div>
<div><label for="f-type">${t('admin.audit.type')}</label><select id="f-type" name="type"><option value="">${t('admin.audit.anyType')}</option>${options.types.map(
    (type) =>
      html`<option value="${type}"${filters.type === type ? html` selected` : ''}>${eventLabel(type)}</option>`,
  )}</select></div>
<div><label for="f-from">${t('admin.audit.from')}</label><input id="f-from" name="from" type="date" value="${filters.from}"></div>
<div><label for="f-to">${t('admin.audit.to')}</label><input id="f-to" name="to" type="date" value="${filters.to}"></div>
<div><button type="submit">${t('admin.audit.apply')}</button></div>
</form>
<div class="row mt-s">
<a class="button secondary" href="${page.base}/admin/audit/export.jsonl${suffix}" download>${t('admin.audit.exportJsonl')}</a>
<a class="button secondary" href="${page.base}/admin/audit/export.csv${suffix}" download>${t('admin.audit.exportCsv')}</a>
${button(page, '/admin/audit/verify', t('admin.audit.verify'), { style: 'secondary' })}
</div>
<p class="muted">${t('admin.audit.exportNote')}</p>
</section>
<section class="card" aria-labelledby="log-h"><h2 id="log-h">${t('admin.audit.events')}</h2>
<p class="muted">${t('admin.audit.newest', { limit: String(options.limit) })}</p>
<table><thead><tr><th scope="col">#</th><th scope="col">${t('audit.when')}</th><th scope="col">${t('audit.event')}</th><th scope="col">${t('audit.by')}</th><th scope="col">${t('audit.target')}</th><th scope="col">${t('audit.details')}</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="6" class="muted">${t('admin.audit.none')}</td></tr>`}</tbody></table>
</section>`;
  return consoleLayout(page, t('admin.audit.title'), body);
}
