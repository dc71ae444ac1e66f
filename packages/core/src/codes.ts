/**
 * Parsing of what people type. Anything that is not exactly the expected
 * shape is rejected before it reaches a store: ASCII digits only (no unicode
 * digits), bounded length, spaces and dashes tolerated as separators.
 */

const MAX_INPUT = 64;

/** `"123 456"` → `"123456"`; null for anything but six ASCII digits. */
export function parseSixDigitCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT) return null;
  const compact = input.replace(/[\s-]/g, '');
  return /^[0-9]{6}$/.test(compact) ? compact : null;
}

/** Recovery codes use Crockford's base32 alphabet: no I, L, O, U to misread. */
export const RECOVERY_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 16 symbols × 5 bits = 80 bits. */
export const RECOVERY_LENGTH = 16;

/** `"abcd-efgh …"` → `"ABCDEFGH…"`, mapping I/L→1 and O→0 as Crockford does; null when malformed. */
export function parseRecoveryCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT) return null;
  const compact = input.replace(/[\s-]/g, '').toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
  if (compact.length !== RECOVERY_LENGTH) return null;
  for (const ch of compact) if (!RECOVERY_ALPHABET.includes(ch)) return null;
  return compact;
}

/** `"ABCDEFGHJKMNPQRS"` → `"ABCD-EFGH-JKMN-PQRS"`. */
export function formatRecoveryCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}

/** Random recovery code from 10 random bytes (80 bits) in the recovery alphabet. */
export function encodeRecoveryCode(bytes: Uint8Array): string {
  if (bytes.length * 8 < RECOVERY_LENGTH * 5) throw new RangeError('need 80 random bits');
  let bits = 0n;
  for (const b of bytes.subarray(0, 10)) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < RECOVERY_LENGTH; i++) {
    out = RECOVERY_ALPHABET[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out;
}

/** `"JBSWY3DPEHPK3PXP"` → `"JBSW Y3DP EHPK 3PXP"` for typing into an app by hand. */
export function groupSecret(base32: string): string {
  return base32.match(/.{1,4}/g)?.join(' ') ?? base32;
}
