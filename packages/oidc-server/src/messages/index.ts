import type { SmsSendResult } from '@twostep/core';
import { IntlMessageFormat } from 'intl-messageformat';
import { formatLocalTime } from '../delivery/messages.ts';
import { en, type MessageKey } from './en.ts';
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

// Compiled on first use, once per language and key (most keys are never shown in a process).
const compiled = new Map<string, { format: IntlMessageFormat; names: string[] }>();

function formatter(locale: Locale, key: MessageKey) {
  const cacheKey = `${locale}\u0000${key}`;
  let entry = compiled.get(cacheKey);
  if (!entry) {
    const source = CATALOGS[locale][key] ?? en[key];
    const format = new IntlMessageFormat(source, locale, undefined, { ignoreTag: true });
    entry = { format, names: argumentNames(format.getAst() as AstNode[]) };
    compiled.set(cacheKey, entry);
  }
  return entry;
}

interface AstNode {
  type: number;
  value?: unknown;
  options?: Record<string, { value: AstNode[] }>;
}
const LITERAL = 0;

/** Every `{name}` a message uses, plural and select arguments included. */
export function argumentNames(ast: readonly AstNode[], names = new Set<string>()): string[] {
  for (const node of ast) {
    if (node.type !== LITERAL && typeof node.value === 'string') names.add(node.value);
    for (const option of Object.values(node.options ?? {})) argumentNames(option.value, names);
  }
  return [...names];
}

/** The message `key` in the request's language, with its placeholders filled from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const { format, names } = formatter(currentLocale(), key);
  // A placeholder without a value is shown as written, as before (never an exception on a page).
  const values: Record<string, string | number> = {};
  for (const name of names) values[name] = name in params ? params[name]! : `{${name}}`;
  return String(format.format(values));
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
