import { TwostepError } from '../errors.ts';
import type { RecoveryCodeStore } from '../ports.ts';
import type { RecoveryCodeRecord } from '../types.ts';
import { copy, hashEquals } from './util.ts';

export function createMemoryRecoveryCodeStore(): RecoveryCodeStore {
  const codes = new Map<string, RecoveryCodeRecord>();
  return {
    async get(staffId) {
      const record = codes.get(staffId);
      return record === undefined ? null : copy(record);
    },
    async set(record) {
      codes.set(record.staffId, copy(record));
    },
    async replace(staffId, expectedHash, next) {
      if (next.staffId !== staffId) {
        throw new TwostepError('invalid_input', 'the next recovery code belongs to another staff member');
      }
      const current = codes.get(staffId);
      if (current === undefined || !hashEquals(current.hash, expectedHash)) return false;
      codes.set(staffId, copy(next));
      return true;
    },
    async remove(staffId) {
      codes.delete(staffId);
    },
  };
}
