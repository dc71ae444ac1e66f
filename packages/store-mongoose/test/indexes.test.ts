import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMongo, createMongooseStores, syncIndexes } from '../src/index.ts';
import {
  dropTestDatabase,
  getMongoUri,
  mongoAvailable,
  testDatabaseName,
} from '../../../test/helpers/mongo.ts';

async function indexNames(connection: Connection, collection: string): Promise<string[]> {
  const indexes = await connection.collection(collection).listIndexes().toArray();
  return indexes.map((index) => String(index.name)).sort();
}

/** FerretDB answers `buildInfo` with a `ferretdb` section. */
async function isFerretDb(connection: Connection): Promise<boolean> {
  const info = await connection.db!.admin().command({ buildInfo: 1 });
  return 'ferretdb' in info || 'ferretdbFeatures' in info;
}

describe.skipIf(!mongoAvailable())('syncIndexes', () => {
  let connection: Connection;
  let ferret = false;

  beforeAll(async () => {
    connection = await connectMongo(getMongoUri(), { dbName: testDatabaseName('indexes') });
    ferret = await isFerretDb(connection);
  });
  afterAll(() => dropTestDatabase(connection));

  it('creates the unique and query indexes, and no TTL index by default; running it twice is harmless', async () => {
    await syncIndexes(connection);
    await syncIndexes(connection);
    expect(await indexNames(connection, 'staff')).toEqual(['_id_', 'clinic_name', 'email_unique']);
    expect(await indexNames(connection, 'audit_events')).toEqual([
      '_id_',
      'clinic_actor',
      'clinic_at',
      'clinic_seq_unique',
      'clinic_target',
    ]);
    expect(await indexNames(connection, 'sms_challenges')).toEqual([
      '_id_',
      'id_unique',
      'staff_purpose_unique',
    ]);
    expect(await indexNames(connection, 'factors')).toEqual([
      '_id_',
      'active_id',
      'staff',
      'staff_kind_unique',
    ]);
    expect(await indexNames(connection, 'trusted_devices')).toEqual(['_id_', 'staff_created']);
    expect(await indexNames(connection, 'oidc_session')).toEqual(['_id_', 'grant', 'uid_unique']);
    expect(await indexNames(connection, 'oidc_device_code')).toEqual(['_id_', 'grant', 'user_code_unique']);
    expect(await indexNames(connection, 'counters')).not.toContain('expires_ttl');
  });

  it('the models never build indexes on their own (autoIndex off)', async () => {
    const fresh = await connectMongo(getMongoUri(), { dbName: testDatabaseName('noindex') });
    try {
      const stores = createMongooseStores(fresh);
      await stores.pauses.set({
        staffId: 's',
        clinicId: 'c',
        until: new Date(Date.UTC(2090, 0, 2)),
        reason: 'r',
        pausedBy: 'admin',
        createdAt: new Date(Date.UTC(2090, 0, 1)),
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const collections = (await fresh.db!.listCollections().toArray()).map((c) => c.name);
      expect(collections).toEqual(['pauses']);
    } finally {
      await dropTestDatabase(fresh);
    }
  });

  it('with ttlIndexes: true, adds TTL indexes on expiresAt (FerretDB rejects them: needs real MongoDB)', async (test) => {
    test.skip(ferret, 'needs real MongoDB: FerretDB rejects TTL indexes (code 238)');
    await syncIndexes(connection, { ttlIndexes: true });
    for (const collection of ['trusted_devices', 'sms_challenges', 'counters', 'oidc_access_token']) {
      const ttl = (await connection.collection(collection).listIndexes().toArray()).find(
        (index) => index.name === 'expires_ttl',
      );
      expect(ttl).toMatchObject({ key: { expiresAt: 1 }, expireAfterSeconds: 0 });
    }
  });
});
