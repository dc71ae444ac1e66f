/**
 * Stable codes for misuse and broken invariants. Expected outcomes of a request
 * (a refused step-up, an expired token) are not errors: see {@link CallbackFailureReason}
 * and {@link BearerFailureReason}.
 */
export type TwostepErrorCode =
  | 'invalid_option'
  | 'discovery_failed'
  | 'not_mounted'
  | 'session_too_large'
  | 'session_store_failed';

/**
 * Thrown (or passed to `next(err)`) when the middleware is misconfigured or the IdP cannot be reached.
 * `path` names the offending option for `invalid_option`; `status` is the HTTP status Express should send.
 *
 * @example
 * ```ts
 * try {
 *   twostep({ issuer: 'ftp://idp', clientId: 'x', redirectUri: 'https://app/cb', session: { secret } });
 * } catch (err) {
 *   if (err instanceof TwostepError && err.code === 'invalid_option') console.error(err.path); // 'issuer'
 * }
 * ```
 */
export class TwostepError extends Error {
  readonly code: TwostepErrorCode;
  readonly path: string | undefined;
  readonly status: number;

  constructor(code: TwostepErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TwostepError';
    this.code = code;
    this.path = options.path;
    this.status = httpStatus[code];
  }
}

// The HTTP mapping lives here, not at the throw sites.
const httpStatus: Record<TwostepErrorCode, number> = {
  invalid_option: 500,
  discovery_failed: 503,
  not_mounted: 500,
  session_too_large: 500,
  session_store_failed: 503,
};

/**
 * Why a sign-in or step-up callback was refused. Each is shown to the user on a 400/403 page.
 *
 * @example
 * ```ts
 * const pages: Record<CallbackFailureReason, string> = { ... };
 * ```
 */
export type CallbackFailureReason =
  | 'unknown_state'
  | 'idp_error'
  | 'unmet_authentication_requirements'
  | 'acr_not_met'
  | 'authentication_too_old'
  | 'subject_mismatch'
  | 'token_exchange_failed';

/**
 * A refused sign-in or step-up, as handed to the `refusalPage` option: `title` and `message` are
 * plain text for the user (not HTML); `detail` is the specific cause, e.g. `needed …loa:2fa, got …loa:1fa`.
 *
 * @example
 * ```ts
 * const refusal: CallbackRefusal = { reason: 'acr_not_met', status: 403, title: '2-Step Verification required', message: '…' };
 * ```
 */
export interface CallbackRefusal {
  reason: CallbackFailureReason;
  status: 400 | 403;
  title: string;
  message: string;
  /** The language of `title` and `message` (`en` or `fr-CA`): the person's `locale` claim, else the browser's. */
  locale?: string;
  detail?: string | undefined;
  /** The level the page asked for (`requireStepUp`'s `acr`), when the refused sign-in had one: e.g. to say "this needs a passkey". */
  acr?: string | undefined;
}

/**
 * Why a bearer token was refused by `requireBearer`.
 *
 * @example
 * ```ts
 * const reason: BearerFailureReason = 'insufficient_user_authentication';
 * ```
 */
export type BearerFailureReason =
  | 'missing_token'
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'insufficient_user_authentication';
