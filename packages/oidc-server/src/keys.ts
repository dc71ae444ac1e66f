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

/** A fresh RS256 signing key (RS256 is what every OIDC client supports). */
export function generateSigningKey(kid = `sig-${randomBytes(6).toString('base64url')}`): JWK {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' };
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
      jwks: { keys: [generateSigningKey()] },
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
