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
} as const;

export type Acr = (typeof ACR)[keyof typeof ACR];

/** How the second step of a sign-in was satisfied. */
export type SignInMethod = 'password' | 'totp' | 'sms' | 'recovery' | 'trusted_device';

const AMR: Record<SignInMethod, readonly string[]> = {
  password: ['pwd'],
  totp: ['pwd', 'otp', 'mfa'],
  sms: ['pwd', 'sms', 'mfa'],
  recovery: ['pwd', 'recovery', 'mfa'],
  trusted_device: ['pwd', 'trusted_device', 'mfa'],
};

/**
 * `acr` and `amr` for a completed sign-in.
 *
 * @example
 * ```ts
 * claimsFor('totp'); // { acr: 'urn:twostep:loa:2fa', amr: ['pwd', 'otp', 'mfa'] }
 * ```
 */
export function claimsFor(method: SignInMethod): { acr: Acr; amr: string[] } {
  return { acr: method === 'password' ? ACR.oneFactor : ACR.twoFactor, amr: [...AMR[method]] };
}

/** Whether `acr` meets `required`: 2fa meets 1fa; an unknown value, given or required, meets nothing (fail closed). */
export function acrSatisfies(acr: string | undefined, required: string): boolean {
  const rank = (value: string | undefined) => (value === ACR.twoFactor ? 2 : value === ACR.oneFactor ? 1 : 0);
  return rank(acr) > 0 && rank(required) > 0 && rank(acr) >= rank(required);
}
