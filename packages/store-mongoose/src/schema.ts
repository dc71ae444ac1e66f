/**
 * The database's schema version, stored in the database (`twostep_meta`, document `schema`), and
 * the migrations that move it forward. `migrate` is idempotent (run it twice, or from two
 * processes at once: each step is safe to repeat and the version only moves forward, by a
 * conditional update). A process refuses a database whose schema is newer than it knows
 * (`checkSchema`): an older twostep must not write to a layout it does not understand.
 */
import { TwostepError } from '@twostep/core';
import type { Connection } from 'mongoose';
import { isDuplicateKeyError, toStoreError } from './errors.ts';
import { type SyncIndexesOptions, syncIndexes } from './models.ts';

export interface Migration {
  version: number;
  description: string;
  up(connection: Connection, options: SyncIndexesOptions): Promise<void>;
}

/** Oldest first. A new release that changes the layout adds one (additive: old code keeps working). */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'collections and indexes of twostep 0.1',
    up: (connection, options) => syncIndexes(connection, options),
  },
  {
    version: 2,
    description: 'passkeys collection',
    up: (connection, options) => syncIndexes(connection, options),
  },
];

/** The schema this version of twostep reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

const META = 'twostep_meta';
const SCHEMA_ID = 'schema';

interface SchemaDocument {
  _id: string;
  version: number;
  migratedAt: Date;
}

const meta = (connection: Connection) => connection.db!.collection<SchemaDocument>(META);

/** The database's schema version; 0 for a database never migrated. */
export async function schemaVersion(connection: Connection): Promise<number> {
  try {
    const doc = await meta(connection).findOne({ _id: SCHEMA_ID });
    return typeof doc?.version === 'number' ? doc.version : 0;
  } catch (error) {
    throw toStoreError(error, 'schemaVersion');
  }
}

/** Throws `invalid_config` when the database is newer than this twostep; returns its version. */
export async function checkSchema(connection: Connection): Promise<number> {
  const version = await schemaVersion(connection);
  if (version > SCHEMA_VERSION) {
    throw new TwostepError(
      'invalid_config',
      `the database has schema version ${version}, newer than this twostep knows (${SCHEMA_VERSION}): ` +
        'run the newer twostep version (a database is never migrated backwards; restore a backup to go back)',
    );
  }
  return version;
}

export interface MigrationReport {
  from: number;
  to: number;
  applied: { version: number; description: string }[];
}

/**
 * Applies every migration newer than the database's version, oldest first, each followed by
 * `version = its version` where the stored version is still older (one conditional update).
 *
 * @example
 * ```ts
 * const report = await migrate(connection, { ttlIndexes: true });
 * console.log(`schema ${report.from} → ${report.to}`);
 * ```
 */
export async function migrate(
  connection: Connection,
  options: SyncIndexesOptions = {},
): Promise<MigrationReport> {
  const from = await checkSchema(connection);
  const applied: MigrationReport['applied'] = [];
  for (const migration of MIGRATIONS) {
    if (migration.version <= from) continue;
    await migration.up(connection, options);
    try {
      await meta(connection).updateOne(
        { _id: SCHEMA_ID, version: { $lt: migration.version } },
        { $set: { version: migration.version, migratedAt: new Date() } },
        { upsert: true },
      );
    } catch (error) {
      // The upsert found the document already at this version or later: another process got there.
      if (!isDuplicateKeyError(error)) throw toStoreError(error, 'migrate');
    }
    applied.push({ version: migration.version, description: migration.description });
  }
  return { from, to: await schemaVersion(connection), applied };
}
