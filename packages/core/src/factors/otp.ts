import { ScureBase32Plugin } from '@otplib/plugin-base32-scure';
import { counterToBytes, dynamicTruncate, truncateDigits } from '@otplib/core';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { generateSync, generateURI } from 'otplib';

/**
 * The one path every one-time password takes through otplib, with Node's
 * native HMAC. RFC 4226/6238 vectors are tested through these functions.
 */

const crypto = new NodeCryptoPlugin();
const base32 = new ScureBase32Plugin();

export type OtpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface OtpParams {
  algorithm: OtpAlgorithm;
  digits: 6 | 7 | 8;
  period: number;
}

export function encodeBase32(bytes: Uint8Array): string {
  return base32.encode(bytes, { padding: false });
}

/** HOTP (RFC 4226) for a raw secret and counter. */
export function hotp(
  secret: Uint8Array,
  counter: number,
  params: Pick<OtpParams, 'algorithm' | 'digits'>,
): string {
  return generateSync({ strategy: 'hotp', secret, counter, crypto, base32, ...params });
}

/** TOTP (RFC 6238) at `epochSeconds`. */
export function totp(secret: Uint8Array | string, epochSeconds: number, params: OtpParams): string {
  return generateSync({ strategy: 'totp', secret, epoch: epochSeconds, crypto, base32, ...params });
}

/**
 * Checks `token` against the steps within `window` of `epochSeconds`, and
 * only steps after `afterStep` (replay guard). Returns the matching step.
 * Every step in the window is computed and compared in constant time, so the
 * time taken does not tell which step matched. RFC 4226 HOTP per step with
 * otplib's counter encoding and dynamic truncation over Node's HMAC (what
 * otplib's Node crypto plugin calls), the key decoded once: otplib's own
 * `verify` costs about 5 raw HMACs for ±1 step, this about 3.
 */
export function verifyTotp(
  secretBase32: string,
  token: string,
  epochSeconds: number,
  params: OtpParams & { window: number; afterStep: number | null },
): { valid: true; step: number } | { valid: false } {
  // Decoded once into a KeyObject, so the three HMACs don't each copy the key.
  const key = createSecretKey(base32.decode(secretBase32));
  const given = Buffer.from(token, 'utf8');
  const current = Math.floor(epochSeconds / params.period);
  let matched: number | null = null;
  for (let step = current - params.window; step <= current + params.window; step++) {
    if (step < 0) continue;
    const mac = createHmac(params.algorithm, key).update(counterToBytes(step)).digest();
    const expected = Buffer.from(truncateDigits(dynamicTruncate(mac), params.digits), 'utf8');
    const equal = expected.length === given.length && timingSafeEqual(expected, given);
    // The latest match wins: if this code also equals an earlier (already used) step's code,
    // the person typed the current one.
    if (equal) matched = step;
  }
  if (matched === null || (params.afterStep !== null && matched <= params.afterStep)) return { valid: false };
  return { valid: true, step: matched };
}

/** `otpauth://totp/Issuer:label?secret=…&issuer=…` (Key Uri Format). */
export function otpauthUri(params: { issuer: string; label: string; secretBase32: string }): string {
  return generateURI({ issuer: params.issuer, label: params.label, secret: params.secretBase32 });
}
