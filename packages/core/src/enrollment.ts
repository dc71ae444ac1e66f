import type { CoreContext } from './context.ts';
import { newId, notifyStaffAndAdmins } from './context.ts';
import { normalizePhone } from './factors/phone.ts';
import { clinicRegion } from './region.ts';
import type { RecoveryCodes } from './factors/recovery.ts';
import type { SmsCodes, SmsSendResult } from './factors/sms.ts';
import type { Totp, TotpEnrollment } from './factors/totp.ts';
import { passkeyRequired } from './policy.ts';
import { type SecondFactorFailure, throttled, wellFormedCode } from './second-factor.ts';
import type { RevokeCause, TrustedDevices } from './trusted-devices.ts';
import type { StoredPasskey } from './ports.ts';
import type { ActorContext, AuditDetails, FactorKind, StaffMember, StoredFactor } from './types.ts';

export type EnrollmentConfirmation =
  | {
      ok: true;
      /** Issued when this is the staff member's first factor: show it once. */
      recoveryCode: string | null;
    }
  | { ok: false; reason: SecondFactorFailure; retryAt?: Date | null };

const FACTOR_NAMES: Record<FactorKind, string> = {
  totp: 'authenticator app',
  sms: 'text message (SMS)',
  passkey: 'passkey',
};

/** How a factor is named in emails: one passkey by its owner's name for it; every passkey as "passkeys". */
const describe = (factor: FactorRef): string =>
  factor.kind !== 'passkey'
    ? FACTOR_NAMES[factor.kind]
    : factor.name === undefined
      ? 'passkeys'
      : `passkey "${factor.name}"`;

/**
 * A factor in a notification: `factor` in English words, and `factorKind` (plus `factorName`
 * for one passkey) so a notifier can name it in the recipient's language.
 */
const factorParams = (factor: FactorRef): Record<string, string> => ({
  factor: describe(factor),
  factorKind: factor.kind,
  ...(factor.kind === 'passkey' && factor.name !== undefined ? { factorName: factor.name } : {}),
});

/** A factor in audit details: its kind, and a passkey's name when it is one passkey. */
const auditDetails = (factor: FactorRef): AuditDetails =>
  factor.name === undefined ? { factor: factor.kind } : { factor: factor.kind, name: factor.name };

type FactorRef = Pick<StoredFactor, 'kind'> & { name?: string };

/** The longest passkey name kept (names are labels, not content). */
export const PASSKEY_NAME_MAX = 60;

/** A passkey name: trimmed, control characters dropped, at most {@link PASSKEY_NAME_MAX} characters; null when empty. */
export function passkeyName(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const name = input
    .replace(/\p{Cc}/gu, '')
    .trim()
    .slice(0, PASSKEY_NAME_MAX)
    .trim();
  return name === '' ? null : name;
}

export type NewPasskey = Omit<
  StoredPasskey,
  'id' | 'kind' | 'staffId' | 'clinicId' | 'status' | 'confirmedAt' | 'createdAt' | 'lastUsedAt' | 'name'
>;

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
    factor: FactorRef,
    /** An active one of the same kind was there before (a new phone or app): told as replaced. */
    replaced = false,
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
    await announce(actor, staff, replaced ? 'replaced' : 'added', factor);
    return recoveryCode;
  }

  const hasActive = async (staff: StaffMember, kind: 'totp' | 'sms') =>
    (await ctx.stores.factors.list(staff.id)).some((f) => f.kind === kind && f.status === 'active');

  /** Audits a factor added or removed and tells the staff member (and Full Access Users, per notice). */
  async function announce(
    actor: ActorContext,
    staff: StaffMember,
    change: 'added' | 'replaced' | 'removed',
    factor: FactorRef,
    /** The last method removed: 2-Step turned off, for this reason (Full Access Users are told). */
    turnedOff?: { reason: string },
  ) {
    await ctx.audit.record(actor, {
      clinicId: staff.clinicId,
      type: change === 'removed' ? 'factor.removed' : 'factor.enrolled',
      targetId: staff.id,
      details: turnedOff
        ? { ...auditDetails(factor), twoStepOff: true, reason: turnedOff.reason }
        : change === 'replaced'
          ? { ...auditDetails(factor), replaced: true }
          : auditDetails(factor),
    });
    const notice = change === 'removed' ? 'factor_removed' : (`factor_${change}` as const);
    if (turnedOff) {
      await notifyStaffAndAdmins(
        ctx,
        staff,
        { staff: notice, admins: 'colleague_two_step_off' },
        { ...factorParams(factor), reason: turnedOff.reason },
      );
    } else {
      await notifyStaffAndAdmins(ctx, staff, { staff: notice }, factorParams(factor));
    }
  }

  type Removal =
    | { ok: true }
    | {
        ok: false;
        reason:
          | 'not_enrolled'
          | 'last_factor_enforced'
          | 'last_passkey_required'
          | 'reason_required'
          | 'busy';
      };

  /**
   * Removes `doomed` (every factor of a kind, or one passkey). Refused when nothing else stays
   * active and the clinic enforces 2-Step. Removing the last method (turning one's 2-Step off)
   * needs a `reason` and emails every Full Access User; it also drops the recovery code and
   * trusted devices (they stand in for a factor that no longer exists).
   */
  async function removeFactors(
    actor: ActorContext,
    staff: StaffMember,
    doomed: (factor: StoredFactor) => boolean,
    removeFromStore: () => Promise<boolean>,
    reasonInput: unknown,
  ): Promise<Removal> {
    // "Not the last factor" reads the list, then removes: two removals at once could both pass
    // and leave none. So one removal per person at a time, taken in one conditional counter
    // update (a second one at the same moment is told to try again).
    const now = ctx.clock.now();
    const slot = `factor-removal:${staff.id}`;
    const until = new Date(now.getTime() + REMOVAL_SLOT_SECONDS * 1000);
    if ((await ctx.stores.counters.increment(slot, until, now)) > 1) return { ok: false, reason: 'busy' };
    try {
      return await removeHoldingSlot(actor, staff, doomed, removeFromStore, reasonInput);
    } finally {
      // Best effort: a slot not handed back ends with its window.
      await ctx.stores.counters.release(slot, until).catch(() => undefined);
    }
  }

  /** `removeFactors` once the person's removal slot is held. */
  async function removeHoldingSlot(
    actor: ActorContext,
    staff: StaffMember,
    doomed: (factor: StoredFactor) => boolean,
    removeFromStore: () => Promise<boolean>,
    reasonInput: unknown,
  ): Promise<Removal> {
    const active = (await ctx.stores.factors.list(staff.id)).filter((f) => f.status === 'active');
    const removed = active.filter(doomed);
    if (removed.length === 0) return { ok: false, reason: 'not_enrolled' };
    const clinic = await ctx.stores.clinics.get(staff.clinicId);
    const last = removed.length === active.length;
    if (last && (clinic?.enforceTwoStep ?? true)) return { ok: false, reason: 'last_factor_enforced' };
    // The clinic's passkey rule: whoever it covers keeps at least one passkey.
    const keepsPasskey = active.some((f) => f.kind === 'passkey' && !doomed(f));
    if (removed.some((f) => f.kind === 'passkey') && !keepsPasskey && passkeyRequired(clinic, staff.role)) {
      return { ok: false, reason: 'last_passkey_required' };
    }
    // Turning one's own 2-Step off is a policy-sized change: a reason, kept in the audit log and emailed.
    const reason = typeof reasonInput === 'string' ? reasonInput.trim().slice(0, 500) : '';
    if (last && !reason) return { ok: false, reason: 'reason_required' };
    if (!(await removeFromStore())) return { ok: false, reason: 'not_enrolled' };
    if (last) {
      await ctx.stores.recoveryCodes.remove(staff.id);
      await parts.devices.revokeAll(actor, staff, 'user' satisfies RevokeCause);
    }
    const first = removed[0]!;
    const ref = removed.length === 1 ? first : { kind: first.kind };
    await announce(actor, staff, 'removed', ref, last ? { reason } : undefined);
    return { ok: true };
  }

  return {
    async startTotp(staff: StaffMember): Promise<TotpEnrollment> {
      const clinic = await ctx.stores.clinics.get(staff.clinicId);
      return parts.totp.startEnrollment(staff, clinic?.name);
    },

    /** The authenticator app being set up, shown again (same key and QR code); null when none is. */
    async pendingTotp(staff: StaffMember): Promise<TotpEnrollment | null> {
      const clinic = await ctx.stores.clinics.get(staff.clinicId);
      return parts.totp.pendingEnrollment(staff, clinic?.name);
    },

    async confirmTotp(
      actor: ActorContext,
      staff: StaffMember,
      code: unknown,
    ): Promise<EnrollmentConfirmation> {
      if (!wellFormedCode('six_digits', code)) return { ok: false, reason: 'malformed' };
      const replaced = await hasActive(staff, 'totp');
      const result = await throttled(ctx, actor, staff, 'totp_enroll', () =>
        parts.totp.confirmEnrollment(staff, code),
      );
      if (!result.ok) return result;
      return { ok: true, recoveryCode: await completed(actor, staff, { kind: 'totp' }, replaced) };
    },

    /**
     * Saves the phone as pending and texts it a code. A number without `+` is read in `defaultCountry`,
     * else the clinic's country, else the server's `phoneCountry`. `e164` is the number as understood,
     * to show back for confirmation.
     */
    async startSms(
      actor: ActorContext,
      staff: StaffMember,
      phoneInput: unknown,
      defaultCountry?: string,
    ): Promise<(SmsSendResult & { e164: string }) | { ok: false; reason: 'invalid_phone' }> {
      const country =
        defaultCountry ?? clinicRegion(await ctx.stores.clinics.get(staff.clinicId), ctx.config).country;
      const phone = normalizePhone(phoneInput, country);
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
      return { ...(await parts.sms.send(actor, staff, 'enroll')), e164: phone.e164 };
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
      const replaced = await hasActive(staff, 'sms');
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
      return { ok: true, recoveryCode: await completed(actor, staff, { kind: 'sms' }, replaced) };
    },

    /**
     * Stores a passkey whose registration the caller verified (WebAuthn), named by its owner.
     * `duplicate` when that credential is already registered (to anyone).
     */
    async addPasskey(
      actor: ActorContext,
      staff: StaffMember,
      credential: NewPasskey,
      nameInput: unknown,
    ): Promise<
      | { ok: true; passkey: StoredPasskey; recoveryCode: string | null }
      | { ok: false; reason: 'invalid_name' | 'duplicate' }
    > {
      const name = passkeyName(nameInput);
      if (name === null) return { ok: false, reason: 'invalid_name' };
      const now = ctx.clock.now();
      const passkey: StoredPasskey = {
        ...credential,
        transports: [...credential.transports],
        id: newId(ctx),
        kind: 'passkey',
        name,
        lastUsedAt: null,
        createdAt: now,
        staffId: staff.id,
        clinicId: staff.clinicId,
        status: 'active',
        confirmedAt: now,
      };
      if (!(await ctx.stores.factors.addPasskey(passkey))) return { ok: false, reason: 'duplicate' };
      return { ok: true, passkey, recoveryCode: await completed(actor, staff, passkey) };
    },

    /** Renames one of the staff member's passkeys; audited, and the owner is emailed (old and new name). */
    async renamePasskey(
      actor: ActorContext,
      staff: StaffMember,
      factorId: unknown,
      nameInput: unknown,
    ): Promise<{ ok: true } | { ok: false; reason: 'invalid_name' | 'not_enrolled' }> {
      const name = passkeyName(nameInput);
      if (name === null) return { ok: false, reason: 'invalid_name' };
      if (typeof factorId !== 'string') return { ok: false, reason: 'not_enrolled' };
      const before = (await ctx.stores.factors.list(staff.id)).find(
        (f) => f.kind === 'passkey' && f.id === factorId,
      );
      if (before?.kind !== 'passkey') return { ok: false, reason: 'not_enrolled' };
      if (!(await ctx.stores.factors.renamePasskey(staff.id, factorId, name))) {
        return { ok: false, reason: 'not_enrolled' };
      }
      if (before.name === name) return { ok: true };
      await ctx.audit.record(actor, {
        clinicId: staff.clinicId,
        type: 'passkey.renamed',
        targetId: staff.id,
        details: { from: before.name, to: name },
      });
      await notifyStaffAndAdmins(ctx, staff, { staff: 'passkey_renamed' }, { from: before.name, to: name });
      return { ok: true };
    },

    /** Removes every factor of `kind` (every passkey for `passkey`): see `removeFactors`. */
    remove(actor: ActorContext, staff: StaffMember, kind: FactorKind, input: { reason?: unknown } = {}) {
      return removeFactors(
        actor,
        staff,
        (f) => f.kind === kind,
        () => ctx.stores.factors.remove(staff.id, kind),
        input.reason,
      );
    },

    /** Removes one passkey; the same rules as `remove`. */
    removePasskey(
      actor: ActorContext,
      staff: StaffMember,
      factorId: unknown,
      input: { reason?: unknown } = {},
    ) {
      const id = typeof factorId === 'string' ? factorId : '';
      return removeFactors(
        actor,
        staff,
        (f) => f.kind === 'passkey' && f.id === id,
        () => ctx.stores.factors.removeOne(staff.id, id),
        input.reason,
      );
    },
    /** A new recovery code (the old one stops working), to show once. */
    regenerateRecoveryCode(actor: ActorContext, staff: StaffMember): Promise<string> {
      return parts.recovery.issue(actor, staff);
    },
  };
}

export type Enrollment = ReturnType<typeof createEnrollment>;
