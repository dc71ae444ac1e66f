import type { FactorStore, StoredPasskey } from '../ports.ts';
import type { StoredFactor } from '../types.ts';
import { addToIndex, copy, removeFromIndex } from './util.ts';

export function createMemoryFactorStore(): FactorStore {
  const factors = new Map<string, StoredFactor>();
  const idsByStaff = new Map<string, Set<string>>();

  function ofStaff(staffId: string): StoredFactor[] {
    const result: StoredFactor[] = [];
    for (const id of idsByStaff.get(staffId) ?? []) {
      const factor = factors.get(id);
      if (factor !== undefined) result.push(factor);
    }
    return result;
  }

  function passkeyOf(staffId: string, factorId: string): StoredPasskey | null {
    const factor = factors.get(factorId);
    return factor?.kind === 'passkey' && factor.staffId === staffId ? factor : null;
  }

  function drop(factor: StoredFactor): void {
    factors.delete(factor.id);
    removeFromIndex(idsByStaff, factor.staffId, factor.id);
  }

  return {
    async list(staffId) {
      return ofStaff(staffId).map(copy);
    },
    async savePending(factor) {
      for (const existing of ofStaff(factor.staffId)) {
        if (existing.kind === factor.kind && existing.status === 'pending') drop(existing);
      }
      const stored = copy(factor);
      factors.set(stored.id, stored);
      addToIndex(idsByStaff, stored.staffId, stored.id);
    },
    async activate(staffId, kind, pendingId, now, lastStep) {
      const pending = factors.get(pendingId);
      if (pending === undefined || pending.staffId !== staffId || pending.kind !== kind) return false;
      if (pending.status !== 'pending') return false;
      for (const existing of ofStaff(staffId)) {
        if (existing.kind === kind && existing.status === 'active') drop(existing);
      }
      pending.status = 'active';
      pending.confirmedAt = new Date(now);
      if (pending.kind === 'totp') pending.lastStep = lastStep;
      return true;
    },
    async acceptTotpStep(staffId, factorId, step) {
      const factor = factors.get(factorId);
      if (factor === undefined || factor.staffId !== staffId) return false;
      if (factor.kind !== 'totp' || factor.status !== 'active') return false;
      if (factor.lastStep !== null && step <= factor.lastStep) return false;
      factor.lastStep = step;
      return true;
    },
    async remove(staffId, kind) {
      let removed = false;
      for (const existing of ofStaff(staffId)) {
        if (existing.kind === kind) {
          drop(existing);
          removed = true;
        }
      }
      return removed;
    },
    async removeOne(staffId, factorId) {
      const factor = factors.get(factorId);
      if (factor === undefined || factor.staffId !== staffId) return false;
      drop(factor);
      return true;
    },
    async addPasskey(factor) {
      for (const existing of factors.values()) {
        if (existing.kind === 'passkey' && existing.credentialId === factor.credentialId) return false;
      }
      const stored = copy({ ...factor, status: 'active' as const });
      factors.set(stored.id, stored);
      addToIndex(idsByStaff, stored.staffId, stored.id);
      return true;
    },
    async findPasskey(credentialId) {
      for (const factor of factors.values()) {
        if (factor.kind === 'passkey' && factor.credentialId === credentialId) return copy(factor);
      }
      return null;
    },
    async renamePasskey(staffId, factorId, name) {
      const passkey = passkeyOf(staffId, factorId);
      if (passkey === null) return false;
      passkey.name = name;
      return true;
    },
    async recordPasskeyUse(staffId, factorId, use) {
      const passkey = passkeyOf(staffId, factorId);
      if (passkey === null || passkey.counter !== use.expectedCounter) return false;
      passkey.counter = use.counter;
      passkey.backupState = use.backupState;
      passkey.lastUsedAt = new Date(use.usedAt);
      return true;
    },
    async removeAll(staffId) {
      for (const existing of ofStaff(staffId)) drop(existing);
    },
    async listTotp(afterStaffId, limit) {
      const staffIds = [...idsByStaff.keys()]
        .filter(
          (id) => (afterStaffId === null || id > afterStaffId) && ofStaff(id).some((f) => f.kind === 'totp'),
        )
        .sort()
        .slice(0, limit);
      return staffIds.flatMap((id) =>
        ofStaff(id)
          .filter((f) => f.kind === 'totp')
          .map(copy),
      );
    },
    async replaceSecret(staffId, factorId, expected, next) {
      const factor = factors.get(factorId);
      if (factor?.kind !== 'totp' || factor.staffId !== staffId || factor.secret !== expected) return false;
      factor.secret = next;
      return true;
    },
  };
}
