import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  consoleLogger,
  createAesGcmSecretBox,
  type Logger,
  type SecretBox,
  type SecretKey,
} from '@twostep/core';
import type { JWK } from 'oidc-provider';

/** Signing algorithms a key can be made for. RS256 is what every OIDC client supports. */
export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA';

/**
 * A fresh signing key: RS256 (RSA 2048) by default; ES256 (P-256) or EdDSA (Ed25519) for
 * clients that choose them (`id_token_signed_response_alg`): far cheaper to sign with, which
 * matters on every token grant.
 */
export function generateSigningKey(
  kid = `sig-${randomBytes(6).toString('base64url')}`,
  alg: SigningAlg = 'RS256',
): JWK {
  const { privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' };
}

/** True when `key` can sign with `alg` (RS256: RSA; ES256: EC P-256; EdDSA: OKP Ed25519). */
export function keySignsWith(key: JWK, alg: string): boolean {
  if (key.alg !== undefined && key.alg !== alg) return false;
  if (alg === 'RS256' || alg === 'PS256') return key.kty === 'RSA';
  if (alg === 'ES256') return key.kty === 'EC' && key.crv === 'P-256';
  if (alg === 'EdDSA' || alg === 'Ed25519') return key.kty === 'OKP' && key.crv === 'Ed25519';
  return false;
}

export function generateCookieKey(): string {
  return randomBytes(32).toString('base64url');
}

export interface DevelopmentKeys {
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  secretKeys: SecretKey[];
  secretBox: SecretBox;
  hashKey: Uint8Array;
}

interface StoredKeys {
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  secretKey: { id: string; key: string };
  hashKey: string;
}

/**
 * Development only: loads, or generates and saves (mode 0600), the signing
 * keys, cookie keys, secret-box key and hash key in a JSON file, so a demo
 * keeps its sessions and enrolled authenticators across restarts. Warns: in
 * production, load these from a secret manager.
 *
 * @example
 * ```ts
 * const keys = developmentKeys('.data/dev-keys.json');
 * createIdp({ ...keys, issuer, stores, smsSender, clients });
 * ```
 */
export function developmentKeys(path: string, logger: Logger = consoleLogger): DevelopmentKeys {
  let stored: StoredKeys;
  if (existsSync(path)) {
    stored = JSON.parse(readFileSync(path, 'utf8')) as StoredKeys;
  } else {
    stored = {
      jwks: { keys: [generateSigningKey(), generateSigningKey(undefined, 'ES256')] },
      cookieKeys: [generateCookieKey()],
      secretKey: { id: `dev-${randomBytes(3).toString('hex')}`, key: randomBytes(32).toString('base64') },
      hashKey: randomBytes(32).toString('base64'),
    };
    writeFileSync(path, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  }
  logger.warn(`development keys from ${path}: never use them in production`);
  const secretKeys = [
    { id: stored.secretKey.id, key: new Uint8Array(Buffer.from(stored.secretKey.key, 'base64')) },
  ];
  return {
    jwks: stored.jwks,
    cookieKeys: stored.cookieKeys,
    secretKeys,
    secretBox: createAesGcmSecretBox(secretKeys),
    hashKey: new Uint8Array(Buffer.from(stored.hashKey, 'base64')),
  };
}
