/**
 * Stable error codes. Expected outcomes (a wrong code, a throttled account) are
 * never errors: they are `{ ok: false, reason }` results. Errors mean misuse,
 * a broken invariant or an unavailable dependency. Transports map codes to HTTP.
 */
export type TwostepErrorCode =
  | 'invalid_config'
  | 'invalid_input'
  | 'not_found'
  | 'forbidden'
  | 'conflict'
  | 'store_unavailable'
  /** Too many password checks waiting (the hashing queue's deadline or length): try again later. */
  | 'busy'
  | 'unknown_key'
  | 'decrypt_failed';

/**
 * The one error class of `@twostep/core`.
 *
 * @example
 * ```ts
 * try { await twostep.admin.pause(ctx, targetId, { reason }); }
 * catch (e) { if (e instanceof TwostepError && e.code === 'forbidden') res.status(403); }
 * ```
 */
export class TwostepError extends Error {
  readonly code: TwostepErrorCode;

  constructor(code: TwostepErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TwostepError';
    this.code = code;
  }
}

/** True when `error` is a {@link TwostepError} with the given code. */
export function isTwostepError(error: unknown, code?: TwostepErrorCode): error is TwostepError {
  return error instanceof TwostepError && (code === undefined || error.code === code);
}
