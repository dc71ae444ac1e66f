/**
 * The contract between the IdP and every relying party: how a completed
 * sign-in maps to `acr` and `amr` (docs/architecture.md, "Claims"). Dependency-free,
 * exported as `@twostep/core/claims` for relying parties.
 */

export const ACR = {
  /** Password only: 2-Step not required, or paused by a Full Access User. */
  oneFactor: 'urn:twostep:loa:1fa',
  /** Password plus a second factor (or a trusted device remembered after one). */
  twoFactor: 'urn:twostep:loa:2fa',
  /**
   * Phishing-resistant: a passkey (WebAuthn, bound to the IdP's origin), after the password or
   * alone. Ranks above `loa:2fa`; a trusted device never gives it.
   */
  phishingResistant: 'urn:twostep:loa:phr',
} as const;

export type Acr = (typeof ACR)[keyof typeof ACR];

/** How the second step of a sign-in was satisfied. */
export type SignInMethod =
  | 'password'
  | 'totp'
  | 'sms'
  | 'recovery'
  | 'trusted_device'
  /** A device-bound passkey (WebAuthn backup-eligible flag not set). */
  | 'passkey'
  /** A synced passkey (backup-eligible: the key can be copied to the person's other devices). */
  | 'synced_passkey'
  /** A passkey alone, without a password (discoverable credential): device-bound… */
  | 'passwordless_passkey'
  /** …or synced. */
  | 'passwordless_synced_passkey';

/**
 * RFC 8176 values for passkeys: `hwk` for a device-bound key (it never leaves the authenticator),
 * `swk` for a synced one (its key material is copied between devices by the passkey provider), and
 * `user` because user verification is required (a PIN or biometric on the device; which one is
 * not known to the server, so neither `pin` nor `fpt` is claimed). A passkey alone has no `pwd`
 * and still `mfa`: the device (something you have) unlocked by user verification (something you
 * know or are).
 */

const AMR: Record<SignInMethod, readonly string[]> = {
  password: ['pwd'],
  totp: ['pwd', 'otp', 'mfa'],
  sms: ['pwd', 'sms', 'mfa'],
  recovery: ['pwd', 'recovery', 'mfa'],
  trusted_device: ['pwd', 'trusted_device', 'mfa'],
  passkey: ['pwd', 'hwk', 'user', 'mfa'],
  synced_passkey: ['pwd', 'swk', 'user', 'mfa'],
  passwordless_passkey: ['hwk', 'user', 'mfa'],
  passwordless_synced_passkey: ['swk', 'user', 'mfa'],
};

const isPasskey = (method: SignInMethod) => method.endsWith('passkey');

/**
 * `acr` and `amr` for a completed sign-in.
 *
 * @example
 * ```ts
 * claimsFor('totp'); // { acr: 'urn:twostep:loa:2fa', amr: ['pwd', 'otp', 'mfa'] }
 * ```
 */
export function claimsFor(method: SignInMethod): { acr: Acr; amr: string[] } {
  const acr =
    method === 'password' ? ACR.oneFactor : isPasskey(method) ? ACR.phishingResistant : ACR.twoFactor;
  return { acr, amr: [...AMR[method]] };
}

/** Weakest first. */
const RANKED: readonly string[] = [ACR.oneFactor, ACR.twoFactor, ACR.phishingResistant];

/**
 * Whether `acr` meets `required`: phr meets 2fa meets 1fa; an unknown value, given or required,
 * meets nothing (fail closed).
 */
export function acrSatisfies(acr: string | undefined, required: string): boolean {
  const rank = (value: string | undefined) => (value === undefined ? 0 : RANKED.indexOf(value) + 1);
  return rank(acr) > 0 && rank(required) > 0 && rank(acr) >= rank(required);
}
