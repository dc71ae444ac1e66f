import { phoneNumbers } from './factors/phone.ts';
import type { Clinic } from './types.ts';

/** True for an IANA time zone name this runtime knows (`America/Toronto`, `UTC`). */
export function isTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value === '' || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** `value` as a canonical BCP 47 language tag (`fr-ca` → `fr-CA`), or null when it is not one. */
export function canonicalLocale(value: unknown): string | null {
  if (typeof value !== 'string' || value === '' || value.length > 35) return null;
  try {
    const [tag] = Intl.getCanonicalLocales(value);
    return tag ?? null;
  } catch {
    return null;
  }
}

/** True for an ISO 3166 alpha-2 code with a phone numbering plan (`CA`, `GB`). */
export function isPhoneCountry(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Z]{2}$/.test(value) && phoneNumbers().isSupportedCountry(value);
}

/** Every country code with a phone numbering plan, for a settings list. */
export function phoneCountries(): string[] {
  return [...phoneNumbers().getCountries()];
}

/** The clinic's time zone and phone country, each falling back to the server's setting. */
export function clinicRegion(
  clinic: Pick<Clinic, 'timeZone' | 'country'> | null | undefined,
  config: { timeZone: string; phoneCountry?: string | undefined },
): { timeZone: string; country: string | undefined } {
  return {
    timeZone: clinic?.timeZone ?? config.timeZone,
    country: clinic?.country ?? config.phoneCountry,
  };
}
