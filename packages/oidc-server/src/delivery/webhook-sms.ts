/**
 * An `SmsSender` that POSTs each text as signed JSON to your own endpoint
 * (which hands it to any SMS gateway). The signature is Stripe-style so the
 * receiver can check both who sent it and that it is fresh:
 *
 *   X-Twostep-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * `X-Twostep-Id` (also `id` in the body) is the same on every retry of one
 * message, so the receiver can drop duplicates.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { SmsSender } from '@twostep/core';
import { postWithRetry, snippet } from './http.ts';
import { httpUrl, intInRange, need, nonEmptyString } from './validate.ts';

export interface WebhookSmsOptions {
  url: string;
  /** Shared with the receiver; at least 32 characters. */
  secret: string;
  /** Per attempt; default 5000. */
  timeoutMs?: number;
  /** Retries after network errors, timeouts, 5xx and 429; default 2. */
  retries?: number;
  /** Sent as `X-Twostep-Key-Id`, so a receiver can pick the secret during a rotation. */
  keyId?: string;
  /** Longest Retry-After honoured; default 10 000 ms. */
  maxRetryAfterMs?: number;
}

export const SIGNATURE_HEADER = 'X-Twostep-Signature';
export const ID_HEADER = 'X-Twostep-Id';
export const KEY_ID_HEADER = 'X-Twostep-Key-Id';

/** The `X-Twostep-Signature` value for `rawBody` at `timestamp` (unix seconds). */
export function signWebhookBody(secret: string, timestamp: number, rawBody: string | Uint8Array): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export type WebhookVerification =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'malformed' | 'expired' | 'mismatch' };

/**
 * For receivers: checks `X-Twostep-Signature` against the raw request body
 * (the exact bytes, before JSON parsing). Several secrets may be given during
 * a rotation; any `v1` may match. Constant-time comparison.
 *
 * @example
 * const check = verifyWebhookSignature(secret, req.get('x-twostep-signature'), rawBody);
 * if (!check.ok) return res.sendStatus(401);
 */
export function verifyWebhookSignature(
  secret: string | readonly string[],
  header: string | null | undefined,
  rawBody: string | Uint8Array,
  options: { toleranceSeconds?: number; now?: Date } = {},
): WebhookVerification {
  if (typeof header !== 'string' || header.length > 2048) return { ok: false, reason: 'malformed' };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || signatures.length === 0) return { ok: false, reason: 'malformed' };
  const tolerance = options.toleranceSeconds ?? 300;
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - timestamp) > tolerance) return { ok: false, reason: 'expired' };
  const secrets = typeof secret === 'string' ? [secret] : secret;
  let match = false;
  for (const s of secrets) {
    const expected = createHmac('sha256', s).update(`${timestamp}.`).update(rawBody).digest();
    // No early exit: every candidate is compared.
    for (const signature of signatures) match = timingSafeEqual(expected, signature) || match;
  }
  return match ? { ok: true, timestamp } : { ok: false, reason: 'mismatch' };
}

/**
 * @example
 * const smsSender = createWebhookSmsSender({ url: 'https://sms-relay.internal/send', secret: process.env.SMS_WEBHOOK_SECRET! });
 */
export function createWebhookSmsSender(options: WebhookSmsOptions): SmsSender {
  const url = httpUrl(options.url, 'smsWebhook.url');
  const secret = nonEmptyString(options.secret, 'smsWebhook.secret');
  need(secret.length >= 32, 'smsWebhook.secret', 'must be at least 32 characters');
  const policy = {
    timeoutMs: intInRange(options.timeoutMs ?? 5000, 'smsWebhook.timeoutMs', 1, 120_000),
    retries: intInRange(options.retries ?? 2, 'smsWebhook.retries', 0, 10),
    backoffMs: 250,
    maxRetryAfterMs: intInRange(options.maxRetryAfterMs ?? 10_000, 'smsWebhook.maxRetryAfterMs', 0, 600_000),
  };
  const keyId = options.keyId === undefined ? undefined : nonEmptyString(options.keyId, 'smsWebhook.keyId');

  return {
    async send(message) {
      const id = randomUUID();
      const body = JSON.stringify({
        to: message.to,
        body: message.body,
        id,
        sentAt: new Date().toISOString(),
      });
      await postWithRetry(
        'SMS webhook delivery',
        url,
        () => ({
          body,
          headers: {
            'Content-Type': 'application/json',
            [SIGNATURE_HEADER]: signWebhookBody(secret, Math.floor(Date.now() / 1000), body),
            [ID_HEADER]: id,
            ...(keyId ? { [KEY_ID_HEADER]: keyId } : {}),
          },
        }),
        policy,
        (status, text) => ({ message: `HTTP ${status}${text ? ` ${snippet(text)}` : ''}` }),
      );
    },
  };
}
