import type { CoreContext } from './context.ts';
import { activeStaff, notifyStaffAndAdmins } from './context.ts';
import { COMPLIANCE_WARNING } from './defaults.ts';
import { activeKinds, passkeyRequired, type SecondFactorMethod } from './policy.ts';
import { canonicalLocale, isPhoneCountry, isTimeZone } from './region.ts';
import { secondFactorThrottleKey, throttleStatus } from './throttle.ts';
import type { Sessions } from './sessions.ts';
import type { TrustedDevices } from './trusted-devices.ts';
import type { NotificationKind } from './ports.ts';
import {
  type ActorContext,
  type AuditDetails,
  type AuditEventType,
  PHISHING_RESISTANT_SCOPES,
  type Pause,
  type PhishingResistantScope,
  type StaffMember,
} from './types.ts';

/** Refusals of admin actions. `not_found` also covers staff of another clinic: nothing leaks across clinics. */
export type AdminRefusal =
  | 'forbidden'
  | 'not_found'
  | 'self'
  | 'reason_required'
  | 'invalid_duration'
  | 'invalid_region'
  | 'invalid_locale'
  | 'actor_not_enrolled'
  | 'not_paused'
  | 'invalid_scope'
  | 'invalid_grace'
  | 'invalid_contact';

export type AdminResult<T = object> = ({ ok: true } & T) | { ok: false; reason: AdminRefusal };

/** A staff member's 2-Step state, as the console and account page show it. */
export interface TwoStepStatus {
  staffId: string;
  methods: SecondFactorMethod[];
  enrolled: boolean;
  pausedUntil: Date | null;
  throttle: 'open' | 'backoff' | 'locked';
  retryAt: Date | null;
  enforced: boolean;
  /** The person's passkeys, oldest first (names are their owner's labels). */
  passkeys: { id: string; name: string; createdAt: Date; lastUsedAt: Date | null }[];
  /** The clinic's passkey rule covers this person. */
  passkeyRequired: boolean;
}

const MAX_REASON = 500;

/** True when `to` covers fewer people than `from` (off < full_access < everyone). */
export const phishingResistantNarrows = (from: PhishingResistantScope, to: PhishingResistantScope): boolean =>
  PHISHING_RESISTANT_SCOPES.indexOf(to) < PHISHING_RESISTANT_SCOPES.indexOf(from);

function cleanReason(reason: unknown): string | null {
  if (typeof reason !== 'string') return null;
  const trimmed = reason.trim();
  return trimmed.length > 0 && trimmed.length <= MAX_REASON ? trimmed : null;
}

/** What Full Access Users do: clinic policy, and pause, resume, reset, unlock for colleagues. */
export function createAdmin(ctx: CoreContext, parts: { devices: TrustedDevices; sessions: Sessions }) {
  /** The acting Full Access User and, when asked, a colleague in the same clinic. Denials are audited. */
  async function authorize(
    actor: ActorContext,
    targetId?: unknown,
  ): Promise<
    { ok: true; admin: StaffMember; target: StaffMember | null } | { ok: false; reason: AdminRefusal }
  > {
    const admin = await activeStaff(ctx, actor.actorId);
    if (!admin) return { ok: false, reason: 'forbidden' };
    if (admin.role !== 'full_access') {
      await ctx.audit.record(actor, {
        clinicId: admin.clinicId,
        type: 'access.denied',
        targetId: typeof targetId === 'string' ? targetId.slice(0, 128) : null,
        details: { need: 'full_access' },
      });
      return { ok: false, reason: 'forbidden' };
    }
    if (targetId === undefined) return { ok: true, admin, target: null };
    const target = typeof targetId === 'string' ? await ctx.stores.staff.get(targetId) : null;
    if (!target || target.clinicId !== admin.clinicId) return { ok: false, reason: 'not_found' };
    return { ok: true, admin, target };
  }

  /** A colleague the acting Full Access User may act on; `notSelf` for actions another admin must take. */
  async function colleague(
    actor: ActorContext,
    targetId: unknown,
    options: { notSelf?: boolean } = {},
  ): Promise<{ ok: true; admin: StaffMember; target: StaffMember } | { ok: false; reason: AdminRefusal }> {
    const auth = await authorize(actor, targetId);
    if (!auth.ok) return auth;
    if (!auth.target) return { ok: false, reason: 'not_found' };
    if (options.notSelf && auth.target.id === auth.admin.id) return { ok: false, reason: 'self' };
    return { ok: true, admin: auth.admin, target: auth.target };
  }

  async function status(staff: StaffMember): Promise<TwoStepStatus> {
    const [factors, recovery, pause, throttle, clinic] = await Promise.all([
      ctx.stores.factors.list(staff.id),
      ctx.stores.recoveryCodes.get(staff.id),
      ctx.stores.pauses.get(staff.id),
      ctx.stores.throttles.get(secondFactorThrottleKey(staff.id)),
      ctx.stores.clinics.get(staff.clinicId),
    ]);
    const now = ctx.clock.now();
    const methods: SecondFactorMethod[] = activeKinds(factors);
    const enrolled = methods.length > 0;
    if (enrolled && recovery) methods.push('recovery');
    const t = throttleStatus(throttle, now, ctx.config.throttle);
    return {
      staffId: staff.id,
      methods,
      enrolled,
      pausedUntil: pause && pause.until > now ? pause.until : null,
      throttle: t.kind,
      retryAt: t.kind === 'backoff' ? t.retryAt : null,
      enforced: clinic?.enforceTwoStep ?? true,
      passkeys: factors
        .filter((f) => f.kind === 'passkey')
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
        .map((f) => ({ id: f.id, name: f.name, createdAt: f.createdAt, lastUsedAt: f.lastUsedAt })),
      passkeyRequired: passkeyRequired(clinic, staff.role),
    };
  }

  /**
   * A clinic rule made weaker (the compliance warning pattern): audited with the reason and the
   * warning shown, and every Full Access User is emailed, the one who did it included.
   */
  async function weakened(
    actor: ActorContext,
    admin: StaffMember,
    change: {
      type: AuditEventType;
      details: AuditDetails;
      notice: NotificationKind;
      reason: string;
    },
  ): Promise<void> {
    await ctx.audit.record(actor, {
      clinicId: admin.clinicId,
      type: change.type,
      details: { ...change.details, reason: change.reason, warningShown: true },
    });
    await notifyStaffAndAdmins(
      ctx,
      admin,
      { staff: change.notice, admins: change.notice },
      { actor: admin.name, reason: change.reason },
    );
  }

  return {
    authorize,
    status,

    /**
     * Pauses a colleague's 2-Step: they sign in with the password only
     * (`loa:1fa`) until `until`, or until they enroll again, or an admin resumes.
     */
    async pause(
      actor: ActorContext,
      targetId: unknown,
      input: { reason: unknown; hours?: unknown },
    ): Promise<AdminResult<{ pause: Pause }>> {
      const auth = await colleague(actor, targetId, { notSelf: true });
      if (!auth.ok) return auth;
      const { admin, target } = auth;
      const reason = cleanReason(input.reason);
      if (!reason) return { ok: false, reason: 'reason_required' };
      const hours = input.hours === undefined ? ctx.config.pause.defaultHours : input.hours;
      if (
        typeof hours !== 'number' ||
        !Number.isFinite(hours) ||
        hours <= 0 ||
        hours > ctx.config.pause.maxHours
      ) {
        return { ok: false, reason: 'invalid_duration' };
      }
      const now = ctx.clock.now();
      const pause: Pause = {
        staffId: target.id,
        clinicId: target.clinicId,
        until: new Date(now.getTime() + hours * 3_600_000),
        reason,
        pausedBy: admin.id,
        createdAt: now,
      };
      await ctx.stores.pauses.set(pause);
      // Whoever holds a session now signs in again under the paused rules.
      await parts.sessions.endAll(actor, target, 'two_step_paused');
      await ctx.audit.record(actor, {
        clinicId: target.clinicId,
        type: 'two_step.paused',
        targetId: target.id,
        details: { until: pause.until.toISOString(), reason, hours },
      });
      await notifyStaffAndAdmins(
        ctx,
        target,
        { staff: 'two_step_paused', admins: 'colleague_paused' },
        { until: pause.until.toISOString(), reason, actor: admin.name },
        [admin.id],
      );
      return { ok: true, pause };
    },

    async resume(actor: ActorContext, targetId: unknown): Promise<AdminResult> {
      const auth = await colleague(actor, targetId);
      if (!auth.ok) return auth;
      const { target } = auth;
      if (!(await ctx.stores.pauses.clear(target.id))) return { ok: false, reason: 'not_paused' };
      await ctx.audit.record(actor, {
        clinicId: target.clinicId,
        type: 'two_step.resumed',
        targetId: target.id,
      });
      await notifyStaffAndAdmins(ctx, target, { staff: 'two_step_resumed' }, { actor: auth.admin.name });
      return { ok: true };
    },

    /** Removes every factor, the recovery code and trusted devices: the colleague enrolls again. */
    async reset(actor: ActorContext, targetId: unknown, input: { reason: unknown }): Promise<AdminResult> {
      const auth = await colleague(actor, targetId, { notSelf: true });
      if (!auth.ok) return auth;
      const { admin, target } = auth;
      const reason = cleanReason(input.reason);
      if (!reason) return { ok: false, reason: 'reason_required' };
      await ctx.stores.factors.removeAll(target.id);
      await ctx.stores.recoveryCodes.remove(target.id);
      await ctx.stores.smsChallenges.remove(target.id);
      await ctx.stores.pauses.clear(target.id);
      await ctx.stores.throttles.reset(secondFactorThrottleKey(target.id));
      await parts.sessions.endAll(actor, target, 'two_step_reset');
      await parts.devices.revokeAll(actor, target, 'two_step_reset');
      await ctx.audit.record(actor, {
        clinicId: target.clinicId,
        type: 'two_step.reset',
        targetId: target.id,
        details: { reason },
      });
      await notifyStaffAndAdmins(
        ctx,
        target,
        { staff: 'two_step_reset', admins: 'colleague_reset' },
        { reason, actor: admin.name },
        [admin.id],
      );
      return { ok: true };
    },

    /** Clears the failure count, ending a back-off or a hard lock. */
    async unlock(actor: ActorContext, targetId: unknown): Promise<AdminResult> {
      const auth = await colleague(actor, targetId);
      if (!auth.ok) return auth;
      await ctx.stores.throttles.reset(secondFactorThrottleKey(auth.target.id));
      await ctx.audit.record(actor, {
        clinicId: auth.target.clinicId,
        type: 'account.unlocked',
        targetId: auth.target.id,
      });
      return { ok: true };
    },

    async revokeDevices(actor: ActorContext, targetId: unknown): Promise<AdminResult<{ removed: number }>> {
      const auth = await colleague(actor, targetId);
      if (!auth.ok) return auth;
      return { ok: true, removed: await parts.devices.revokeAll(actor, auth.target, 'admin') };
    },

    /**
     * Turns clinic-wide enforcement on (refused until the acting admin has a
     * factor) or off (a reason is required; the compliance warning is returned
     * for the page to show and the admin to confirm first).
     */
    async setEnforcement(
      actor: ActorContext,
      enforce: boolean,
      input: { reason?: unknown } = {},
    ): Promise<AdminResult<{ warning: string | null }>> {
      const auth = await authorize(actor);
      if (!auth.ok) return auth;
      const { admin } = auth;
      if (enforce) {
        if (!(await status(admin)).enrolled) return { ok: false, reason: 'actor_not_enrolled' };
        await ctx.stores.clinics.update(admin.clinicId, { enforceTwoStep: true });
        await ctx.audit.record(actor, { clinicId: admin.clinicId, type: 'policy.enforcement_on' });
        return { ok: true, warning: null };
      }
      const reason = cleanReason(input.reason);
      if (!reason) return { ok: false, reason: 'reason_required' };
      await ctx.stores.clinics.update(admin.clinicId, { enforceTwoStep: false });
      await weakened(actor, admin, {
        type: 'policy.enforcement_off',
        details: {},
        notice: 'enforcement_off',
        reason,
      });
      return { ok: true, warning: COMPLIANCE_WARNING };
    },

    /**
     * Who must sign in with a passkey (`off`, `full_access`, `everyone`). Covering more people is
     * audited; covering fewer needs a reason and follows the compliance warning pattern of
     * turning enforcement off (the page shows the warning and asks for a typed confirmation).
     */
    async setPhishingResistant(
      actor: ActorContext,
      scopeInput: unknown,
      input: { reason?: unknown } = {},
    ): Promise<AdminResult<{ narrowed: boolean }>> {
      const auth = await authorize(actor);
      if (!auth.ok) return auth;
      const { admin } = auth;
      const to = PHISHING_RESISTANT_SCOPES.find((scope) => scope === scopeInput);
      if (!to) return { ok: false, reason: 'invalid_scope' };
      const from = (await ctx.stores.clinics.get(admin.clinicId))?.phishingResistant ?? 'off';
      if (from === to) return { ok: true, narrowed: false };
      const narrowed = phishingResistantNarrows(from, to);
      const reason = cleanReason(input.reason);
      if (narrowed && !reason) return { ok: false, reason: 'reason_required' };
      await ctx.stores.clinics.update(admin.clinicId, { phishingResistant: to });
      const type = 'policy.phishing_resistant_changed';
      if (narrowed && reason) {
        await weakened(actor, admin, {
          type,
          details: { from, to },
          notice: 'phishing_resistant_narrowed',
          reason,
        });
      } else {
        await ctx.audit.record(actor, { clinicId: admin.clinicId, type, details: { from, to } });
      }
      return { ok: true, narrowed };
    },

    async setTrustedDevicesAllowed(actor: ActorContext, allowed: boolean): Promise<AdminResult> {
      const auth = await authorize(actor);
      if (!auth.ok) return auth;
      await ctx.stores.clinics.update(auth.admin.clinicId, { allowTrustedDevices: allowed });
      await ctx.audit.record(actor, {
        clinicId: auth.admin.clinicId,
        type: 'policy.trusted_devices_changed',
        details: { allowed },
      });
      return { ok: true };
    },

    /** The clinic's time zone (IANA) and phone country (ISO 3166 alpha-2); both checked before either is saved. */
    async setRegion(
      actor: ActorContext,
      input: { timeZone?: unknown; country?: unknown },
    ): Promise<AdminResult> {
      const auth = await authorize(actor);
      if (!auth.ok) return auth;
      const { timeZone, country } = input;
      if (!isTimeZone(timeZone) || !isPhoneCountry(country)) return { ok: false, reason: 'invalid_region' };
      await ctx.stores.clinics.update(auth.admin.clinicId, { timeZone, country });
      await ctx.audit.record(actor, {
        clinicId: auth.admin.clinicId,
        type: 'clinic.updated',
        details: { timeZone, country },
      });
      return { ok: true };
    },

    /**
     * The clinic's default language (a BCP 47 tag, stored canonical: `fr-ca` → `fr-CA`): pages,
     * emails and texts for staff who have not chosen their own. Which tags the pages offer is the IdP's.
     */
    async setDefaultLocale(actor: ActorContext, locale: unknown): Promise<AdminResult> {
      const auth = await authorize(actor);
      if (!auth.ok) return auth;
      const canonical = canonicalLocale(locale);
      if (canonical === null) return { ok: false, reason: 'invalid_locale' };
      await ctx.stores.clinics.update(auth.admin.clinicId, { defaultLocale: canonical });
      await ctx.audit.record(actor, {
        clinicId: auth.admin.clinicId,
        type: 'clinic.updated',
        details: { defaultLocale: canonical },
      });
      return { ok: true };
    },

    /** Days new staff get before the clinic's 2-Step rule applies to them: a whole number, 0 (none) to 90. */
    async setEnrollmentGrace(actor: ActorContext, days: unknown): Promise<AdminResult> {
      const auth = await authorize(actor);
      if (!auth.ok) return auth;
      const value = typeof days === 'string' && /^\d{1,2}$/.test(days.trim()) ? Number(days.trim()) : days;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_GRACE_DAYS) {
        return { ok: false, reason: 'invalid_grace' };
      }
      await ctx.stores.clinics.update(auth.admin.clinicId, { enrollmentGraceDays: value });
      await ctx.audit.record(actor, {
        clinicId: auth.admin.clinicId,
        type: 'clinic.updated',
        details: { enrollmentGraceDays: value },
      });
      return { ok: true };
    },

    /** The clinic's own contact for sign-in trouble (shown on the help page): at most 200 characters; empty clears it. */
    async setContact(actor: ActorContext, contact: unknown): Promise<AdminResult> {
      const auth = await authorize(actor);
      if (!auth.ok) return auth;
      const value = typeof contact === 'string' ? contact.trim() : null;
      // One line of plain text: no control characters (a newline, a NUL).
      if (value === null || value.length > 200 || /\p{Cc}/u.test(value)) {
        return { ok: false, reason: 'invalid_contact' };
      }
      await ctx.stores.clinics.update(auth.admin.clinicId, { contact: value });
      await ctx.audit.record(actor, {
        clinicId: auth.admin.clinicId,
        type: 'clinic.updated',
        details: { contact: value },
      });
      return { ok: true };
    },
  };
}

/** The longest enrollment grace period a clinic may give (days). */
export const MAX_GRACE_DAYS = 90;

export type Admin = ReturnType<typeof createAdmin>;
