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
