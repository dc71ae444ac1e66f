import { isTwostepError, type TwostepErrorCode } from '@twostep/core';
import { errors as oidcErrors } from 'oidc-provider';

/** Core error codes → HTTP status. A store that is down is a 503: fail closed, never a bypass. */
const STATUS: Record<TwostepErrorCode, number> = {
  invalid_config: 500,
  invalid_input: 400,
  not_found: 404,
  forbidden: 403,
  conflict: 409,
  store_unavailable: 503,
  busy: 503,
  unknown_key: 500,
  decrypt_failed: 500,
};

/** An HTTP error raised by the interaction routes themselves. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message = `HTTP ${status}`) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

/** What to show for an error: a status, or "this sign-in expired" (oidc-provider lost the interaction). */
export function classify(error: unknown): { status: number; expired: boolean } {
  if (error instanceof HttpError) return { status: error.status, expired: false };
  if (isTwostepError(error)) return { status: STATUS[error.code], expired: false };
  if (error instanceof oidcErrors.SessionNotFound) return { status: 400, expired: true };
  if (error instanceof oidcErrors.OIDCProviderError) return { status: error.status || 400, expired: false };
  const status = (error as { status?: unknown; type?: unknown } | null)?.status;
  // body-parser: too large, bad encoding, too many parameters.
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, expired: false };
  return { status: 500, expired: false };
}
