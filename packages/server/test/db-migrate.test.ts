/** `twostep db migrate` and the schema check of `twostep serve`, on a real server (FerretDB in CI). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectMongo, SCHEMA_VERSION } from '@twostep/store-mongoose';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropTestDatabase,
  getMongoUri,
  mongoAvailable,
  testDatabaseName,
} from '../../../test/helpers/mongo.ts';
import { twostep } from './run.ts';

describe.skipIf(!mongoAvailable())('twostep db migrate', { timeout: 120_000 }, () => {
  let connection: Connection;
  let env: Record<string, string>;
  beforeAll(async () => {
    const dbName = testDatabaseName('cli_migrate');
    connection = await connectMongo(getMongoUri(), { dbName });
    env = {
      TWOSTEP_MONGODB_URI: getMongoUri(),
      TWOSTEP_MONGODB_DATABASE: dbName,
      TWOSTEP_MONGODB_TTL_INDEXES: 'false',
    };
  });
  afterAll(() => dropTestDatabase(connection));

  it('migrates a fresh database, then says it is up to date; the version is in the database', async () => {
    const first = await twostep(['db', 'migrate'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`schema version 0 → ${SCHEMA_VERSION}`);
    const again = await twostep(['db', 'migrate'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(`schema version ${SCHEMA_VERSION}: up to date`);
    const doc = await connection.db!.collection('twostep_meta').findOne({ _id: 'schema' as never });
    expect(doc?.version).toBe(SCHEMA_VERSION);
  });

  it('a database newer than this version: db migrate and serve both refuse, naming the versions', async () => {
    await connection
      .db!.collection('twostep_meta')
      .updateOne({ _id: 'schema' as never }, { $set: { version: SCHEMA_VERSION + 1 } });
    const migrate = await twostep(['db', 'migrate'], env);
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toContain(`schema version ${SCHEMA_VERSION + 1}, newer than this twostep knows`);
    const cwd = mkdtempSync(join(tmpdir(), 'twostep-migrate-'));
    const serve = await twostep(['serve', '--dev', '--listen-port', '0'], env, cwd);
    expect(serve.code).toBe(1);
    expect(serve.stderr).toContain(`schema version ${SCHEMA_VERSION + 1}, newer than this twostep knows`);
  });
});
