/**
 * Email texts for core's security notifications, keyed by `NotificationKind`.
 * Templates hold `{placeholders}`; the text body fills them as they are, the
 * HTML body escapes the template and every value. French (or any language)
 * is another `MessageCatalog` with the same keys.
 */
import type { Notification, NotificationKind } from '@twostep/core';
import { formatMessage } from '../messages/icu.ts';
import { bestLocale } from '../messages/locale.ts';
import { escapeHtml } from '../pages/html.ts';
import { messagesFrCa } from './messages-fr-CA.ts';

export interface NotificationTemplate {
  subject: string;
  /** What happened, one string per paragraph. */
  paragraphs: string[];
  /** What to do if it was unexpected. */
  advice: string;
}

export interface MessageCatalog {
  /** BCP 47 tag, for dates and `<html lang>`. */
  locale: string;
  /** Prefixed to every subject. */
  subjectPrefix: string;
  greeting: string;
  footer: string;
  /** Shown when core sent no value for a placeholder. */
  fallbacks: Record<string, string>;
  /**
   * `{factor}` in this language, from core's `factorKind` (and `factorName`, one passkey's name, for
   * `namedPasskey`'s `{name}`); without a `factorKind`, core's English `factor` is shown as sent.
   */
  factorNames: { totp: string; sms: string; passkeys: string; namedPasskey: string };
  /** A browser on a system, from the sign-in alert's `deviceBrowser` and `deviceOs`: "{browser} on {os}". */
  deviceOn: string;
  /**
   * Advice that tells a Full Access User to contact "your clinic's Full Access User" about their own
   * account, replaced (keyed by the advice text) with what they can do themselves.
   */
  forFullAccess?: Record<string, string>;
  templates: Record<NotificationKind, NotificationTemplate>;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

const ADVICE_SELF =
  "If this wasn't you, contact your clinic's Full Access User right away: someone else may know your password.";
const ADVICE_ADMIN_ACTION = "If you didn't expect this, contact your clinic's Full Access User.";
const ADVICE_COLLEAGUE =
  "If you didn't expect this, check with {actor} or another Full Access User at {clinic}.";
const ADVICE_SELF_FULL_ACCESS =
  'If this wasn\'t you, someone else may know your password: change it now ("Forgot password?" on the sign-in page ends every session), then check your methods on your account page and tell another Full Access User at {clinic}.';

export const messagesEn: MessageCatalog = {
  locale: 'en',
  subjectPrefix: '[{clinic}] ',
  greeting: 'Hello {name},',
  forFullAccess: {
    [ADVICE_SELF]: ADVICE_SELF_FULL_ACCESS,
    [ADVICE_ADMIN_ACTION]: ADVICE_COLLEAGUE,
  },
  footer: 'This is an automatic security message from {clinic}. Replies are not read.',
  deviceOn: '{browser} on {os}',
  factorNames: {
    totp: 'authenticator app',
    sms: 'text message (SMS)',
    passkeys: 'passkeys',
    namedPasskey: 'passkey “{name}”',
  },
  fallbacks: {
    name: 'there',
    factor: 'a verification method',
    actor: 'A Full Access User',
    colleague: 'a colleague',
    reason: '(none given)',
    until: '(unknown)',
    url: '(ask for a new link)',
    device: 'an unknown browser',
    from: '(unknown)',
    to: '(unknown)',
  },
  templates: {
    factor_added: {
      subject: '2-Step Verification method added',
      paragraphs: ['{factor} was added as a 2-Step Verification method for your {clinic} account on {when}.'],
      advice: ADVICE_SELF,
    },
    factor_replaced: {
      subject: '2-Step Verification method replaced',
      paragraphs: [
        '{factor} was replaced with a new one for your {clinic} account on {when}. The old one no longer works.',
      ],
      advice: ADVICE_SELF,
    },
    factor_removed: {
      subject: '2-Step Verification method removed',
      paragraphs: [
        '{factor} was removed from the 2-Step Verification methods of your {clinic} account on {when}.',
      ],
      advice: ADVICE_SELF,
    },
    recovery_code_used: {
      subject: 'Your recovery code was used',
      paragraphs: [
        'Your recovery code was used to sign in to your {clinic} account on {when}.',
        'A new recovery code was shown at that sign-in; the old one no longer works.',
      ],
      advice: ADVICE_SELF,
    },
    two_step_paused: {
      subject: '2-Step Verification paused',
      paragraphs: [
        '{actor} paused 2-Step Verification for your {clinic} account on {when}.',
        'Until {until} you sign in with your password only. Setting up a verification method ends the pause early.',
        'Reason given: {reason}',
      ],
      advice: ADVICE_ADMIN_ACTION,
    },
    two_step_resumed: {
      subject: '2-Step Verification is back on',
      paragraphs: [
        '{actor} ended the pause of 2-Step Verification for your {clinic} account on {when}.',
        'You will be asked for your second step again at your next sign-in.',
      ],
      advice: ADVICE_ADMIN_ACTION,
    },
    two_step_reset: {
      subject: '2-Step Verification reset',
      paragraphs: [
        '{actor} reset 2-Step Verification for your {clinic} account on {when}.',
        'Your verification methods, recovery code and remembered devices were removed. You will set up 2-Step Verification again at your next sign-in.',
        'Reason given: {reason}',
      ],
      advice: ADVICE_ADMIN_ACTION,
    },
    colleague_paused: {
      subject: '2-Step Verification paused for {colleague}',
      paragraphs: [
        '{actor} paused 2-Step Verification for {colleague} on {when}, until {until}.',
        'Reason given: {reason}',
        'You are told because you are a Full Access User of {clinic}.',
      ],
      advice: ADVICE_COLLEAGUE,
    },
    welcome: {
      subject: 'Your account: set your password',
      paragraphs: [
        'An account at {clinic} was created for you on {when}, as its Full Access User.',
        'Set your password with this link before {until}. It works once:',
        '{url}',
        'After that, signing in asks you to set up 2-Step Verification (an authenticator app or text messages).',
      ],
      advice:
        "If you didn't expect this, don't use the link, and tell the person who set up {clinic}'s sign-in.",
    },
    password_reset_link: {
      subject: 'Reset your password',
      paragraphs: [
        'Someone asked to reset the password of your {clinic} account on {when}.',
        'Choose a new password with this link before {until}. It works once:',
        '{url}',
        'Your 2-Step Verification stays on: you will still enter a code at your next sign-in.',
      ],
      advice:
        "If you didn't ask for this, ignore this email: your password stays as it is. If it happens again, tell your clinic's Full Access User.",
    },
    password_reset: {
      subject: 'Your password was reset',
      paragraphs: [
        'The password of your {clinic} account was reset with an emailed link on {when}.',
        'You were signed out everywhere, and remembered devices were forgotten.',
      ],
      advice: ADVICE_SELF,
    },
    colleague_password_reset: {
      subject: 'Password reset for {colleague}',
      paragraphs: [
        '{colleague} reset their password with an emailed link on {when}. They were signed out everywhere.',
        'You are told because you are a Full Access User of {clinic}.',
      ],
      advice: "If you didn't expect this, check with {colleague}.",
    },
    staff_invitation: {
      subject: 'You are invited: set your password',
      paragraphs: [
        '{actor} invited you to sign in to {clinic} on {when}.',
        'Set your password with this link before {until}. It works once:',
        '{url}',
        'After that, signing in asks you to set up 2-Step Verification (an authenticator app or text messages).',
      ],
      advice: "If you didn't expect this, check with {actor} or another Full Access User at {clinic}.",
    },
    setup_reminder: {
      subject: 'Reminder: set up 2-Step Verification',
      paragraphs: [
        'On {when}, {actor} asked you to set up 2-Step Verification for your {clinic} account.',
        'It takes two minutes: sign in here and follow the steps (an authenticator app or text messages):',
        '{url}',
      ],
      advice: 'If you need help, ask {actor} or another Full Access User at {clinic}.',
    },
    new_device_sign_in: {
      subject: 'New sign-in to your account',
      paragraphs: [
        'Your {clinic} account was signed in to from a browser not seen before ({device}) on {when}.',
      ],
      advice: ADVICE_SELF,
    },
    colleague_reset: {
      subject: '2-Step Verification reset for {colleague}',
      paragraphs: [
        '{actor} reset 2-Step Verification for {colleague} on {when}. They will set it up again at their next sign-in.',
        'Reason given: {reason}',
        'You are told because you are a Full Access User of {clinic}.',
      ],
      advice: ADVICE_COLLEAGUE,
    },
    colleague_two_step_off: {
      subject: '{colleague} turned off 2-Step Verification',
      paragraphs: [
        '{colleague} removed their last 2-Step Verification method on {when}: their account at {clinic} is now protected by a password only.',
        'Reason given: {reason}',
        'You are told because you are a Full Access User of {clinic}.',
      ],
      advice:
        "If you didn't expect this, talk to {colleague}, or require 2-Step Verification for everyone in the admin console.",
    },
    enforcement_off: {
      subject: '2-Step Verification is no longer required',
      paragraphs: [
        '{actor} turned off the requirement for 2-Step Verification at {clinic} on {when}. Staff may now sign in with a password only.',
        'Reason given: {reason}',
        'You are told because you are a Full Access User of {clinic}.',
      ],
      advice: "If you didn't expect this, check with {actor} or another Full Access User at {clinic}.",
    },
    phishing_resistant_narrowed: {
      subject: 'Fewer staff must sign in with a passkey',
      paragraphs: [
        '{actor} changed who must sign in with a passkey at {clinic} on {when}: fewer staff are covered now. Those no longer covered may sign in with a typed code again, which a look-alike site can phish. The admin console shows who is covered.',
        'Reason given: {reason}',
        'You are told because you are a Full Access User of {clinic}.',
      ],
      advice: ADVICE_COLLEAGUE,
    },
    passkey_renamed: {
      subject: 'Passkey renamed',
      paragraphs: [
        'Your passkey "{from}" for your {clinic} account was renamed "{to}" on {when}. It works as before.',
      ],
      advice: ADVICE_SELF,
    },
  },
};

/**
 * Day and time in `timeZone`, with the zone as people say it, in the catalog's language:
 * "Nov 28, 2026, 7:30 PM EST" for America/Toronto.
 */
export function formatLocalTime(date: Date, timeZone: string, locale = 'en'): string {
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
    timeZone,
  }).format(date);
}

/** Day and time in UTC, e.g. "Jan 5, 2026, 2:05 PM UTC". */
export function formatUtc(date: Date, locale = 'en'): string {
  return formatLocalTime(date, 'UTC', locale);
}

/** The email catalog for `locale` (`fr`, `fr-FR` and `fr-CA` give the French one), English otherwise. */
export function emailCatalogFor(locale: string | undefined): MessageCatalog {
  return bestLocale([locale]) === 'fr-CA' ? messagesFrCa : messagesEn;
}

/** A paragraph that starts with a value ("authenticator app was added…") starts with a capital letter. */
const sentence = (text: string) =>
  // A paragraph that is a link stays as it is ("https://…").
  /^[a-z][\w+.-]*:\/\//.test(text) ? text : text.charAt(0).toLocaleUpperCase() + text.slice(1);

/** Subjects are one line: a newline in a value must not start another header. */
const oneLine = (text: string) => text.replace(/[\r\n\t\u2028\u2029]+/g, ' ').trim();

/** The sign-in alert's browser in the catalog's language (the fallback when it is unknown). */
function deviceName(catalog: MessageCatalog, params: Record<string, string>): string | undefined {
  if (params.deviceUnknown) return catalog.fallbacks.device;
  if (!params.deviceBrowser) return undefined;
  if (!params.deviceOs) return params.deviceBrowser;
  return formatMessage(catalog.deviceOn, catalog.locale, {
    browser: params.deviceBrowser,
    os: params.deviceOs,
  });
}

/** The factor of a notification in the catalog's language, when core said which kind it is. */
function factorName(catalog: MessageCatalog, params: Record<string, string>): string | undefined {
  const names = catalog.factorNames;
  switch (params.factorKind) {
    case 'totp':
      return names.totp;
    case 'sms':
      return names.sms;
    case 'passkey':
      return params.factorName
        ? formatMessage(names.namedPasskey, catalog.locale, { name: params.factorName })
        : names.passkeys;
    default:
      return undefined;
  }
}

/** The subject, text and HTML of `notification`, sent at `at` (default now). */
export function renderNotification(
  notification: Notification,
  options: { at?: Date; catalog?: MessageCatalog } = {},
): RenderedMessage {
  const catalog = options.catalog ?? emailCatalogFor(notification.locale);
  const template = catalog.templates[notification.kind];
  if (!template) throw new Error(`no message for notification kind '${notification.kind}'`);
  const values: Record<string, string> = { ...catalog.fallbacks };
  for (const [key, value] of Object.entries(notification.params)) {
    if (typeof value === 'string' && value.trim() !== '') values[key] = value;
  }
  const factor = factorName(catalog, notification.params);
  if (factor !== undefined) values.factor = factor;
  const device = deviceName(catalog, notification.params);
  if (device !== undefined) values.device = device;
  if (notification.to.name.trim() !== '') values.name = notification.to.name;
  values.clinic = notification.clinicName;
  // Times in the clinic's zone (core sets it); UTC for a notification from elsewhere.
  const zone = notification.timeZone ?? 'UTC';
  values.when = formatLocalTime(options.at ?? new Date(), zone, catalog.locale);
  const until = Date.parse(notification.params.until ?? '');
  if (!Number.isNaN(until)) values.until = formatLocalTime(new Date(until), zone, catalog.locale);

  // ICU messages; the HTML escapes the whole paragraph, so the template's text and every value alike.
  const fill = (template: string) => formatMessage(template, catalog.locale, values);
  const advice =
    (notification.to.role === 'full_access' && catalog.forFullAccess?.[template.advice]) || template.advice;
  const paragraphs = [catalog.greeting, ...template.paragraphs, advice, catalog.footer]
    .map(fill)
    .map(sentence);
  const subject = oneLine(fill(catalog.subjectPrefix + template.subject));
  const text = `${paragraphs.join('\n\n')}\n`;
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const html = `<!doctype html>
<html lang="${escapeHtml(catalog.locale)}">
<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a;">
${body}
</body>
</html>
`;
  return { subject, text, html };
}
