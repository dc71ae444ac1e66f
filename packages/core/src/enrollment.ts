import type { CoreContext } from './context.ts';
import { newId, notifyStaffAndAdmins } from './context.ts';
import { normalizePhone } from './factors/phone.ts';
import type { RecoveryCodes } from './factors/recovery.ts';
import type { SmsCodes, SmsSendResult } from './factors/sms.ts';
import type { Totp, TotpEnrollment } from './factors/totp.ts';
import { type SecondFactorFailure, throttled, wellFormedCode } from './second-factor.ts';
import type { RevokeCause, TrustedDevices } from './trusted-devices.ts';
import type { ActorContext, FactorKind, StaffMember } from './types.ts';

export type EnrollmentConfirmation =
  | {
      ok: true;
      /** Issued when this is the staff member's first factor: show it once. */
      recoveryCode: string | null;
    }
  | { ok: false; reason: SecondFactorFailure; retryAt?: Date | null };

const FACTOR_NAMES: Record<FactorKind, string> = { totp: 'authenticator app', sms: 'text message (SMS)' };

/** Seconds a factor removal holds its person's slot at most (it is handed back when done). */
const REMOVAL_SLOT_SECONDS = 30;

/** Setting up, replacing and removing factors — at forced enrollment and on the account page. */
export function createEnrollment(
  ctx: CoreContext,
  parts: { totp: Totp; sms: SmsCodes; recovery: RecoveryCodes; devices: TrustedDevices },
) {
  /** After a confirmed factor: first recovery code, a pause ends early, audit, notification. */
  async function completed(
    actor: ActorContext,
    staff: StaffMember,
    kind: FactorKind,
  ): Promise<string | null> {
    const recoveryCode = (await parts.recovery.exists(staff.id))
      ? null
      : await parts.recovery.issue(actor, staff);
    if (await ctx.stores.pauses.clear(staff.id)) {
      await ctx.audit.record(actor, {
        clinicId: staff.clinicId,
        type: 'two_step.resumed',
        targetId: staff.id,
        details: { cause: 're_enrolled' },
      });
    }
    await ctx.audit.record(actor, {
      clinicId: staff.clinicId,
      type: 'factor.enrolled',
      targetId: staff.id,
      details: { factor: kind },
    });
    await notifyStaffAndAdmins(ctx, staff, { staff: 'factor_added' }, { factor: FACTOR_NAMES[kind] });
    return recoveryCode;
  }

  /** Removes a factor of `staff`; the caller holds the person's removal slot. */
  async function removeFactor(
    actor: ActorContext,
    staff: StaffMember,
    kind: FactorKind,
  ): Promise<{ ok: true } | { ok: false; reason: 'not_enrolled' | 'last_factor_enforced' }> {
    const factors = await ctx.stores.factors.list(staff.id);
    const active = factors.filter((f) => f.status === 'active');
    if (!active.some((f) => f.kind === kind)) return { ok: false, reason: 'not_enrolled' };
    const clinic = await ctx.stores.clinics.get(staff.clinicId);
    const last = active.length === 1;
    if (last && (clinic?.enforceTwoStep ?? true)) return { ok: false, reason: 'last_factor_enforced' };
    await ctx.stores.factors.remove(staff.id, kind);
    if (last) {
      await ctx.stores.recoveryCodes.remove(staff.id);
      await parts.devices.revokeAll(actor, staff, 'user' satisfies RevokeCause);
    }
    await ctx.audit.record(actor, {
      clinicId: staff.clinicId,
      type: 'factor.removed',
      targetId: staff.id,
      details: { factor: kind },
    });
    await notifyStaffAndAdmins(ctx, staff, { staff: 'factor_removed' }, { factor: FACTOR_NAMES[kind] });
    return { ok: true };
  }

  return {
    async startTotp(staff: StaffMember): Promise<TotpEnrollment> {
      const clinic = await ctx.stores.clinics.get(staff.clinicId);
      return parts.totp.startEnrollment(staff, clinic?.name);
    },

    async confirmTotp(
      actor: ActorContext,
      staff: StaffMember,
      code: unknown,
    ): Promise<EnrollmentConfirmation> {
      if (!wellFormedCode('six_digits', code)) return { ok: false, reason: 'malformed' };
      const result = await throttled(ctx, actor, staff, 'totp_enroll', () =>
        parts.totp.confirmEnrollment(staff, code),
      );
      if (!result.ok) return result;
      return { ok: true, recoveryCode: await completed(actor, staff, 'totp') };
    },

    /** Saves the phone as pending and texts it a code. */
    async startSms(
      actor: ActorContext,
      staff: StaffMember,
      phoneInput: unknown,
      defaultCountry?: string,
    ): Promise<SmsSendResult | { ok: false; reason: 'invalid_phone' }> {
      const phone = normalizePhone(phoneInput, defaultCountry);
      if (!phone.ok) return phone;
      await ctx.stores.factors.savePending({
        id: newId(ctx),
        kind: 'sms',
        phone: phone.e164,
        createdAt: ctx.clock.now(),
        staffId: staff.id,
        clinicId: staff.clinicId,
        status: 'pending',
        confirmedAt: null,
      });
      return parts.sms.send(actor, staff, 'enroll');
    },

    resendSms(actor: ActorContext, staff: StaffMember): Promise<SmsSendResult> {
      return parts.sms.send(actor, staff, 'enroll');
    },

    async confirmSms(
      actor: ActorContext,
      staff: StaffMember,
      code: unknown,
    ): Promise<EnrollmentConfirmation> {
      if (!wellFormedCode('six_digits', code)) return { ok: false, reason: 'malformed' };
      const result = await throttled(ctx, actor, staff, 'sms_enroll', async () => {
        const check = await parts.sms.check(staff, 'enroll', code);
        if (!check.ok) return check;
        const pending = (await ctx.stores.factors.list(staff.id)).find(
          (f) => f.kind === 'sms' && f.status === 'pending',
        );
        // The code proves the phone it was sent to; a phone changed since then is not proven.
        if (pending?.kind !== 'sms' || pending.phone !== check.challenge.phone) {
          return { ok: false as const, reason: 'not_enrolled' as const };
        }
        const activated = await ctx.stores.factors.activate(
          staff.id,
          'sms',
          pending.id,
          ctx.clock.now(),
          null,
        );
        return activated ? { ok: true as const } : { ok: false as const, reason: 'replayed' as const };
      });
      if (!result.ok) return result;
      return { ok: true, recoveryCode: await completed(actor, staff, 'sms') };
    },

    /**
     * Removes a factor. Refused for the last one when the clinic enforces
     * 2-Step. Removing the last factor also drops the recovery code and
     * trusted devices (they stand in for a factor that no longer exists).
     */
    async remove(
      actor: ActorContext,
      staff: StaffMember,
      kind: FactorKind,
    ): Promise<{ ok: true } | { ok: false; reason: 'not_enrolled' | 'last_factor_enforced' | 'busy' }> {
      // "Not the last factor" reads the list, then removes: two removals at once could both pass
      // and leave none. So one removal per person at a time, taken in one conditional counter
      // update (a second one at the same moment is told to try again).
      const now = ctx.clock.now();
      const slot = `factor-removal:${staff.id}`;
      const until = new Date(now.getTime() + REMOVAL_SLOT_SECONDS * 1000);
      if ((await ctx.stores.counters.increment(slot, until, now)) > 1) return { ok: false, reason: 'busy' };
      try {
        return await removeFactor(actor, staff, kind);
      } finally {
        // Best effort: a slot not handed back ends with its window.
        await ctx.stores.counters.release(slot, until).catch(() => undefined);
      }
    },
    /** A new recovery code (the old one stops working), to show once. */
    regenerateRecoveryCode(actor: ActorContext, staff: StaffMember): Promise<string> {
      return parts.recovery.issue(actor, staff);
    },
  };
}

export type Enrollment = ReturnType<typeof createEnrollment>;
