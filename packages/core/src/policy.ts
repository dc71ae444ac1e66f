import type { CoreConfig } from './config.ts';
import { throttleStatus } from './throttle.ts';
import {
  type Clinic,
  FACTOR_KINDS,
  type FactorKind,
  type Pause,
  type Role,
  type StoredFactor,
  type ThrottleState,
} from './types.ts';

/** Methods checked by typing a code. */
export type CodeMethod = 'totp' | 'sms' | 'recovery';
export type SecondFactorMethod = CodeMethod | 'passkey';

export const isCodeMethod = (method: SecondFactorMethod): method is CodeMethod => method !== 'passkey';

/** The kinds the staff member has an active factor of, in the order sign-in offers them. */
export function activeKinds(factors: readonly StoredFactor[]): FactorKind[] {
  return (Object.keys(FACTOR_KINDS) as FactorKind[]).filter((kind) =>
    factors.some((f) => f.kind === kind && f.status === 'active'),
  );
}

/** Whether the clinic's passkey rule covers a person of this role. */
export function passkeyRequired(clinic: Pick<Clinic, 'phishingResistant'> | null, role: Role): boolean {
  const scope = clinic?.phishingResistant ?? 'off';
  return scope === 'everyone' || (scope === 'full_access' && role === 'full_access');
}

/**
 * The end of a new staff member's grace period for the clinic's 2-Step rule: `enrollmentGraceDays`
 * after their record was created. Null when the clinic gives none (unset or 0).
 */
export function enrollmentGraceUntil(
  clinic: Pick<Clinic, 'enrollmentGraceDays'> | null,
  staffCreatedAt: Date | undefined,
): Date | null {
  const days = clinic?.enrollmentGraceDays ?? 0;
  if (!(days > 0) || !staffCreatedAt) return null;
  return new Date(staffCreatedAt.getTime() + days * 86_400_000);
}

/** What a staff member needs at sign-in, after the password. */
export type SignInRequirement =
  /** Password is enough: 2-Step is not set up and not enforced, or it is paused. */
  | { kind: 'none'; reason: 'not_enrolled' | 'paused'; pausedUntil: Date | null }
  /** A valid trusted-device cookie stands in for the code. */
  | { kind: 'trusted_device' }
  | {
      kind: 'second_factor';
      methods: SecondFactorMethod[];
      /**
       * The clinic's passkey rule covers this person: only a passkey (or the recovery code, as the
       * last resort) is offered, and a sign-in by any other method adds a passkey before it ends.
       */
      passkeyRequired?: true;
    }
  /**
   * Enforced (or the passkey rule covers them) and no factor yet: enroll now — a passkey when
   * `passkeyRequired`. With `graceUntil` the person is new and within the clinic's grace period: they
   * may set it up later, until then.
   */
  | { kind: 'enroll'; passkeyRequired?: true; graceUntil?: Date }
  /** Too many wrong codes: wait until `retryAt`, or (null) ask a Full Access User. */
  | { kind: 'locked'; retryAt: Date | null };

export interface RequirementInput {
  clinic: Pick<
    Clinic,
    'enforceTwoStep' | 'allowTrustedDevices' | 'phishingResistant' | 'enrollmentGraceDays'
  >;
  /** When the person's record was created (their invitation): the enrollment grace period counts from it. */
  staffCreatedAt?: Date;
  /** The person's role, for the clinic's passkey rule (unset: covered only when it covers everyone). */
  role?: Role;
  factors: readonly StoredFactor[];
  hasRecoveryCode: boolean;
  pause: Pause | null;
  throttle: ThrottleState;
  /** A trusted-device cookie for this staff member checked out valid. */
  trustedDevice: boolean;
  /** The relying party asked for a fresh verification (`max_age`): a trusted device does not count. */
  freshRequired: boolean;
  now: Date;
  throttleConfig: CoreConfig['throttle'];
}

/**
 * The sign-in rule, as one pure function. A staff member with 2-Step
 * enrolled always needs it, enforced or not; a pause wins over everything.
 *
 * @example
 * ```ts
 * signInRequirement({ clinic, factors, hasRecoveryCode: true, pause: null,
 *   throttle: { failures: 0, lastFailureAt: null }, trustedDevice: false,
 *   freshRequired: false, now, throttleConfig }); // { kind: 'second_factor', methods: ['totp', 'recovery'] }
 * ```
 */
export function signInRequirement(input: RequirementInput): SignInRequirement {
  if (input.pause && input.pause.until > input.now) {
    return { kind: 'none', reason: 'paused', pausedUntil: input.pause.until };
  }
  const covered = passkeyRequired(input.clinic, input.role ?? 'staff');
  const kinds: SecondFactorMethod[] = activeKinds(input.factors);
  if (kinds.length === 0) {
    if (covered) return { kind: 'enroll', passkeyRequired: true };
    if (!input.clinic.enforceTwoStep) return { kind: 'none', reason: 'not_enrolled', pausedUntil: null };
    const graceUntil = enrollmentGraceUntil(input.clinic, input.staffCreatedAt);
    return graceUntil && graceUntil > input.now ? { kind: 'enroll', graceUntil } : { kind: 'enroll' };
  }
  const throttle = throttleStatus(input.throttle, input.now, input.throttleConfig);
  if (throttle.kind === 'locked') return { kind: 'locked', retryAt: null };
  if (throttle.kind === 'backoff') return { kind: 'locked', retryAt: throttle.retryAt };
  // A remembered device gives loa:2fa at most: it never stands in for a required passkey.
  if (input.trustedDevice && input.clinic.allowTrustedDevices && !input.freshRequired && !covered) {
    return { kind: 'trusted_device' };
  }
  // Under the passkey rule, codes are no way in once a passkey exists (they can be phished);
  // before that, the person's codes prove who they are, then they add a passkey.
  const methods: SecondFactorMethod[] = covered && kinds.includes('passkey') ? ['passkey'] : kinds;
  if (input.hasRecoveryCode) methods.push('recovery');
  return covered
    ? { kind: 'second_factor', methods, passkeyRequired: true }
    : { kind: 'second_factor', methods };
}
