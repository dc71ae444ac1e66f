/** Admin API errors: `{ error, error_description }` with a stable code, and RFC 6750 challenges. */
import { isTwostepError } from '@twostep/core';
import type { ErrorRequestHandler, Response } from 'express';
import { ADMIN_SCOPE } from './constants.ts';
import { InvalidInput } from './validate.ts';

/** Every `error` value the admin API returns (documented in openapi.yaml). */
export type ApiErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'not_found'
  | 'email_taken'
  | 'last_full_access'
  | 'busy'
  | 'password_already_set'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'server_error'
  | 'temporarily_unavailable';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  constructor(status: number, code: ApiErrorCode, description: string) {
    super(description);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const quote = (s: string) => `"${s.replace(/["\\]/g, '')}"`;

/** Sends an error; 401 and 403 carry the Bearer challenge (RFC 6750 §3). */
export function sendError(
  res: Response,
  realm: string,
  status: number,
  code: ApiErrorCode,
  description: string,
) {
  if (status === 401 || status === 403) {
    const params = [`realm=${quote(realm)}`];
    if (code === 'invalid_token' || code === 'insufficient_scope')
      params.push(`error=${quote(code)}`, `error_description=${quote(description)}`);
    if (code === 'insufficient_scope') params.push(`scope=${quote(ADMIN_SCOPE)}`);
    res.set('WWW-Authenticate', `Bearer ${params.join(', ')}`);
  }
  res.status(status).set('Cache-Control', 'no-store').json({ error: code, error_description: description });
}

export function apiErrorHandler(
  realm: string,
  logger: { error(message: string, details?: Record<string, unknown>): void },
): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    if (error instanceof ApiError) return sendError(res, realm, error.status, error.code, error.message);
    if (error instanceof InvalidInput) return sendError(res, realm, 400, 'invalid_request', error.message);
    if (isTwostepError(error)) {
      if (error.code === 'store_unavailable')
        return sendError(res, realm, 503, 'temporarily_unavailable', 'the store is unavailable; try again');
      if (error.code === 'conflict')
        return sendError(res, realm, 409, 'email_taken', 'another staff member has this email');
      if (error.code === 'invalid_input') return sendError(res, realm, 400, 'invalid_request', error.message);
    }
    // body-parser: bad JSON, too large, wrong charset.
    const parserType = (error as { type?: unknown } | null)?.type;
    if (parserType === 'entity.too.large')
      return sendError(res, realm, 413, 'payload_too_large', 'the body is too large');
    if (parserType === 'entity.parse.failed')
      return sendError(res, realm, 400, 'invalid_request', 'body: not valid JSON');
    const status = (error as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500)
      return sendError(res, realm, 400, 'invalid_request', 'the request could not be read');
    logger.error('admin API failed', { error });
    return sendError(res, realm, 500, 'server_error', 'internal error');
  };
}
