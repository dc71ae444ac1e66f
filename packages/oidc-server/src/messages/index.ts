import type { SmsSendResult } from '@twostep/core';
import { formatLocalTime } from '../delivery/messages.ts';
import { en, type MessageKey } from './en.ts';

export type { MessageKey };

/** The message `key`, with `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return en[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Dates on pages, in the clinic's zone: "Nov 28, 2026, 7:30 PM EST". */
export function formatTime(date: Date, timeZone: string): string {
  return formatLocalTime(date, timeZone, 'en');
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
