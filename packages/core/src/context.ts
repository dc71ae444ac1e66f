import type { AuditLog } from './audit.ts';
import type { CoreConfig } from './config.ts';
import type { SecretBox } from './crypto/secret-box.ts';
import type {
  Clock,
  Logger,
  Notification,
  Notifier,
  Random,
  SmsCodeText,
  SmsSender,
  Stores,
} from './ports.ts';
import { clinicRegion } from './region.ts';
import type { Clinic, StaffMember } from './types.ts';

/** What every rule module is given: the ports, the parsed config, the audit log. */
export interface CoreContext {
  stores: Stores;
  clock: Clock;
  random: Random;
  secretBox: SecretBox;
  /** Keys for HMACs of low-entropy codes (SMS), newest first, each ≥ 32 bytes: the first hashes, all check. */
  hashKeys: readonly Uint8Array[];
  smsSender: SmsSender;
  notifier: Notifier;
  /** The words of a code text (the IdP's catalog in the recipient's language; English by default). */
  smsText: (text: SmsCodeText) => string;
  logger: Logger;
  config: CoreConfig;
  audit: AuditLog;
}

/** 128-bit random id, base64url. */
export function newId(ctx: Pick<CoreContext, 'random'>): string {
  return Buffer.from(ctx.random.bytes(16)).toString('base64url');
}

/** The staff member when they exist and are active; null otherwise (callers answer alike, no enumeration). */
export async function activeStaff(ctx: CoreContext, staffId: unknown): Promise<StaffMember | null> {
  if (typeof staffId !== 'string' || staffId.length === 0 || staffId.length > 128) return null;
  const staff = await ctx.stores.staff.get(staffId);
  return staff?.active ? staff : null;
}

/** The language someone reads their messages in: their own, else their clinic's default (unset: the sender's). */
export function recipientLocale(
  staff: Pick<StaffMember, 'locale'> | null | undefined,
  clinic: Pick<Clinic, 'defaultLocale'> | null | undefined,
): string | undefined {
  return staff?.locale ?? clinic?.defaultLocale;
}

/**
 * Sends a notification in the recipient's language (looked up when the sender did not say); a
 * failure is logged, never fatal (a security change must not wait on email).
 */
export async function notify(ctx: CoreContext, notification: Notification): Promise<void> {
  try {
    if (notification.locale === undefined) {
      const staff = await ctx.stores.staff.get(notification.to.staffId);
      const clinic = staff ? await ctx.stores.clinics.get(staff.clinicId) : null;
      const locale = recipientLocale(staff, clinic);
      if (locale !== undefined) notification = { ...notification, locale };
    }
    await ctx.notifier.notify(notification);
  } catch (error) {
    ctx.logger.error('notification failed', {
      kind: notification.kind,
      staffId: notification.to.staffId,
      error,
    });
  }
}

/** Notifies `staff` and, when given, every other active Full Access User of the clinic. */
export async function notifyStaffAndAdmins(
  ctx: CoreContext,
  staff: StaffMember,
  kinds: { staff: Notification['kind']; admins?: Notification['kind'] },
  params: Record<string, string>,
  except: string[] = [],
): Promise<void> {
  // Runs after the change is stored and audited: a store error here must not turn a done change
  // into a reported failure (the caller would retry it, or lose a recovery code just shown).
  const clinic = await ctx.stores.clinics.get(staff.clinicId).catch(() => null);
  const clinicName = clinic?.name ?? ctx.config.productName;
  const { timeZone } = clinicRegion(clinic, ctx.config);
  const to = (s: StaffMember) => ({ staffId: s.id, email: s.email, name: s.name, role: s.role });
  await notify(ctx, { kind: kinds.staff, to: to(staff), clinicName, timeZone, params });
  if (!kinds.admins) return;
  let admins: { items: StaffMember[] };
  try {
    admins = await ctx.stores.staff.list(staff.clinicId, { role: 'full_access', limit: 1000 });
  } catch (error) {
    ctx.logger.error('notification failed', { kind: kinds.admins, staffId: staff.id, error });
    return;
  }
  for (const admin of admins.items) {
    // The role is checked here too: an adapter that ignores the `role` query must not leak to other staff.
    if (admin.id === staff.id || except.includes(admin.id) || !admin.active || admin.role !== 'full_access')
      continue;
    await notify(ctx, {
      kind: kinds.admins,
      to: to(admin),
      clinicName,
      timeZone,
      params: { ...params, colleague: staff.name },
    });
  }
}
