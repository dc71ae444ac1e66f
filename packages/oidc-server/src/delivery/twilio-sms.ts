/**
 * An `SmsSender` on Twilio's Messages API (form-encoded POST, HTTP Basic
 * auth). A rejection carries Twilio's error `code` (e.g. 21211, invalid To).
 */
import type { SmsSender } from '@twostep/core';
import { postWithRetry, snippet } from './http.ts';
import { httpUrl, intInRange, need, nonEmptyString } from './validate.ts';

export interface TwilioSmsOptions {
  accountSid: string;
  authToken: string;
  /** The sending number (E.164); or give `messagingServiceSid`. */
  from?: string;
  messagingServiceSid?: string;
  /** Default `https://api.twilio.com`; tests point it at a local server. */
  baseUrl?: string;
  /** Per attempt; default 5000. */
  timeoutMs?: number;
  /** Retries after network errors, timeouts, 5xx and 429; default 2. */
  retries?: number;
  /** Longest Retry-After honoured; default 10 000 ms. */
  maxRetryAfterMs?: number;
}

/** Twilio's error body: `{ code, message, more_info, status }`. */
function twilioFailure(status: number, body: string): { message: string; code?: number } {
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
    const code = typeof parsed.code === 'number' ? parsed.code : undefined;
    const text = typeof parsed.message === 'string' ? parsed.message : `HTTP ${status}`;
    return code === undefined
      ? { message: `${text} (HTTP ${status})` }
      : { message: `Twilio error ${code}: ${text} (HTTP ${status})`, code };
  } catch {
    return { message: `HTTP ${status}${body ? ` ${snippet(body)}` : ''}` };
  }
}

/**
 * @example
 * const smsSender = createTwilioSmsSender({
 *   accountSid: process.env.TWILIO_ACCOUNT_SID!, authToken: process.env.TWILIO_AUTH_TOKEN!,
 *   messagingServiceSid: 'MG…',
 * });
 */
export function createTwilioSmsSender(options: TwilioSmsOptions): SmsSender {
  const accountSid = nonEmptyString(options.accountSid, 'twilio.accountSid');
  need(
    /^AC[0-9a-zA-Z]{32}$/.test(accountSid),
    'twilio.accountSid',
    'must look like AC followed by 32 characters',
  );
  const authToken = nonEmptyString(options.authToken, 'twilio.authToken');
  const hasFrom = options.from !== undefined;
  const hasService = options.messagingServiceSid !== undefined;
  need(hasFrom !== hasService, 'twilio.from', 'give exactly one of from and messagingServiceSid');
  const sender: [string, string] = hasFrom
    ? ['From', nonEmptyString(options.from, 'twilio.from')]
    : ['MessagingServiceSid', nonEmptyString(options.messagingServiceSid, 'twilio.messagingServiceSid')];
  const baseUrl = httpUrl(options.baseUrl ?? 'https://api.twilio.com', 'twilio.baseUrl').replace(/\/+$/, '');
  const policy = {
    timeoutMs: intInRange(options.timeoutMs ?? 5000, 'twilio.timeoutMs', 1, 120_000),
    retries: intInRange(options.retries ?? 2, 'twilio.retries', 0, 10),
    backoffMs: 250,
    maxRetryAfterMs: intInRange(options.maxRetryAfterMs ?? 10_000, 'twilio.maxRetryAfterMs', 0, 600_000),
  };
  const url = `${baseUrl}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;

  return {
    async send(message) {
      const form = new URLSearchParams([['To', message.to], sender, ['Body', message.body]]);
      await postWithRetry(
        'Twilio SMS delivery',
        url,
        () => ({
          body: form.toString(),
          headers: {
            Authorization: authorization,
            'Content-Type': 'application/x-www-form-urlencoded',
            Accept: 'application/json',
          },
        }),
        policy,
        twilioFailure,
      );
    },
  };
}
