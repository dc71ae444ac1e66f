import type { SmsSendResult } from '@twostep/core';
import { formatLocalTime } from '../delivery/messages.ts';
import { en, type MessageKey } from './en.ts';
import { formatMessage } from './icu.ts';
import { frCA } from './fr-CA.ts';
import { currentLocale, type Locale } from './locale.ts';

export type { MessageKey };
export type { Locale, LocaleSources } from './locale.ts';
export {
  bestLocale,
  currentLocale,
  LANG_COOKIE,
  LANGUAGE_NAMES,
  learnLocale,
  localeMiddleware,
  resolveLocale,
  SUPPORTED_LOCALES,
  withLocale,
} from './locale.ts';

/**
 * The page catalogs, one per supported language (ICU MessageFormat strings). A key missing from a
 * language falls back to English; the catalog test keeps both complete.
 */
export const CATALOGS: Record<Locale, Partial<Record<MessageKey, string>>> = {
  en,
  'fr-CA': frCA,
};

/** The message `key` in the request's language, with its placeholders filled from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const locale = currentLocale();
  return formatMessage(CATALOGS[locale][key] ?? en[key], locale, params);
}

/** Dates on pages, in the clinic's zone and the page's language: "Nov 28, 2026, 7:30 PM EST". */
export function formatTime(date: Date, timeZone: string): string {
  return formatLocalTime(date, timeZone, currentLocale());
}

/** A number as the page's language writes it (1,234 in English, 1 234 in French). */
export function formatNumber(value: number): string {
  return value.toLocaleString(currentLocale());
}

/** Why a code was refused (`code.error.<reason>`), with the time to try again when there is one. */
export function codeError(result: { reason: string; retryAt?: Date | null }, timeZone: string): string {
  return t(`code.error.${result.reason}` as MessageKey, {
    at: result.retryAt ? formatTime(result.retryAt, timeZone) : '',
  });
}

/** What a page says after asking for an SMS code: sent (expiry and when to ask again), or why not. */
export function smsSentMessage(result: SmsSendResult, timeZone: string): { error?: string; info?: string } {
  if (result.ok) {
    return {
      info: `${t('code.smsSent', { phone: result.phone, expiresAt: formatTime(result.expiresAt, timeZone) })} ${t('code.resendAt', { at: formatTime(result.resendAt, timeZone) })}`,
    };
  }
  if (result.reason === 'cooldown')
    return { error: t('code.error.cooldown', { at: formatTime(result.retryAt, timeZone) }) };
  return { error: t(`code.error.${result.reason}`) };
}
