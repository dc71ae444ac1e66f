/**
 * ID Token (and userinfo) claims as twostep emits them (docs/architecture.md, "Claims"). Extend it with
 * declaration merging if your IdP adds claims:
 *
 * @example
 * ```ts
 * declare module '@twostep/express-mfa' {
 *   interface TwostepClaims { clinic_id?: string }
 * }
 * app.get('/me', (req, res) => res.json({ name: req.twostep.claims?.name }));
 * ```
 */
export interface TwostepClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  /** `urn:twostep:loa:1fa` (password only) or `urn:twostep:loa:2fa` (password + second factor). */
  acr?: string;
  /** e.g. `["pwd","otp","mfa"]`. */
  amr?: string[];
  /** Seconds since the epoch of the last interactive verification. */
  auth_time?: number;
  /** Profile claims (scope `profile`), from the ID Token or, fetched once at sign-in, userinfo. */
  name?: string;
  given_name?: string;
  family_name?: string;
  /** BCP 47 language tag, e.g. `fr-CA`, when the IdP knows it. */
  locale?: string;
  /** Scope `email`. */
  email?: string;
  email_verified?: boolean;
  [claim: string]: unknown;
}

/**
 * Claims of a JWT access token (RFC 9068) with the authentication context of RFC 9470 §6.
 *
 * @example
 * ```ts
 * app.get('/api/chart', mw.requireBearer({ audience }), (req, res) => res.json({ by: req.twostepBearer?.claims.sub }));
 * ```
 */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  client_id?: string;
  scope?: string;
  jti?: string;
  acr?: string;
  amr?: string[];
  auth_time?: number;
  [claim: string]: unknown;
}

/**
 * What a route needs: an `acr` at least this strong and/or a verification at most `maxAge` seconds old.
 *
 * @example
 * ```ts
 * const chart: StepUpRequirement = { acr: 'urn:twostep:loa:2fa', maxAge: 600 };
 * ```
 */
export interface StepUpRequirement {
  acr?: string | undefined;
  maxAge?: number | undefined;
}

/**
 * `amr` of a sign-in where a remembered device stood in for the second factor. Its `auth_time` is the
 * password's; the second factor is as old as the device's trust, so it never meets a `maxAge`
 * (docs/architecture.md, "Claims": a trusted-device skip never satisfies a max_age step-up).
 */
const TRUSTED_DEVICE_AMR = 'trusted_device';

/** Why an authentication context does not meet a requirement, or `undefined` when it does. */
export type UnmetRequirement = 'acr' | 'max_age' | undefined;

/**
 * Checks an authentication context against a requirement. `acrValues` ranks known values weakest first,
 * so a stronger acr satisfies a weaker requirement; an unknown acr satisfies only an identical one.
 *
 * @example
 * ```ts
 * unmetRequirement({ acr: 'urn:twostep:loa:2fa', auth_time: 1_700_000_000 }, { maxAge: 600 },
 *   { nowSeconds: 1_700_000_300, clockTolerance: 30, acrValues: TWOSTEP_ACR_VALUES }); // undefined: satisfied
 * ```
 */
export function unmetRequirement(
  context: { acr?: unknown; amr?: unknown; auth_time?: unknown },
  requirement: StepUpRequirement,
  env: { nowSeconds: number; clockTolerance: number; acrValues: readonly string[] },
): UnmetRequirement {
  if (requirement.acr !== undefined && !acrSatisfies(context.acr, requirement.acr, env.acrValues))
    return 'acr';
  if (requirement.maxAge !== undefined) {
    if (Array.isArray(context.amr) && context.amr.includes(TRUSTED_DEVICE_AMR)) return 'max_age';
    const authTime = context.auth_time;
    if (typeof authTime !== 'number' || !Number.isFinite(authTime)) return 'max_age';
    // A future auth_time beyond the tolerance is as suspicious as a stale one.
    if (authTime > env.nowSeconds + env.clockTolerance) return 'max_age';
    if (env.nowSeconds - authTime > requirement.maxAge + env.clockTolerance) return 'max_age';
  }
  return undefined;
}

function acrSatisfies(actual: unknown, required: string, acrValues: readonly string[]): boolean {
  if (typeof actual !== 'string') return false;
  if (actual === required) return true;
  const have = acrValues.indexOf(actual);
  const need = acrValues.indexOf(required);
  return have !== -1 && need !== -1 && have >= need;
}
