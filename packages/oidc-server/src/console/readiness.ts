/**
 * "How many would be asked to set up 2-Step if enforcement were on": active
 * staff with no active factor; and how many the passkey rule covers who have no passkey. Core has no count method, so this pages through
 * the staff list in batches and reads each member's factors (a few queries in
 * flight at a time). A `countEnrolled(clinicId)` store port would make it one
 * query; until then the result is cached per clinic for a short time and
 * dropped after any console change in that clinic.
 */
import { passkeyRequired } from '@twostep/core';
import type { ConsoleDeps } from './context.ts';

const BATCH = 500;
const PARALLEL = 25;
const CACHE_MS = 30_000;

export interface Readiness {
  active: number;
  notEnrolled: number;
  /** Active staff the clinic's passkey rule covers who have no passkey yet. */
  passkeyMissing: number;
}

export async function readiness(deps: ConsoleDeps, clinicId: string): Promise<Readiness> {
  const cached = deps.readiness.get(clinicId);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached;
  const clinic = await deps.stores.clinics.get(clinicId);
  let active = 0;
  let notEnrolled = 0;
  let passkeyMissing = 0;
  for (let offset = 0; ; offset += BATCH) {
    const { items } = await deps.stores.staff.list(clinicId, { offset, limit: BATCH });
    const members = items.filter((s) => s.active);
    active += members.length;
    for (let i = 0; i < members.length; i += PARALLEL) {
      const states = await Promise.all(
        members.slice(i, i + PARALLEL).map(async (s) => {
          const factors = await deps.stores.factors.list(s.id);
          return {
            enrolled: factors.some((f) => f.status === 'active'),
            owesPasskey: passkeyRequired(clinic, s.role) && !factors.some((f) => f.kind === 'passkey'),
          };
        }),
      );
      notEnrolled += states.filter((e) => !e.enrolled).length;
      passkeyMissing += states.filter((e) => e.owesPasskey).length;
    }
    if (items.length < BATCH) break;
  }
  const result = { at: Date.now(), active, notEnrolled, passkeyMissing };
  deps.readiness.set(clinicId, result);
  return result;
}
