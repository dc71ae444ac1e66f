import type { Stores } from '@twostep/core';
import type { Connection } from 'mongoose';
import { guarded } from '../errors.ts';
import { storeModels, syncIndexes } from '../models.ts';
import { createAuditStore } from './audit.ts';
import { createClinicStore } from './clinics.ts';
import { createCounterStore } from './counters.ts';
import { createFactorStore } from './factors.ts';
import { createPauseStore } from './pauses.ts';
import { createRecoveryCodeStore } from './recovery-codes.ts';
import { createSessionStore } from './sessions.ts';
import { createSmsChallengeStore } from './sms-challenges.ts';
import { createStaffStore } from './staff.ts';
import { createThrottleStore } from './throttles.ts';
import { createTrustedDeviceStore } from './trusted-devices.ts';

export interface MongooseStoresOptions {
  /**
   * Whether this deployment uses TTL indexes (MongoDB deletes expired devices,
   * SMS challenges and counters). Used by `stores.syncIndexes()`. Default
   * false; set it on real MongoDB. FerretDB rejects TTL indexes. Expiry is
   * enforced on every read either way.
   */
  ttlIndexes?: boolean;
}

/** The core {@link Stores}, plus index management for the same connection. */
export interface MongooseStores extends Stores {
  /** Creates the indexes the stores rely on (and TTL indexes per `ttlIndexes`). See `syncIndexes`. */
  syncIndexes(): Promise<void>;
}

/**
 * Every store port of `@twostep/core` on one mongoose connection. Each method
 * that guards a one-time use or a counter is one atomic single-document
 * operation, so several server processes can share the database. Failures
 * surface as `TwostepError('store_unavailable')` (or `invalid_input` /
 * `conflict`), so callers fail closed.
 *
 * The unique indexes (staff email, audit (clinicId, seq), …) are part of the
 * contract: run `syncIndexes` once per database before use.
 *
 * @example
 * ```ts
 * const connection = await connectMongo(process.env.MONGODB_URI!);
 * const stores = createMongooseStores(connection, { ttlIndexes: true });
 * await stores.syncIndexes(); // at deploy time / from the CLI
 * const twostep = createTwostep({ stores, ... });
 * ```
 */
export function createMongooseStores(
  connection: Connection,
  options: MongooseStoresOptions = {},
): MongooseStores {
  const models = storeModels(connection);
  const ttlIndexes = options.ttlIndexes ?? false;
  return {
    clinics: guarded('clinics', createClinicStore(models)),
    staff: guarded('staff', createStaffStore(models)),
    factors: guarded('factors', createFactorStore(models)),
    recoveryCodes: guarded('recoveryCodes', createRecoveryCodeStore(models)),
    trustedDevices: guarded('trustedDevices', createTrustedDeviceStore(models)),
    smsChallenges: guarded('smsChallenges', createSmsChallengeStore(models)),
    pauses: guarded('pauses', createPauseStore(models)),
    throttles: guarded('throttles', createThrottleStore(models)),
    counters: guarded('counters', createCounterStore(models)),
    audit: guarded('audit', createAuditStore(models)),
    sessions: guarded('sessions', createSessionStore(models)),
    syncIndexes: () => syncIndexes(connection, { ttlIndexes }),
  };
}
