/**
 * The audit chain's head document (one per clinic in `audit_heads`): a log written before heads
 * existed gets one on first read, and a head that lags behind its log (a writer stopped between
 * inserting its event and moving the head) is moved forward by the next append, which goes on.
 */
import { randomBytes } from 'node:crypto';
import { createAuditLog, manualClock, systemRandom, verifyAuditChain } from '@twostep/core';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropTestDatabase,
  getMongoUri,
  mongoAvailable,
  testDatabaseName,
} from '../../../test/helpers/mongo.ts';
import { connectMongo, createMongooseStores, syncIndexes } from '../src/index.ts';
import { storeModels } from '../src/models.ts';
import { at, uid } from './fixtures.ts';

describe.skipIf(!mongoAvailable())('audit head document', () => {
  let connection: Connection;
  let stores: ReturnType<typeof createMongooseStores>;
  const system = { actorId: null };
  const log = () => createAuditLog({ store: stores.audit, clock: manualClock(at(0)), random: systemRandom });

  beforeAll(async () => {
    connection = await connectMongo(getMongoUri(), { dbName: testDatabaseName('audit_head') });
    await syncIndexes(connection);
    stores = createMongooseStores(connection);
  });
  afterAll(() => dropTestDatabase(connection));

  async function recordThree(clinicId: string) {
    for (const type of ['clinic.created', 'staff.created', 'staff.updated'] as const) {
      await log().record(system, { clinicId, type, details: { n: randomBytes(2).toString('hex') } });
    }
  }

  it('a log without a head document gets one from its newest event, and appends go on', async () => {
    const clinicId = uid('clinic');
    await recordThree(clinicId);
    await storeModels(connection).auditHeads.deleteOne({ _id: clinicId });
    const newest = (await stores.audit.list(clinicId, { order: 'desc', limit: 1 }))[0]!;
    expect(await stores.audit.head(clinicId)).toEqual({ seq: 3, hash: newest.hash });
    expect(await storeModels(connection).auditHeads.countDocuments({ _id: clinicId })).toBe(1);
    await log().record(system, { clinicId, type: 'staff.deactivated' });
    expect(verifyAuditChain(await stores.audit.list(clinicId))).toEqual({ ok: true, count: 4 });
  });

  it('a head that lags behind its log is moved forward by the next append', async () => {
    const clinicId = uid('clinic');
    await recordThree(clinicId);
    const [first] = await stores.audit.list(clinicId);
    // As if the writers of seq 2 and 3 stopped right after inserting their events.
    await storeModels(connection).auditHeads.updateOne(
      { _id: clinicId },
      { $set: { seq: 1, hash: first!.hash } },
    );
    await log().record(system, { clinicId, type: 'staff.deactivated' });
    const events = await stores.audit.list(clinicId);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(verifyAuditChain(events)).toEqual({ ok: true, count: 4 });
    expect(await stores.audit.head(clinicId)).toEqual({ seq: 4, hash: events[3]!.hash });
  });
});
