/**
 * POST with a per-attempt timeout and a small retry policy, shared by the
 * HTTP SMS senders: network errors, timeouts, 5xx and 429 are retried with
 * backoff (or the server's Retry-After, up to a cap); other statuses are final.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Per attempt, covering the response body too. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff; doubles per retry. */
  backoffMs: number;
  /** A longer Retry-After ends the retries: the server will not be ready while a user waits for a code. */
  maxRetryAfterMs: number;
}

/** Thrown when an SMS was not delivered. `code` is the provider's error code when it sent one. */
export class SmsDeliveryError extends Error {
  readonly status: number | undefined;
  readonly code: string | number | undefined;
  readonly attempts: number;
  constructor(
    message: string,
    details: { status?: number; code?: string | number; attempts: number; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SmsDeliveryError';
    this.status = details.status;
    this.code = details.code;
    this.attempts = details.attempts;
  }
}

export interface HttpFailure {
  /** What went wrong, for the final error message. */
  message: string;
  code?: string | number;
}

/** Seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * POSTs `init()` (called per attempt, so signatures are fresh) and returns the
 * 2xx response body. `describe` turns a non-2xx answer into a message (and a
 * provider error code). Throws `SmsDeliveryError` when delivery finally fails.
 */
export async function postWithRetry(
  what: string,
  url: string,
  init: () => RequestInit,
  policy: RetryPolicy,
  describe: (status: number, body: string) => HttpFailure,
): Promise<{ status: number; body: string }> {
  const attempts = policy.retries + 1;
  for (let attempt = 1; ; attempt++) {
    let failure: { message: string; status?: number; code?: string | number; cause?: unknown };
    let delayMs = policy.backoffMs * 2 ** (attempt - 1);
    let retryable = true;
    try {
      // Redirects are not followed: they would resend credentials or a signed body elsewhere.
      const response = await fetch(url, {
        ...init(),
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
      const body = await response.text();
      if (response.ok) return { status: response.status, body };
      const described = describe(response.status, body);
      failure = { ...described, status: response.status };
      retryable = response.status >= 500 || response.status === 429;
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      if (retryable && retryAfter !== undefined) {
        if (retryAfter > policy.maxRetryAfterMs) {
          retryable = false;
          failure.message += ` (asked to retry after ${Math.ceil(retryAfter / 1000)} s, more than the ${policy.maxRetryAfterMs} ms cap)`;
        }
        delayMs = retryAfter;
      }
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      failure = {
        message: timedOut
          ? `no answer within ${policy.timeoutMs} ms`
          : `network error: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
        cause: error,
      };
    }
    if (!retryable || attempt >= attempts) {
      const tries = attempt === 1 ? '1 attempt' : `${attempt} attempts`;
      throw new SmsDeliveryError(`${what} failed after ${tries}: ${failure.message}`, {
        ...failure,
        attempts: attempt,
      });
    }
    await sleep(delayMs);
  }
}

/** The first 200 characters of a response body, for error messages. */
export function snippet(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
