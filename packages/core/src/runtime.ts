import { randomBytes } from 'node:crypto';
import type { Clock, Logger, Notifier, Random, SmsMessage, SmsSender } from './ports.ts';

export const systemClock: Clock = { now: () => new Date() };

export const systemRandom: Random = { bytes: (length) => new Uint8Array(randomBytes(length)) };

export const consoleLogger: Logger = {
  warn: (message, details) => console.warn(`[twostep] ${message}`, details ?? ''),
  error: (message, details) => console.error(`[twostep] ${message}`, details ?? ''),
};

/** A clock tests and demos can move. */
export function manualClock(
  start: Date = new Date(),
): Clock & { set(date: Date): void; advance(ms: number): void } {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (date) => {
      current = new Date(date);
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

/** Keeps sent messages in memory: the development outbox, and tests' way to read codes. */
export function outboxSmsSender(): SmsSender & { messages: (SmsMessage & { at: Date })[] } {
  const messages: (SmsMessage & { at: Date })[] = [];
  return {
    messages,
    async send(message) {
      messages.unshift({ ...message, at: new Date() });
      messages.length = Math.min(messages.length, 500);
    },
  };
}

/** Keeps notifications in memory (development outbox, tests). */
export function outboxNotifier(): Notifier & { sent: Parameters<Notifier['notify']>[0][] } {
  const sent: Parameters<Notifier['notify']>[0][] = [];
  return {
    sent,
    async notify(notification) {
      sent.unshift(notification);
      sent.length = Math.min(sent.length, 500);
    },
  };
}
