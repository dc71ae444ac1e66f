/**
 * The store contract against `@twostep/store-mongoose` on `MONGODB_URI`
 * (FerretDB in CI, real MongoDB when pointed at one). Skipped without it.
 */
import { describe } from 'vitest';
import { connectMongo, createMongooseStores, syncIndexes } from '../../packages/store-mongoose/src/index.ts';
import { dropTestDatabase, getMongoUri, mongoAvailable, testDatabaseName } from '../helpers/mongo.ts';
import { describeStoreContract } from './store-contract.ts';

describe.skipIf(!mongoAvailable())('mongoose store adapter', () => {
  describeStoreContract('mongoose', async () => {
    const connection = await connectMongo(getMongoUri(), { dbName: testDatabaseName('contract') });
    // TTL indexes are left out: FerretDB rejects them, and the contract's dates
    // are in 2090 anyway. The unique indexes are part of the contract.
    await syncIndexes(connection, { ttlIndexes: false });
    return {
      stores: createMongooseStores(connection),
      teardown: () => dropTestDatabase(connection),
      // Every guard is one conditional single-document operation: the
      // concurrency cases run (FerretDB's test server serializes commands).
      capabilities: { atomicUnderConcurrency: true },
    };
  });
});
