import { TwostepError } from '../errors.ts';
import type { TrustedDeviceStore } from '../ports.ts';
import type { TrustedDevice } from '../types.ts';
import { addToIndex, copy, isExpired, removeFromIndex } from './util.ts';

export function createMemoryTrustedDeviceStore(): TrustedDeviceStore {
  const devices = new Map<string, TrustedDevice>();
  const idsByStaff = new Map<string, Set<string>>();

  function drop(device: TrustedDevice): void {
    devices.delete(device.id);
    removeFromIndex(idsByStaff, device.staffId, device.id);
  }

  return {
    async add(device) {
      if (devices.has(device.id))
        throw new TwostepError('conflict', `trusted device ${device.id} already exists`);
      const stored = copy(device);
      devices.set(stored.id, stored);
      addToIndex(idsByStaff, stored.staffId, stored.id);
    },
    async get(deviceId) {
      const device = devices.get(deviceId);
      return device === undefined ? null : copy(device);
    },
    async touch(deviceId, now) {
      const device = devices.get(deviceId);
      if (device !== undefined) device.lastUsedAt = new Date(now);
    },
    async list(staffId, now) {
      const result: TrustedDevice[] = [];
      for (const id of idsByStaff.get(staffId) ?? []) {
        const device = devices.get(id);
        if (device !== undefined && !isExpired(device.expiresAt, now)) result.push(device);
      }
      result.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
      return result.map(copy);
    },
    async remove(staffId, deviceId) {
      const device = devices.get(deviceId);
      if (device === undefined || device.staffId !== staffId) return false;
      drop(device);
      return true;
    },
    async removeAll(staffId) {
      let count = 0;
      for (const id of [...(idsByStaff.get(staffId) ?? [])]) {
        const device = devices.get(id);
        if (device === undefined) continue;
        drop(device);
        count++;
      }
      return count;
    },
  };
}
