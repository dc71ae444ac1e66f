import type { CodeMethod, SecondFactorMethod } from '@twostep/core';
import { type MessageKey, t } from '../messages/index.ts';
import { type Html, html, raw } from './html.ts';
import { alert, cancelForm, form, layout, note, type PageContext } from './layout.ts';
import { type PasskeyOffer, passkeySignIn } from './passkey-sign-in.ts';
import { recoveryCodeTools } from './recovery-tools.ts';
import { webauthnScripts } from './webauthn.ts';

/** Per-interaction page context: form actions live under `/interaction/:uid`. */
export interface StepContext extends PageContext {
  /** `/interaction/<uid>` (with the issuer's path prefix). */
  base: string;
  /** The CSRF token for a form purpose. */
  csrf(purpose: string): string;
  /** IANA zone of the times on the page (the clinic's). */
  timeZone: string;
}

export function passwordPage(
  ctx: StepContext,
  options: { email?: string; error?: string | null; info?: string | null; passkey?: PasskeyOffer } = {},
): string {
  const body = html`${alert(options.error)}${note(options.info)}
${form(
  `${ctx.base}/password`,
  ctx.csrf('password'),
  html`<label for="email">${t('password.email')}</label>
<input id="email" name="email" type="email" autocomplete="username webauthn" required value="${options.email ?? ''}" maxlength="254"${options.email ? '' : html` autofocus`}>
<label for="password">${t('password.password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${options.email ? html` autofocus` : ''}>
<button type="submit">${t('password.submit')}</button>`,
)}
${options.passkey ? passkeySignIn(ctx, options.passkey) : ''}
<p><a href="${ctx.base.slice(0, ctx.base.lastIndexOf('/interaction/'))}/forgot-password">${t('password.forgot')}</a></p>
${cancelForm(`${ctx.base}/abort`, ctx.csrf('abort'))}`;
  return layout(ctx, t('password.title'), body);
}

export function pausedPage(ctx: StepContext, until: string): string {
  const body = html`<p class="note" role="status">${t('paused.body', { until })}</p>
${form(`${ctx.base}/continue`, ctx.csrf('continue'), html`<button type="submit">${t('common.continue')}</button>`)}`;
  return layout(ctx, t('paused.title'), body);
}

/** A step-up the pause rules out: why, until when, and the way back to the app. */
export function pausedStepUpPage(ctx: StepContext, until: string, app: { name: string; url: string } | null) {
  const body = html`<p role="alert" data-testid="paused-step-up">${t('paused.stepUp', { until })}</p>
<p>${t('paused.stepUpAsk')}</p>
${app ? html`<p><a class="button" href="${app.url}">${t('paused.backTo', { app: app.name })}</a></p>` : html``}`;
  return layout(ctx, t('paused.title'), body);
}

export interface CodePageOptions {
  method: SecondFactorMethod;
  methods: readonly SecondFactorMethod[];
  /** `method` passkey: the WebAuthn options (JSON) for `navigator.credentials.get`. */
  passkeyOptions?: string;
  /** Offer "Remember this device" (the clinic allows it). */
  offerRemember: boolean;
  rememberDays: number;
  error?: string | null;
  info?: string | null;
  /** SMS: a code was sent (show the code field) and when a resend is allowed. */
  smsSent?: boolean;
  /** A step-up: why the code is asked again (no "Remember this device" then). */
  reason?: string | null;
}

/** The issuer's path prefix (the part of `ctx.base` before `/interaction/<uid>`). */
const issuerBase = (ctx: StepContext) => ctx.base.slice(0, ctx.base.lastIndexOf('/interaction/'));

function rememberBox(options: CodePageOptions): Html {
  return options.offerRemember
    ? html`<label class="check" for="remember"><input id="remember" name="remember" type="checkbox" value="yes"> ${t('code.remember', { days: options.rememberDays })}</label>`
    : html``;
}

/** "Use a passkey": shown by the script once the helper is loaded; it posts the authenticator's answer. */
function passkeyForm(ctx: StepContext, options: CodePageOptions): Html {
  return html`<p id="passkey-nojs">${t('code.passkey.needsScript')}</p>
<form method="post" action="${ctx.base}/verify/passkey" id="passkey-form" data-failed="${t('code.passkey.failed')}" hidden>
<input type="hidden" name="csrf" value="${ctx.csrf('passkey')}">
<input type="hidden" name="response" value="">
${rememberBox(options)}
<button type="submit">${t('code.passkey.use')}</button>
<p role="status" data-status></p>
</form>
${webauthnScripts(ctx.nonce, issuerBase(ctx), 'authenticate', options.passkeyOptions ?? '{}')}`;
}

/**
 * "Add a passkey" at sign-in: the clinic requires one of this person (they just proved who they are
 * another way). The script asks the authenticator for a new passkey and posts its answer.
 */
export function enrollPasskeyPage(
  ctx: StepContext,
  options: { options: string; error?: string | null },
): string {
  const body = html`${alert(options.error)}<p>${t('enrollPasskey.body', { clinic: ctx.siteName })}</p>
<p id="passkey-nojs">${t('enrollPasskey.needsScript')}</p>
<form method="post" action="${ctx.base}/enroll/passkey" id="passkey-form" data-failed="${t('enrollPasskey.failed')}" hidden>
<input type="hidden" name="csrf" value="${ctx.csrf('enroll-passkey')}">
<input type="hidden" name="response" value="">
<label for="passkey-name">${t('account.passkey.name')}</label>
<input id="passkey-name" name="name" type="text" required maxlength="60" autocomplete="off" aria-describedby="passkey-name-hint">
<p id="passkey-name-hint" class="muted">${t('account.passkey.nameHint')}</p>
<button type="submit">${t('account.passkey.create')}</button>
<p role="status" data-status></p>
</form>
${webauthnScripts(ctx.nonce, issuerBase(ctx), 'register', options.options)}
${cancelForm(`${ctx.base}/abort`, ctx.csrf('abort'))}`;
  return layout(ctx, t('enrollPasskey.title'), body);
}

export function codePage(ctx: StepContext, options: CodePageOptions): string {
  const { method } = options;
  if (method === 'passkey') return methodPage(ctx, options, passkeyForm(ctx, options));
  const isRecovery = method === 'recovery';
  const codeField = html`<label for="code">${t(isRecovery ? 'code.recoveryLabel' : 'code.label')}</label>
${
  isRecovery
    ? html`<input id="code" name="code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" required maxlength="64" autofocus>`
    : html`<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required maxlength="16" autofocus>`
}
<input type="hidden" name="method" value="${method}">
${rememberBox(options)}
<button type="submit">${t('code.submit')}</button>`;

  const showCodeForm = method !== 'sms' || options.smsSent;
  const smsForm =
    method === 'sms'
      ? form(
          `${ctx.base}/sms`,
          ctx.csrf('sms'),
          html`<button type="submit" class="${options.smsSent ? 'secondary' : ''}">${t(options.smsSent ? 'code.resendSms' : 'code.sendSms')}</button>`,
          'inline',
        )
      : html``;
  return methodPage(
    ctx,
    options,
    html`${showCodeForm ? form(`${ctx.base}/verify`, ctx.csrf('verify'), codeField) : ''}
${smsForm}`,
  );
}

/** The 2-Step page around one method's form: why, how, the other ways, help, cancel. */
function methodPage(ctx: StepContext, options: CodePageOptions, methodForm: Html): string {
  const { method } = options;
  const others = options.methods.filter((m) => m !== method);
  const body = html`${alert(options.error)}${note(options.info)}
${options.reason ? html`<p data-testid="step-up-reason">${options.reason}</p>` : ''}
<p>${t(`code.intro.${method}`)}</p>
${methodForm}
${
  others.length
    ? html`<h2>${t('code.otherMethods')}</h2><ul class="methods">${others.map(
        (m) => html`<li><a href="${ctx.base}/verify?method=${m}">${t(`code.method.${m}`)}</a></li>`,
      )}</ul>`
    : ''
}
${helpLink(ctx)}
${cancelForm(`${ctx.base}/abort`, ctx.csrf('abort'))}`;
  return layout(ctx, t('code.title'), body);
}

/**
 * The app asks for a passkey (loa:phr) and the person has none: where to add one, or back to the app
 * (which learns the level could not be met, and can say so in its own words).
 */
export function passkeyNeededPage(ctx: StepContext): string {
  const body = html`<p>${t('phr.body')}</p>
<p><a class="button" href="${issuerBase(ctx)}/account">${t('phr.account')}</a></p>
${form(`${ctx.base}/verify/no-passkey`, ctx.csrf('no-passkey'), html`<button type="submit" class="secondary">${t('phr.back')}</button>`, 'inline')}`;
  return layout(ctx, t('phr.title'), body);
}

/** Shows a recovery code once and asks the user to confirm they saved it. */
export function recoveryCodePage(
  ctx: StepContext,
  options: {
    code: string;
    first: boolean;
    error?: string | null;
    /** After a first setup: "Remember this device" (the clinic allows it), for this many days. */
    rememberDays?: number | null;
  },
): string {
  const body = html`${alert(options.error)}
<p>${t(options.first ? 'recovery.firstBody' : 'recovery.body')}</p>
<p class="code" data-testid="recovery-code">${options.code}</p>
${recoveryCodeTools(ctx.nonce, ctx.siteName, options.code)}
${form(
  `${ctx.base}/acknowledge`,
  ctx.csrf('acknowledge'),
  html`<label class="check" for="ack"><input id="ack" name="ack" type="checkbox" value="yes" required> ${t('recovery.ack')}</label>
${options.rememberDays ? html`<label class="check" for="remember"><input id="remember" name="remember" type="checkbox" value="yes"> ${t('code.remember', { days: options.rememberDays })}</label>` : html``}
<button type="submit">${t('common.continue')}</button>`,
)}`;
  return layout(ctx, t('recovery.title'), body);
}

/** After a sign-in with the recovery code: set up the new phone now (authenticator app or SMS), or skip once. */
export function newPhonePage(ctx: StepContext): string {
  const body = html`<p>${t('newPhone.body')}</p><p>${t('enroll.whatIsApp')}</p>
${form(`${ctx.base}/enroll/totp`, ctx.csrf('enroll'), html`<button type="submit">${t('newPhone.totp')}</button>`)}
${form(`${ctx.base}/enroll/sms`, ctx.csrf('enroll'), html`<button type="submit" class="secondary">${t('newPhone.sms')}</button>`)}
<p class="muted">${t('newPhone.skipNote')}</p>
${form(`${ctx.base}/new-phone/skip`, ctx.csrf('new-phone-skip'), html`<button type="submit" class="secondary">${t('newPhone.skip')}</button>`)}`;
  return layout(ctx, t('newPhone.title'), body);
}

export function enrollChoicePage(
  ctx: StepContext,
  clinic: string,
  error?: string | null,
  /** The clinic's passkey rule: a passkey is added right after this first method. */
  passkeyNext = false,
  /** A new staff member within the clinic's grace period: "Later" is offered, and until when. */
  grace?: { days: number; until: string } | null,
): string {
  const later = grace
    ? html`<p class="note" role="status" data-testid="enroll-grace">${t(grace.days === 1 ? 'enroll.graceOne' : 'enroll.grace', grace)}</p>
${form(`${ctx.base}/enroll/later`, ctx.csrf('enroll-later'), html`<button type="submit" class="secondary">${t(grace.days === 1 ? 'enroll.laterOne' : 'enroll.later', grace)}</button>`)}`
    : html``;
  const body = html`${alert(error)}<p>${t('enroll.intro', { clinic })}</p>
${passkeyNext ? html`<p class="note" data-testid="passkey-next">${t('enroll.passkeyNext', { clinic })}</p>` : ''}
<p>${t('enroll.whatIsApp')}</p>
${form(`${ctx.base}/enroll/totp`, ctx.csrf('enroll'), html`<button type="submit">${t('enroll.totp')}</button>`)}
${form(`${ctx.base}/enroll/sms`, ctx.csrf('enroll'), html`<button type="submit" class="secondary">${t('enroll.sms')}</button>`)}
${later}
${cancelForm(`${ctx.base}/abort`, ctx.csrf('abort'))}`;
  return layout(ctx, t('enroll.title'), body);
}

export function enrollTotpPage(
  ctx: StepContext,
  options: { qrSvg: string; groupedSecret: string; error?: string | null },
): string {
  const body = html`${alert(options.error)}<p>${t('enroll.whatIsApp')}</p><p>${t('enroll.totpScan')}</p>
<div class="qr">${raw(options.qrSvg)}</div>
<p>${t('enroll.totpSecret')}: <code data-testid="totp-secret">${options.groupedSecret}</code></p>
${form(
  `${ctx.base}/enroll/totp/confirm`,
  ctx.csrf('enroll-confirm'),
  html`<label for="code">${t('code.label')}</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required maxlength="16" autofocus>
<button type="submit">${t('code.submit')}</button>`,
)}
${helpLink(ctx)}
${cancelForm(`${ctx.base}/abort`, ctx.csrf('abort'))}`;
  return layout(ctx, t('enroll.totpTitle'), body);
}

export function enrollSmsPage(
  ctx: StepContext,
  options: {
    phone?: string;
    /** The number was read as `phone` (E.164): say so, for the person to check. */
    understood?: boolean;
    sent: boolean;
    error?: string | null;
    info?: string | null;
  },
): string {
  const phoneForm = form(
    `${ctx.base}/enroll/sms/send`,
    ctx.csrf('enroll'),
    html`<label for="phone">${t('enroll.phone')}</label>
<input id="phone" name="phone" type="tel" autocomplete="tel" required maxlength="32" value="${options.phone ?? ''}" aria-describedby="phone-hint" autofocus>
<p id="phone-hint" class="muted" data-testid="phone-hint">${
      options.understood && options.phone
        ? t('enroll.phoneUnderstood', { phone: options.phone })
        : t('enroll.phoneHint')
    }</p>
<button type="submit" class="${options.sent ? 'secondary' : ''}">${t(options.sent ? 'code.resendSms' : 'enroll.sendCode')}</button>`,
  );
  const codeForm = options.sent
    ? form(
        `${ctx.base}/enroll/sms/confirm`,
        ctx.csrf('enroll-confirm'),
        html`<label for="code">${t('code.label')}</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required maxlength="16" autofocus>
<button type="submit">${t('code.submit')}</button>`,
      )
    : html``;
  const body = html`${alert(options.error)}${note(options.info)}${codeForm}${phoneForm}
${helpLink(ctx)}
${cancelForm(`${ctx.base}/abort`, ctx.csrf('abort'))}`;
  return layout(ctx, t('enroll.smsTitle'), body);
}

export function lockedPage(ctx: StepContext, retryAt: string | null): string {
  const body = html`<p role="alert">${retryAt ? t('locked.retry', { at: retryAt }) : t('locked.admin')}</p>
${cancelForm(`${ctx.base}/abort`, ctx.csrf('abort'))}`;
  return layout(ctx, t('locked.title'), body);
}

export function consentPage(ctx: StepContext, client: string, scopes: string): string {
  const body = html`<p>${t('consent.body', { client, scopes })}</p>
${form(`${ctx.base}/consent`, ctx.csrf('consent'), html`<button type="submit">${t('consent.allow')}</button>`)}
${form(`${ctx.base}/abort`, ctx.csrf('abort'), html`<button type="submit" class="secondary">${t('consent.deny')}</button>`)}`;
  return layout(ctx, t('consent.title'), body);
}

/** "Having trouble?": on every page that asks for a code. */
export function helpLink(ctx: StepContext): Html {
  return html`<p><a href="${ctx.base}/help">${t('help.link')}</a></p>`;
}

/** Where "Having trouble?" leads: the other ways in, the people who can help, the operator's contact. */
export function helpPage(
  ctx: StepContext,
  options: {
    clinic: string;
    methods: readonly CodeMethod[];
    admins: string[];
    /** The clinic's own contact (a clinic setting). */
    clinicContact: string | null;
    /** The operator's (`supportContact`). */
    support: string | null;
  },
): string {
  const way = (method: CodeMethod, title: MessageKey, body: MessageKey) =>
    options.methods.includes(method)
      ? html`<li><a href="${ctx.base}/verify?method=${method}">${t(title)}</a><br><span class="muted">${t(body)}</span></li>`
      : '';
  const body = html`<p>${t('help.intro')}</p>
<ul class="methods">
${way('recovery', 'help.recovery', 'help.recoveryBody')}
${way('sms', 'help.sms', 'help.smsBody')}
<li>${t('help.clock')}</li>
<li>${t('help.admins', { clinic: options.clinic })}<br><span class="muted">${t('help.adminsBody')}</span> ${options.admins.join(', ')}</li>
${options.clinicContact ? html`<li data-testid="clinic-contact">${t('help.clinicContact', { clinic: options.clinic, contact: options.clinicContact })}</li>` : ''}
${options.support ? html`<li>${t('help.support', { contact: options.support })}</li>` : ''}
</ul>
<p><a href="${ctx.base}/verify">${t('help.back')}</a></p>
${cancelForm(`${ctx.base}/abort`, ctx.csrf('abort'))}`;
  return layout(ctx, t('help.title'), body);
}
