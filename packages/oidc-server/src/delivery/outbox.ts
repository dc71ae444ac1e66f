/**
 * Development outboxes: nothing leaves the process, the last messages are kept
 * in memory for a page (the demo's) to show. Never use them in production.
 */
import {
  type Notification,
  type Notifier,
  outboxSmsSender,
  type SmsMessage,
  type SmsSender,
} from '@twostep/core';
import { type MessageCatalog, renderNotification } from './messages.ts';

export interface OutboxOptions {
  /** How many messages to keep, newest first; default 50, at most 500. */
  limit?: number;
}

export type OutboxSms = SmsMessage & { at: Date };

export interface SmsOutbox extends SmsSender {
  /** Newest first. */
  list(): OutboxSms[];
  clear(): void;
}

export interface OutboxMail {
  kind: Notification['kind'];
  to: string;
  subject: string;
  text: string;
  html: string;
  at: Date;
}

export interface MailOutbox extends Notifier {
  /** Newest first. */
  list(): OutboxMail[];
  clear(): void;
}

function limitOf(options: OutboxOptions): number {
  const limit = options.limit ?? 50;
  // 500: what core's outboxSmsSender keeps at most.
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 500)
    throw new RangeError('outbox limit must be a whole number from 1 to 500');
  return limit;
}

/** An `SmsSender` that keeps the last `limit` texts (core's `outboxSmsSender`, bounded and listable). */
export function createSmsOutbox(options: OutboxOptions = {}): SmsOutbox {
  const limit = limitOf(options);
  const inner = outboxSmsSender();
  return {
    async send(message) {
      await inner.send(message);
      inner.messages.length = Math.min(inner.messages.length, limit);
    },
    list: () => inner.messages.map((m) => ({ ...m, at: new Date(m.at) })),
    clear() {
      inner.messages.length = 0;
    },
  };
}

/**
 * A `Notifier` that keeps the last `limit` emails as they would be sent.
 * Rendered when notified, not when listed, so "when" in the text is the send
 * time (core's `outboxNotifier` keeps neither the time nor the rendering).
 */
export function createMailOutbox(options: OutboxOptions & { catalog?: MessageCatalog } = {}): MailOutbox {
  const limit = limitOf(options);
  const fixed = options.catalog ? { catalog: options.catalog } : {};
  const mails: OutboxMail[] = [];
  return {
    async notify(notification) {
      const at = new Date();
      const message = renderNotification(notification, { at, ...fixed });
      mails.unshift({ kind: notification.kind, to: notification.to.email, ...message, at });
      mails.length = Math.min(mails.length, limit);
    },
    list: () => mails.map((m) => ({ ...m, at: new Date(m.at) })),
    clear() {
      mails.length = 0;
    },
  };
}
