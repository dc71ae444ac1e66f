import { type SignInMethod, claimsFor } from './claims.ts';
import { parseRecoveryCode, parseSixDigitCode } from './codes.ts';
import { type CoreContext, notify } from './context.ts';
import type { RecoveryCodes } from './factors/recovery.ts';
import type { SmsCodes } from './factors/sms.ts';
import type { Totp } from './factors/totp.ts';
import {
  type CodeMethod,
  type SecondFactorMethod,
  type SignInRequirement,
  signInRequirement,
} from './policy.ts';
import { clinicRegion } from './region.ts';
import { secondFactorThrottleKey, throttleStatus } from './throttle.ts';
import type { TrustedDevices } from './trusted-devices.ts';
import type { ActorContext, StaffMember } from './types.ts';

export type SecondFactorFailure =
  | 'malformed'
  | 'invalid'
  | 'replayed'
  | 'expired'
  | 'too_many_attempts'
  | 'no_code'
  | 'not_enrolled'
  | 'throttled'
  | 'locked';

export type SecondFactorResult =
  | {
      ok: true;
      method: SecondFactorMethod;
      acr: string;
      amr: string[];
      /** After a recovery code: the replacement, to show once. */
      newRecoveryCode: string | null;
    }
  | { ok: false; reason: SecondFactorFailure; retryAt: Date | null };

/**
 * Whether `input` has the shape of a code of `kind`. Checked before the throttle gate: malformed
 * input reveals nothing and changes nothing, so it never holds one of the attempt slots (a burst of
 * it would otherwise keep real attempts out while the slots are held).
 */
export const wellFormedCode = (kind: 'six_digits' | 'recovery', input: unknown): boolean =>
  (kind === 'recovery' ? parseRecoveryCode(input) : parseSixDigitCode(input)) !== null;

/**
 * Outcomes that are guesses keep the attempt's slot (a failure): a wrong code, the wrong code
 * that used up an SMS code's last try, a passkey answer that does not verify or comes from a clone.
 * Every other outcome gives it back.
 */
const isGuess = (result: { reason?: string; checked?: false }) =>
  result.reason === 'invalid' ||
  // A passkey whose counter went backwards (a cloned authenticator) counts against the account too.
  result.reason === 'cloned' ||
  (result.reason === 'too_many_attempts' && result.checked !== false);

/**
 * Wraps a factor check with the account throttle. The attempt first takes a
 * slot in one conditional store update (refused while backing off or locked),
 * so of concurrent attempts exactly as many are checked as the rules allow.
 * Only guesses keep their slot: malformed input, a replay of an accepted code,
 * the loser of a race on a right code or a store error give it back (they
 * reveal nothing, and counting them would lock out a user whose browser
 * submitted the same code twice). A success clears the count. Every outcome is audited.
 */
export async function throttled<T extends { ok: boolean; reason?: string; checked?: false }>(
  ctx: CoreContext,
  actor: ActorContext,
  staff: StaffMember,
  method: string,
  attempt: () => Promise<T>,
): Promise<T | { ok: false; reason: 'throttled' | 'locked'; retryAt: Date | null }> {
  const key = secondFactorThrottleKey(staff.id);
  const cfg = ctx.config.throttle;
  const now = ctx.clock.now();
  const gate = await ctx.stores.throttles.take(key, now, cfg);
  if (!gate.taken) {
    await ctx.audit.record(actor, {
      clinicId: staff.clinicId,
      type: 'second_factor.throttled',
      targetId: staff.id,
      details: { method },
    });
    const status = throttleStatus(gate.state, now, cfg);
    if (status.kind === 'locked') return { ok: false, reason: 'locked', retryAt: null };
    // Open again by the time we read it (a concurrent attempt gave its slot back): retry now.
    return { ok: false, reason: 'throttled', retryAt: status.kind === 'backoff' ? status.retryAt : now };
  }
  const giveBack = () => ctx.stores.throttles.giveBack(key, gate.before, now);
  let result: T;
  try {
    result = await attempt();
  } catch (error) {
    await giveBack().catch(() => undefined);
    throw error;
  }
  if (result.ok) {
    await ctx.stores.throttles.reset(key);
    await ctx.audit.record(actor, {
      clinicId: staff.clinicId,
      type: 'second_factor.succeeded',
      targetId: staff.id,
      details: { method },
    });
  } else if (isGuess(result)) {
    const failures = gate.before.failures + 1;
    await ctx.audit.record(actor, {
      clinicId: staff.clinicId,
      type: 'second_factor.failed',
      targetId: staff.id,
      details: { method, reason: result.reason ?? 'invalid', failures },
    });
    // The store hands out each count once, so exactly one attempt reaches the lock.
    if (failures === cfg.hardLockAfter) {
      await ctx.audit.record(actor, { clinicId: staff.clinicId, type: 'account.locked', targetId: staff.id });
    }
  } else {
    await giveBack();
  }
  return result;
}

/** The second step of sign-in: what is needed, and checking what was typed. */
export function createSecondFactor(
  ctx: CoreContext,
  parts: { totp: Totp; sms: SmsCodes; recovery: RecoveryCodes; devices: TrustedDevices },
) {
  return {
    /**
     * What this staff member needs now. `deviceToken` is the trusted-device
     * cookie, if any; `freshRequired` is set for `max_age` step-ups.
     */
    async requirement(
      staff: StaffMember,
      options: { deviceToken?: unknown; freshRequired?: boolean } = {},
    ): Promise<SignInRequirement> {
      const { stores } = ctx;
      const [clinic, factors, recovery, pause, throttle] = await Promise.all([
        stores.clinics.get(staff.clinicId),
        stores.factors.list(staff.id),
        stores.recoveryCodes.get(staff.id),
        stores.pauses.get(staff.id),
        stores.throttles.get(secondFactorThrottleKey(staff.id)),
      ]);
      const freshRequired = options.freshRequired ?? false;
      const device =
        options.deviceToken && !freshRequired
          ? await parts.devices.check(options.deviceToken, staff.id)
          : null;
      return signInRequirement({
        clinic: clinic ?? { enforceTwoStep: true, allowTrustedDevices: false },
        role: staff.role,
        staffCreatedAt: staff.createdAt,
        factors,
        hasRecoveryCode: recovery !== null,
        pause,
        throttle,
        trustedDevice: device !== null,
        freshRequired,
        now: ctx.clock.now(),
        throttleConfig: ctx.config.throttle,
      });
    },

    /** Checks a code for `method`. Exactly one of several concurrent uses of one code succeeds. */
    async verify(
      actor: ActorContext,
      staff: StaffMember,
      method: CodeMethod,
      code: unknown,
    ): Promise<SecondFactorResult> {
      if (!wellFormedCode(method === 'recovery' ? 'recovery' : 'six_digits', code)) {
        return { ok: false, reason: 'malformed', retryAt: null };
      }
      const result = await throttled(ctx, actor, staff, method, async () => {
        if (method === 'totp') return parts.totp.verify(staff, code);
        if (method === 'sms') return parts.sms.check(staff, 'sign_in', code);
        return parts.recovery.consume(staff, code);
      });
      if (!result.ok)
        return { ok: false, reason: result.reason, retryAt: 'retryAt' in result ? result.retryAt : null };
      const newRecoveryCode = 'newCode' in result ? result.newCode : null;
      if (method === 'recovery') {
        await ctx.audit.record(actor, {
          clinicId: staff.clinicId,
          type: 'recovery_code.used',
          targetId: staff.id,
        });
        // Not fatal: the code is already consumed, and its replacement must reach the user.
        const clinic = await ctx.stores.clinics.get(staff.clinicId).catch(() => null);
        await notify(ctx, {
          kind: 'recovery_code_used',
          to: { staffId: staff.id, email: staff.email, name: staff.name, role: staff.role },
          clinicName: clinic?.name ?? ctx.config.productName,
          timeZone: clinicRegion(clinic, ctx.config).timeZone,
          params: {},
        });
      }
      return { ok: true, method, ...claimsFor(method satisfies SignInMethod), newRecoveryCode };
    },

    /** Sends a sign-in code by SMS (honours the resend cooldown and quotas). */
    sendSmsCode(actor: ActorContext, staff: StaffMember) {
      return parts.sms.send(actor, staff, 'sign_in');
    },
  };
}

export type SecondFactor = ReturnType<typeof createSecondFactor>;
