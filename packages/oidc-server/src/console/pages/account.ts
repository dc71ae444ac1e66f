/** The account security page: status, methods, recovery code, trusted devices, recent events. */
import {
  type AuditEvent,
  maskPhone,
  type StoredFactor,
  type StoredPasskey,
  type TrustedDevice,
  type TwoStepStatus,
} from '@twostep/core';
import { en } from '../../messages/en.ts';
import { bestLocale, currentLocale, type MessageKey, t } from '../../messages/index.ts';
import { type Html, html, raw } from '../../pages/html.ts';
import { recoveryCodeTools } from '../../pages/recovery-tools.ts';
import { webauthnScripts } from '../../pages/webauthn.ts';
import { auditSentence } from './audit-sentence.ts';
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

export interface AccountData {
  clinicName: string;
  status: TwoStepStatus;
  factors: StoredFactor[];
  devices: TrustedDevice[];
  events: AuditEvent[];
  /** Staff id → name, for the events' actors. */
  names: Map<string, string>;
  /** A code was entered in the last 10 minutes: changes go through without asking again. */
  fresh: boolean;
  /** Password-only console session (2-Step paused). */
  limited: boolean;
  /** A sign-in with the recovery code with no method set up since: "set up your new phone". */
  newPhoneSince?: Date | null;
  /** The app the person came from (`/account?client_id=`), to offer a way back. */
  backTo?: { name: string; url: string } | null;
  done?: string | null;
  error?: string | null;
  info?: string | null;
}

const codeInput = (id: string) =>
  html`<input id="${id}" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required maxlength="16" autofocus>`;

export function statusBadge(status: TwoStepStatus, timeZone: string): Html {
  if (status.throttle === 'locked') return html`<span class="badge locked">${t('status.locked')}</span>`;
  if (status.pausedUntil)
    return html`<span class="badge paused">${t('status.pausedUntil', { until: when(status.pausedUntil, timeZone) })}</span>`;
  if (status.throttle === 'backoff') return html`<span class="badge locked">${t('status.throttled')}</span>`;
  if (!status.enrolled) return html`<span class="badge off">${t('status.notEnrolled')}</span>`;
  return html`<span class="badge on">${t('status.on')}</span>`;
}

export function methodNames(status: TwoStepStatus): string {
  return status.methods.map((m) => t(`method.${m}`)).join(', ');
}

/** A readable name for an event type; the type itself for one the catalog does not know yet. */
export function eventLabel(type: string): string {
  const key = `event.${type}`;
  return key in en ? t(key as MessageKey) : type;
}

export function eventRows(events: AuditEvent[], names: Map<string, string>, page: ConsolePage): Html {
  const selfId = page.staff.id;
  return html`${events.map((e) => {
    const actor =
      e.actorId === null
        ? t('event.system')
        : e.actorId === selfId
          ? t('event.you')
          : (names.get(e.actorId) ?? e.actorId);
    return html`<tr>${cell(t('audit.when'), when(e.at, page.timeZone))}${cell(t('audit.event'), eventLabel(e.type))}${cell(t('audit.by'), actor)}${cell(t('audit.details'), auditSentence(e, names, page.timeZone), 'muted')}</tr>`;
  })}`;
}

function statusCard(page: ConsolePage, data: AccountData): Html {
  const { status } = data;
  return html`<section class="card wide" aria-labelledby="status-h">
<div class="spread"><h2 id="status-h">${t('account.status.title')}</h2>${statusBadge(status, page.timeZone)}</div>
<dl class="facts">
<dt>${t('account.status.methods')}</dt><dd>${status.enrolled ? methodNames(status) : t('account.status.none')}</dd>
<dt>${t('account.status.clinic')}</dt><dd>${t(status.enforced ? 'account.status.enforced' : 'account.status.optional', { clinic: data.clinicName })}</dd>
${status.pausedUntil ? html`<dt>${t('account.status.paused')}</dt><dd>${when(status.pausedUntil, page.timeZone)}</dd>` : ''}
</dl>
${status.pausedUntil ? note(t('account.pausedNote')) : ''}
${!status.enrolled && !status.pausedUntil ? note(t(status.enforced ? 'account.setupRequired' : 'account.setupRecommended')) : ''}
${data.limited ? note(t('account.limited')) : data.fresh ? '' : html`<p class="muted">${t('account.freshNote')}</p>`}
</section>`;
}

function totpCard(page: ConsolePage, data: AccountData): Html {
  const active = data.factors.find((f) => f.kind === 'totp' && f.status === 'active');
  return html`<section class="card" aria-labelledby="totp-h">
<div class="spread"><h2 id="totp-h">${t('account.totp.title')}</h2>
<span class="badge ${active ? 'on' : 'off'}">${t(active ? 'account.setUp' : 'account.notSetUp')}</span></div>
<p>${t('account.totp.body')}</p>
${active ? html`<p class="muted">${t('account.addedOn', { date: when(active.confirmedAt ?? active.createdAt, page.timeZone) })}</p>` : ''}
${button(page, '/account/totp', t(active ? 'account.totp.replace' : 'account.totp.add'), active ? { style: 'secondary' } : {})}
${active ? button(page, '/account/remove', t('account.remove'), { style: 'danger', fields: { kind: 'totp' } }) : ''}
</section>`;
}

function smsCard(page: ConsolePage, data: AccountData): Html {
  const active = data.factors.find((f) => f.kind === 'sms' && f.status === 'active');
  const pending = data.factors.find((f) => f.kind === 'sms' && f.status === 'pending');
  const activePhone = active?.kind === 'sms' ? maskPhone(active.phone) : null;
  // In full: the person checks the number they just typed, as it was understood.
  const pendingPhone = pending?.kind === 'sms' ? pending.phone : null;
  const confirm = pendingPhone
    ? html`<h3>${t('account.sms.confirmTitle', { phone: pendingPhone })}</h3>
${postForm(
  page,
  '/account/sms/confirm',
  html`<label for="sms-code">${t('code.label')}</label>${codeInput('sms-code')}
<button type="submit">${t('account.sms.confirm')}</button>`,
)}
${button(page, '/account/sms/resend', t('code.resendSms'), { style: 'secondary' })}`
    : html``;
  return html`<section class="card" aria-labelledby="sms-h">
<div class="spread"><h2 id="sms-h">${t('account.sms.title')}</h2>
<span class="badge ${active ? 'on' : 'off'}">${activePhone ?? t('account.notSetUp')}</span></div>
<p>${t('account.sms.body')}</p>
${confirm}
${postForm(
  page,
  '/account/sms',
  html`<label for="phone">${t(active ? 'account.sms.newPhone' : 'enroll.phone')}</label>
<input id="phone" name="phone" type="tel" autocomplete="tel" required maxlength="32" aria-describedby="phone-hint">
<p id="phone-hint" class="muted">${t('enroll.phoneHint')}</p>
<button type="submit" class="${active ? 'secondary' : ''}">${t('enroll.sendCode')}</button>`,
)}
${active ? button(page, '/account/remove', t('account.remove'), { style: 'danger', fields: { kind: 'sms' } }) : ''}
</section>`;
}

/** "Rename": a new name for one passkey, behind a disclosure so the row stays short. */
function renameForm(page: ConsolePage, p: StoredPasskey): Html {
  const id = `rename-${p.id.replace(/[^\w-]/g, '')}`;
  return html`<details class="inline"><summary>${t('account.passkey.rename')}</summary>
${postForm(
  page,
  '/account/passkey/rename',
  html`<input type="hidden" name="passkey" value="${p.id}">
<label for="${id}">${t('account.passkey.newName', { name: p.name })}</label>
<input id="${id}" name="name" type="text" required maxlength="60" autocomplete="off" value="${p.name}">
<button type="submit" class="secondary">${t('account.passkey.saveName')}</button>`,
)}</details>`;
}

function passkeyCard(page: ConsolePage, data: AccountData): Html {
  const passkeys = data.factors.filter((f): f is StoredPasskey => f.kind === 'passkey');
  const rows = passkeys.map(
    (
      p,
    ) => html`<tr data-testid="passkey">${cell(t('account.passkey.nameColumn'), p.name)}${cell(t('account.devices.created'), when(p.confirmedAt ?? p.createdAt, page.timeZone))}${cell(t('account.devices.lastUsed'), when(p.lastUsedAt, page.timeZone))}${cell(t('account.passkey.where'), t(p.backupEligible ? 'account.passkey.synced' : 'account.passkey.thisDevice'))}
<td>${renameForm(page, p)}${button(page, '/account/remove', t('account.remove'), { style: 'danger', fields: { kind: 'passkey', passkey: p.id } })}</td></tr>`,
  );
  return html`<section class="card wide" aria-labelledby="passkey-h">
<div class="spread"><h2 id="passkey-h">${t('account.passkey.title')}</h2>
<span class="badge ${passkeys.length ? 'on' : 'off'}">${t(passkeys.length ? 'account.setUp' : 'account.notSetUp')}</span></div>
<p>${t('account.passkey.body')}</p>
${
  passkeys.length
    ? html`<table>
<thead><tr><th scope="col">${t('account.passkey.nameColumn')}</th><th scope="col">${t('account.devices.created')}</th><th scope="col">${t('account.devices.lastUsed')}</th><th scope="col">${t('account.passkey.where')}</th><th scope="col"><span class="muted">${t('account.devices.actions')}</span></th></tr></thead>
<tbody>${rows}</tbody></table>`
    : ''
}
${button(page, '/account/passkey', t('account.passkey.add'), passkeys.length ? { style: 'secondary' } : {})}
</section>`;
}

export function passkeySetupView(
  page: ConsolePage,
  options: { options?: string; sealed?: string; error?: string | null },
): string {
  const form =
    options.options && options.sealed
      ? html`<p id="passkey-nojs">${t('account.passkey.needsScript')}</p>
<form method="post" action="${page.base}/account/passkey/finish" id="passkey-form" data-failed="${t('account.passkey.failed')}" hidden>
<input type="hidden" name="csrf" value="${page.csrf}">
<input type="hidden" name="challenge" value="${options.sealed}">
<input type="hidden" name="response" value="">
<label for="passkey-name">${t('account.passkey.name')}</label>
<input id="passkey-name" name="name" type="text" required maxlength="60" autocomplete="off" aria-describedby="passkey-name-hint">
<p id="passkey-name-hint" class="muted">${t('account.passkey.nameHint')}</p>
<div class="row"><button type="submit">${t('account.passkey.create')}</button>
<a class="button secondary" href="${page.base}/account">${t('common.back')}</a></div>
<p role="status" data-status></p>
</form>
${webauthnScripts(page.nonce, page.base, 'register', options.options)}`
      : html`<p><a class="button secondary" href="${page.base}/account">${t('common.back')}</a></p>`;
  const body = html`${alert(options.error)}<section class="card">${form}</section>`;
  return consoleLayout(page, t('account.passkey.setupTitle'), body);
}

function recoveryCard(page: ConsolePage, data: AccountData): Html {
  const has = data.status.methods.includes('recovery');
  return html`<section class="card" aria-labelledby="rec-h">
<div class="spread"><h2 id="rec-h">${t('account.recovery.title')}</h2>
<span class="badge ${has ? 'on' : 'off'}">${t(has ? 'account.setUp' : 'account.notSetUp')}</span></div>
<p>${t('account.recovery.body')}</p>
${data.status.enrolled ? button(page, '/account/recovery', t('account.recovery.regenerate'), { style: 'secondary' }) : html`<p class="muted">${t('account.recovery.afterSetup')}</p>`}
</section>`;
}

function devicesCard(page: ConsolePage, data: AccountData): Html {
  const rows = data.devices.map(
    (
      d,
    ) => html`<tr>${cell(t('account.devices.device'), d.label)}${cell(t('account.devices.created'), when(d.createdAt, page.timeZone))}${cell(t('account.devices.lastUsed'), when(d.lastUsedAt, page.timeZone))}${cell(t('account.devices.expires'), when(d.expiresAt, page.timeZone))}
<td>${button(page, '/account/devices/revoke', t('account.devices.revoke'), { style: 'danger', fields: { device: d.id } })}</td></tr>`,
  );
  return html`<section class="card wide" aria-labelledby="dev-h">
<h2 id="dev-h">${t('account.devices.title')}</h2>
<p>${t('account.devices.body')}</p>
${
  data.devices.length
    ? html`<table>
<thead><tr><th scope="col">${t('account.devices.device')}</th><th scope="col">${t('account.devices.created')}</th><th scope="col">${t('account.devices.lastUsed')}</th><th scope="col">${t('account.devices.expires')}</th><th scope="col"><span class="muted">${t('account.devices.actions')}</span></th></tr></thead>
<tbody>${rows}</tbody></table>
${button(page, '/account/devices/revoke-all', t('account.devices.revokeAll'), { style: 'danger' })}`
    : html`<p class="muted">${t('account.devices.none')}</p>`
}
</section>`;
}

function sessionsCard(page: ConsolePage): Html {
  return html`<section class="card" aria-labelledby="ses-h">
<h2 id="ses-h">${t('account.sessions.title')}</h2>
<p>${t('account.sessions.body')}</p>
${button(page, '/account/sign-out-everywhere', t('account.sessions.signOutEverywhere'), { style: 'danger' })}
</section>`;
}

/** The person's own language; preselected: the saved one, else the page's. */
function languageCard(page: ConsolePage): Html {
  const current = bestLocale([page.staff.locale]) ?? currentLocale();
  return html`<section class="card" aria-labelledby="lang-h">
<h2 id="lang-h">${t('account.language.title')}</h2>
<p>${t('account.language.body')}</p>
${postForm(
  page,
  '/account/language',
  html`<label for="my-locale">${t('account.language.label')}</label><select id="my-locale" name="locale">${languageOptions(current)}</select>
<button type="submit" class="secondary">${t('account.language.save')}</button>`,
)}
</section>`;
}

function eventsCard(page: ConsolePage, data: AccountData): Html {
  return html`<section class="card wide" aria-labelledby="ev-h">
<h2 id="ev-h">${t('account.events.title')}</h2>
${
  data.events.length
    ? html`<table>
<thead><tr><th scope="col">${t('audit.when')}</th><th scope="col">${t('audit.event')}</th><th scope="col">${t('audit.by')}</th><th scope="col">${t('audit.details')}</th></tr></thead>
<tbody>${eventRows(data.events, data.names, page)}</tbody></table>`
    : html`<p class="muted">${t('account.events.none')}</p>`
}
</section>`;
}

export function accountView(page: ConsolePage, data: AccountData): string {
  const newPhone = data.newPhoneSince
    ? html`<p class="warning" data-testid="new-phone-warning">${t('newPhone.warning', { when: when(data.newPhoneSince, page.timeZone) })}</p>`
    : '';
  const back = data.backTo
    ? html`<p><a class="button secondary" href="${data.backTo.url}" data-testid="back-to-app">${t('account.backToApp', { app: data.backTo.name })}</a></p>`
    : '';
  const body = html`${back}${alert(data.error)}${success(data.done)}${note(data.info)}${newPhone}
<div class="grid">
${statusCard(page, data)}
${totpCard(page, data)}
${smsCard(page, data)}
${passkeyCard(page, data)}
${recoveryCard(page, data)}
${devicesCard(page, data)}
${sessionsCard(page)}
${languageCard(page)}
${eventsCard(page, data)}
</div>`;
  return consoleLayout(page, t('account.title'), body, t('account.lede'));
}

export function totpSetupView(
  page: ConsolePage,
  options: { qrSvg?: string; groupedSecret?: string; error?: string | null },
): string {
  const scan =
    options.qrSvg && options.groupedSecret
      ? html`<div class="setup"><div class="qr">${raw(options.qrSvg)}</div>
<div><p>${t('enroll.whatIsApp')}</p><p>${t('enroll.totpScan')}</p>
<p>${t('enroll.totpSecret')}: <code data-testid="totp-secret">${options.groupedSecret}</code></p>
<p class="muted">${t('account.totp.keepOld')}</p></div></div>`
      : html`<p>${t('account.totp.retry')}</p>`;
  const body = html`${alert(options.error)}<section class="card">${scan}
${postForm(
  page,
  '/account/totp/confirm',
  html`<label for="code">${t('account.totp.codeLabel')}</label>${codeInput('code')}
<div class="row"><button type="submit">${t('account.totp.confirm')}</button>
<a class="button secondary" href="${page.base}/account">${t('common.back')}</a></div>`,
)}
${options.qrSvg ? '' : button(page, '/account/totp', t('account.totp.restart'), { style: 'secondary' })}
</section>`;
  return consoleLayout(page, t('enroll.totpTitle'), body);
}

export function recoveryShownView(page: ConsolePage, code: string, first: boolean): string {
  const body = html`<section class="card">
<p>${t(first ? 'recovery.firstBody' : 'account.recovery.newBody')}</p>
<p class="code" data-testid="recovery-code">${code}</p>
${recoveryCodeTools(page.nonce, page.siteName, code)}
<p class="muted">${t('account.recovery.oldStops')}</p>
<a class="button" href="${page.base}/account">${t('account.recovery.saved')}</a>
</section>`;
  return consoleLayout(page, t('recovery.title'), body);
}

/** Removing one's last method: the compliance heads-up, a reason, and an explicit confirmation. */
export function turnOffView(
  page: ConsolePage,
  options: {
    /** The remove form's fields: `kind`, and `passkey` (its id) for one passkey. */
    fields: Record<string, string>;
    method: string;
    clinic: string;
    warning: string;
    reason?: string;
    error?: string | null;
  },
): string {
  const body = html`${alert(options.error)}<section class="card">
<p>${t('account.off.body', { method: options.method, clinic: options.clinic })}</p>
<p class="warning" data-testid="compliance-warning"><strong>${t('admin.enforce.headsUp')}</strong> ${options.warning}</p>
${postForm(
  page,
  '/account/remove',
  html`${Object.entries(options.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}<input type="hidden" name="confirm" value="yes">
<label for="reason">${t('admin.reason')}</label>
<textarea id="reason" name="reason" required maxlength="500" autofocus>${options.reason ?? ''}</textarea>
<div class="row"><button type="submit" class="danger">${t('account.off.submit')}</button>
<a class="button secondary" href="${page.base}/account">${t('account.off.keep')}</a></div>`,
)}
</section>`;
  return consoleLayout(page, t('account.off.title'), body);
}
