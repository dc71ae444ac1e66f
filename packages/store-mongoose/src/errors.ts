import { isTwostepError, TwostepError } from '@twostep/core';
import mongoose from 'mongoose';

/**
 * A duplicate-key error: code 11000 (MongoDB with `keyPattern`, FerretDB
 * without). FerretDB v1 (SQLite) sometimes reports a unique-index violation in
 * an *update* as `InternalError` (code 1) whose message carries SQLite's
 * "UNIQUE constraint failed"; that is recognised too.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === 11000 || code === 11001) return true;
  return code === 1 && typeof message === 'string' && message.includes('UNIQUE constraint failed');
}

/** The unique index a duplicate-key error names, when the server says (MongoDB does, FerretDB does not). */
export function duplicateKeyPattern(error: unknown): Record<string, unknown> | undefined {
  const { keyPattern } = error as { keyPattern?: unknown };
  return typeof keyPattern === 'object' && keyPattern !== null
    ? (keyPattern as Record<string, unknown>)
    : undefined;
}

/**
 * Maps an error from mongoose or the driver to the error the ports promise:
 * a `TwostepError` stays as it is; a cast or validation error (a value of the
 * wrong type reached the schema) is `invalid_input`; a duplicate key is
 * `conflict`; everything else (network, server selection, timeouts, server
 * errors) is `store_unavailable`, so callers fail closed. The original error is kept as `cause`.
 */
export function toStoreError(error: unknown, operation: string): TwostepError {
  if (isTwostepError(error)) return error;
  if (error instanceof mongoose.Error.CastError || error instanceof mongoose.Error.ValidationError) {
    return new TwostepError('invalid_input', `${operation}: ${error.message}`, { cause: error });
  }
  if (isDuplicateKeyError(error)) {
    return new TwostepError('conflict', `${operation}: a unique value is already taken`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TwostepError('store_unavailable', `${operation} failed: ${message}`, { cause: error });
}

/**
 * Wraps every method of a store so that failures surface as `TwostepError`
 * (see {@link toStoreError}).
 */
export function guarded<T extends object>(storeName: string, store: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(store)) {
    if (typeof method !== 'function') {
      wrapped[name] = method;
      continue;
    }
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await Reflect.apply(method, store, args);
      } catch (error) {
        throw toStoreError(error, `${storeName}.${name}`);
      }
    };
  }
  return wrapped as T;
}

/**
 * True for a plain string. Every value that reaches a filter passes this check
 * first, so an object such as `{ $gt: '' }` from a request body can never become
 * a query operator (the connection's `sanitizeFilter` is a second line).
 */
export function isString(value: unknown): value is string {
  return typeof value === 'string';
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

export function isDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}
