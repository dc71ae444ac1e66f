import { ScureBase32Plugin } from '@otplib/plugin-base32-scure';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { generateSync, generateURI, verifySync } from 'otplib';

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
 */
export function verifyTotp(
  secretBase32: string,
  token: string,
  epochSeconds: number,
  params: OtpParams & { window: number; afterStep: number | null },
): { valid: true; step: number } | { valid: false } {
  const { window, afterStep, ...otp } = params;
  const result = verifySync({
    strategy: 'totp',
    secret: secretBase32,
    token,
    epoch: epochSeconds,
    epochTolerance: window * otp.period,
    ...(afterStep === null ? {} : { afterTimeStep: afterStep }),
    crypto,
    base32,
    ...otp,
  });
  return result.valid && 'timeStep' in result ? { valid: true, step: result.timeStep } : { valid: false };
}

/** `otpauth://totp/Issuer:label?secret=…&issuer=…` (Key Uri Format). */
export function otpauthUri(params: { issuer: string; label: string; secretBase32: string }): string {
  return generateURI({ issuer: params.issuer, label: params.label, secret: params.secretBase32 });
}
