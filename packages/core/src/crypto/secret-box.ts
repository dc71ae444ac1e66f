import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { TwostepError } from '../errors.ts';
import type { SealedSecret } from '../types.ts';

/**
 * Encrypts secrets at rest (TOTP shared secrets). Sealed values name the key
 * that sealed them, so keys can rotate: seal with the newest, open with any.
 */
export interface SecretBox {
  /** `context` (e.g. the staff id) is bound as associated data: a sealed value moved to another record fails to open. */
  seal(plaintext: string, context: string): SealedSecret;
  open(sealed: SealedSecret, context: string): string;
  /** True when `sealed` was made with an older key and should be re-sealed. */
  needsRotation(sealed: SealedSecret): boolean;
}

export interface SecretKey {
  /** Short id stored with every sealed value, e.g. `2026-11`. Letters, digits, `-`, `_`. */
  id: string;
  /** 32 bytes. */
  key: Uint8Array;
}

const FORMAT = 'v1';

/**
 * AES-256-GCM `SecretBox`. The first key seals; every key opens.
 *
 * @example
 * ```ts
 * const box = createAesGcmSecretBox([{ id: 'k1', key: Buffer.from(process.env.TWOSTEP_SECRET_KEY!, 'base64') }]);
 * const sealed = box.seal('JBSWY3DPEHPK3PXP', staffId);
 * box.open(sealed, staffId); // 'JBSWY3DPEHPK3PXP'
 * ```
 */
export function createAesGcmSecretBox(keys: readonly SecretKey[]): SecretBox {
  const current = keys[0];
  if (!current) throw new TwostepError('invalid_config', 'secretBox: at least one key is required');
  const byId = new Map<string, Uint8Array>();
  for (const { id, key } of keys) {
    if (!/^[\w-]{1,32}$/.test(id))
      throw new TwostepError('invalid_config', `secretBox: key id "${id}" is invalid`);
    if (key.length !== 32)
      throw new TwostepError('invalid_config', `secretBox: key "${id}" must be 32 bytes`);
    if (byId.has(id)) throw new TwostepError('invalid_config', `secretBox: key id "${id}" is repeated`);
    byId.set(id, key);
  }

  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url'));
      return [FORMAT, current.id, ...parts].join('.');
    },
    open(sealed, context) {
      const [format, keyId, iv, ciphertext, tag] = sealed.split('.');
      if (format !== FORMAT || !keyId || iv === undefined || ciphertext === undefined || tag === undefined) {
        throw new TwostepError('decrypt_failed', 'sealed secret is malformed');
      }
      const key = byId.get(keyId);
      if (!key) throw new TwostepError('unknown_key', `sealed with key "${keyId}", which is not configured`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([
          decipher.update(Buffer.from(ciphertext, 'base64url')),
          decipher.final(),
        ]).toString('utf8');
      } catch (cause) {
        throw new TwostepError('decrypt_failed', 'sealed secret failed to open (wrong key or context)', {
          cause,
        });
      }
    },
    needsRotation(sealed) {
      return sealed.split('.')[1] !== current.id;
    },
  };
}

/** The id of the key that sealed `sealed` (it is stored in the clear), or null when malformed. */
export function sealedKeyId(sealed: SealedSecret): string | null {
  const [format, keyId] = sealed.split('.');
  return format === FORMAT && keyId ? keyId : null;
}
