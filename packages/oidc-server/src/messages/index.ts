import type { SmsSendResult } from '@twostep/core';
import { en, type MessageKey } from './en.ts';

export type { MessageKey };

/** The message `key`, with `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return en[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Dates on pages: day and time in UTC, e.g. "Jan 5, 2026, 2:05 PM UTC". */
export function formatTime(date: Date): string {
  return `${new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(date)} UTC`;
}

/** Why a code was refused (`code.error.<reason>`), with the time to try again when there is one. */
export function codeError(result: { reason: string; retryAt?: Date | null }): string {
  return t(`code.error.${result.reason}` as MessageKey, {
    at: result.retryAt ? formatTime(result.retryAt) : '',
  });
}

/** What a page says after asking for an SMS code: sent (expiry and when to ask again), or why not. */
export function smsSentMessage(result: SmsSendResult): { error?: string; info?: string } {
  if (result.ok) {
    return {
      info: `${t('code.smsSent', { phone: result.phone, expiresAt: formatTime(result.expiresAt) })} ${t('code.resendAt', { at: formatTime(result.resendAt) })}`,
    };
  }
  if (result.reason === 'cooldown')
    return { error: t('code.error.cooldown', { at: formatTime(result.retryAt) }) };
  return { error: t(`code.error.${result.reason}`) };
}
