/**
 * Hand-written option checks (oidc-server may not import zod): each failure
 * throws an `IdpConfigError` naming the option, e.g. `smtp.port`.
 */
import { IdpConfigError } from '../config.ts';

export function need(condition: unknown, path: string, message: string): asserts condition {
  if (!condition) throw new IdpConfigError(path, message);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function nonEmptyString(value: unknown, path: string): string {
  need(typeof value === 'string' && value.trim() !== '', path, 'must be a non-empty string');
  return value;
}

export function optionalBoolean(value: unknown, path: string): boolean | undefined {
  need(value === undefined || typeof value === 'boolean', path, 'must be true or false');
  return value;
}

export function intInRange(value: unknown, path: string, min: number, max: number): number {
  need(
    Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max,
    path,
    `must be a whole number from ${min} to ${max}`,
  );
  return value as number;
}

export function httpUrl(value: unknown, path: string): string {
  const text = nonEmptyString(value, path);
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  need(url && (url.protocol === 'https:' || url.protocol === 'http:'), path, 'must be an http(s) URL');
  return text;
}
