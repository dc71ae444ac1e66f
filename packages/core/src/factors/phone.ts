import { createRequire } from 'node:module';
import type * as Libphonenumber from 'libphonenumber-js';
import type { CountryCode } from 'libphonenumber-js';

let library: typeof Libphonenumber | undefined;
/**
 * libphonenumber-js, loaded at the first phone number or country check rather than at start: its
 * metadata and modules are several MB of every process, and most requests never read a phone number.
 */
export const phoneNumbers = (): typeof Libphonenumber =>
  (library ??= createRequire(import.meta.url)('libphonenumber-js'));

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: 'invalid_phone' };

/**
 * Normalizes a typed phone number to E.164. `defaultCountry` (ISO 3166
 * alpha-2, e.g. `CA`) applies to numbers typed without `+`.
 *
 * @example
 * ```ts
 * normalizePhone('(416) 555-0123', 'CA'); // { ok: true, e164: '+14165550123' }
 * ```
 */
export function normalizePhone(input: unknown, defaultCountry?: string): PhoneResult {
  if (typeof input !== 'string' || input.length > 40) return { ok: false, reason: 'invalid_phone' };
  const country =
    defaultCountry && /^[A-Z]{2}$/.test(defaultCountry) ? (defaultCountry as CountryCode) : undefined;
  const parsed = phoneNumbers().parsePhoneNumberFromString(input, country);
  if (!parsed?.isValid()) return { ok: false, reason: 'invalid_phone' };
  return { ok: true, e164: parsed.number };
}

/** `+14165550123` → `•••• 0123`, for pages and audit details. */
export function maskPhone(e164: string): string {
  return `•••• ${e164.slice(-4)}`;
}
