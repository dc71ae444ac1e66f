/** Provisioning defaults: the admin API's audience and scope, and the welcome link. */

/** The scope a provisioning client's access token needs for every `/api/v1` call. */
export const ADMIN_SCOPE = 'twostep:admin';

/** The admin API's resource indicator (token audience): `<issuer>/api/v1`. */
export function adminAudience(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/api/v1`;
}

export const PROVISIONING_DEFAULTS = {
  /** Lifetime of an admin API access token (client credentials), seconds. */
  accessTokenTTL: 10 * 60,
  /** Lifetime of a welcome (set-your-password) link, seconds. */
  welcomeLinkTTL: 72 * 60 * 60,
  /** Password length bounds on the welcome page, in characters (NIST SP 800-63B-4: ≥ 8, allow ≥ 64). */
  passwordMinLength: 12,
  passwordMaxLength: 256,
  /** JSON bodies of the admin API larger than this are refused with 413. */
  bodyLimitBytes: 16 * 1024,
  /** Page size of `GET /api/v1/staff`. */
  defaultLimit: 50,
  maxLimit: 100,
} as const;
