import { TwostepError, type TrustedDevice, type TrustedDeviceStore } from '@twostep/core';
import { isDate, isDuplicateKeyError, isString } from '../errors.ts';
import type { StoreModels, TrustedDeviceDoc } from '../models.ts';
import { date, op, Q } from './common.ts';

const toDevice = (doc: TrustedDeviceDoc): TrustedDevice => ({
  id: doc._id,
  staffId: doc.staffId,
  clinicId: doc.clinicId,
  tokenHash: doc.tokenHash,
  label: doc.label,
  createdAt: date(doc.createdAt),
  lastUsedAt: date(doc.lastUsedAt),
  expiresAt: date(doc.expiresAt),
});

export function createTrustedDeviceStore({ trustedDevices }: StoreModels): TrustedDeviceStore {
  return {
    async add(device) {
      try {
        await trustedDevices.create({
          _id: device.id,
          staffId: device.staffId,
          clinicId: device.clinicId,
          tokenHash: device.tokenHash,
          label: device.label,
          createdAt: device.createdAt,
          lastUsedAt: device.lastUsedAt,
          expiresAt: device.expiresAt,
        });
      } catch (error) {
        if (isDuplicateKeyError(error)) {
          throw new TwostepError('conflict', `trusted device ${device.id} already exists`, { cause: error });
        }
        throw error;
      }
    },
    async get(deviceId) {
      if (!isString(deviceId)) return null;
      const doc = await trustedDevices.findOne({ _id: deviceId }, null, Q).lean<TrustedDeviceDoc>();
      return doc === null ? null : toDevice(doc);
    },
    async touch(deviceId, now) {
      if (!isString(deviceId) || !isDate(now)) return;
      await trustedDevices.updateOne({ _id: deviceId }, { $set: { lastUsedAt: now } }, Q);
    },
    async list(staffId, now) {
      if (!isString(staffId) || !isDate(now)) return [];
      const docs = await trustedDevices
        .find({ staffId, expiresAt: op({ $gt: now }) }, null, Q)
        .sort({ createdAt: -1, _id: -1 })
        .lean<TrustedDeviceDoc[]>();
      return docs.map(toDevice);
    },
    async remove(staffId, deviceId) {
      if (!isString(staffId) || !isString(deviceId)) return false;
      const result = await trustedDevices.deleteOne({ _id: deviceId, staffId }, Q);
      return result.deletedCount > 0;
    },
    async removeAll(staffId) {
      if (!isString(staffId)) return 0;
      const result = await trustedDevices.deleteMany({ staffId }, Q);
      return result.deletedCount;
    },
  };
}
