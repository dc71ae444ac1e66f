/**
 * "Set up your new phone": after a sign-in with the recovery code, the person owes a new method until
 * they confirm one. Derived from what is already stored (the audit log's sign-ins and the factors'
 * confirmation times), so there is no flag to keep in step.
 */
import type { StaffMember, Stores, Twostep } from '@twostep/core';

/** How far back the newest sign-ins are searched for one with the recovery code. */
const SIGN_INS_LOOKED_AT = 50;

/** When this person last signed in with the recovery code, if no method was set up since; otherwise null. */
export async function recoverySignInOwingSetup(
  twostep: Twostep,
  stores: Stores,
  staff: StaffMember,
): Promise<Date | null> {
  const [signIns, factors] = await Promise.all([
    twostep.audit.list(staff.clinicId, {
      actorOrTargetId: staff.id,
      types: ['sign_in.succeeded'],
      order: 'desc',
      limit: SIGN_INS_LOOKED_AT,
    }),
    stores.factors.list(staff.id),
  ]);
  const lastSetUp = Math.max(
    0,
    ...factors.filter((f) => f.status === 'active').map((f) => (f.confirmedAt ?? f.createdAt).getTime()),
  );
  const recovery = signIns.find((e) => e.targetId === staff.id && e.details.method === 'recovery');
  return recovery && recovery.at.getTime() > lastSetUp ? recovery.at : null;
}
