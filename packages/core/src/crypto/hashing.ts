import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { TwostepError } from '../errors.ts';

/** base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

export function hmacSha256(key: Uint8Array | string, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
}

/** Constant-time string equality (length leaks, content does not). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    // Compare anyway so the time does not depend on where the lengths differ.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/** One HMAC key, or a list newest first: the first makes new hashes, the others still check old ones. */
export type HashKeys = Uint8Array | readonly Uint8Array[];

/** The keys as a list, newest first; every key at least 32 bytes. */
export function hashKeyList(keys: HashKeys): Uint8Array[] {
  const list = keys instanceof Uint8Array ? [keys] : [...keys];
  if (list.length === 0 || !list.every((key) => key instanceof Uint8Array && key.length >= 32))
    throw new TwostepError('invalid_config', 'hashKey: one key or a list of keys, each at least 32 bytes');
  return list;
}

/**
 * The HMAC of `value` under whichever key made `stored` (every key is tried and
 * compared in constant time, no early exit), or under the newest key when none did.
 */
export function hmacMatching(keys: readonly Uint8Array[], value: string, stored: string): string {
  let match = hmacSha256(keys[0]!, value);
  for (const key of keys.slice(1)) {
    const hash = hmacSha256(key, value);
    if (constantTimeEqual(hash, stored)) match = hash;
  }
  return match;
}
