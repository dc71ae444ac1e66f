/** Schema version and migrations on a real server (FerretDB in CI). */
import type { Connection } from 'mongoose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkSchema,
  connectMongo,
  MIGRATIONS,
  migrate,
  SCHEMA_VERSION,
  schemaVersion,
} from '../src/index.ts';
import {
  dropTestDatabase,
  getMongoUri,
  mongoAvailable,
  testDatabaseName,
} from '../../../test/helpers/mongo.ts';

describe.skipIf(!mongoAvailable())('migrate', () => {
  let connection: Connection;
  beforeEach(async () => {
    connection = await connectMongo(getMongoUri(), { dbName: testDatabaseName('schema') });
  });
  afterEach(() => dropTestDatabase(connection));

  it('a fresh database (version 0) gets every migration; a second run applies nothing', async () => {
    expect(await schemaVersion(connection)).toBe(0);
    const first = await migrate(connection);
    expect(first).toEqual({
      from: 0,
      to: SCHEMA_VERSION,
      applied: MIGRATIONS.map(({ version, description }) => ({ version, description })),
    });
    expect((await connection.db!.listCollections({ name: 'staff' }).toArray()).length).toBe(1);
    expect(await migrate(connection)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
    expect(await checkSchema(connection)).toBe(SCHEMA_VERSION);
  });

  it('ten processes migrating at once end at the same version, none fails', async () => {
    const runs = await Promise.allSettled(Array.from({ length: 10 }, () => migrate(connection)));
    expect(runs.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await schemaVersion(connection)).toBe(SCHEMA_VERSION);
    expect(await connection.db!.collection('twostep_meta').countDocuments()).toBe(1);
  });

  it('a database newer than this twostep is refused, and left as it is', async () => {
    await connection.db!.collection('twostep_meta').insertOne({
      _id: 'schema' as never,
      version: SCHEMA_VERSION + 1,
      migratedAt: new Date(),
    });
    await expect(checkSchema(connection)).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining(`schema version ${SCHEMA_VERSION + 1}, newer than this twostep knows`),
    });
    await expect(migrate(connection)).rejects.toMatchObject({ code: 'invalid_config' });
    expect(await schemaVersion(connection)).toBe(SCHEMA_VERSION + 1);
  });
});
