/** `twostep db init [--ttl-indexes]`, `twostep db migrate [--ttl-indexes]` */
import { isTwostepError } from '@twostep/core';
import { CliError, type Command, parse, withSettings } from '../cli.ts';
import { withDatabase } from '../database.ts';

export const dbInit: Command = async (args, { env, print }) => {
  const { settings, rest } = await withSettings(args, env);
  const values = parse(rest, { 'ttl-indexes': { type: 'boolean' } });
  const ttlIndexes = values['ttl-indexes'] === true || settings.get<boolean>('mongodb.ttlIndexes') === true;
  const { syncIndexes } = await import('@twostep/store-mongoose');
  await withDatabase(settings, ({ connection }) => syncIndexes(connection, { ttlIndexes }));
  print('collections and indexes are in place');
};

/**
 * Brings the database to the schema of this twostep version (idempotent; the version is stored in
 * the database). Refuses a database newer than this version.
 */
export const dbMigrate: Command = async (args, { env, print }) => {
  const { settings, rest } = await withSettings(args, env);
  const values = parse(rest, { 'ttl-indexes': { type: 'boolean' } });
  const ttlIndexes = values['ttl-indexes'] === true || settings.get<boolean>('mongodb.ttlIndexes') === true;
  const { migrate } = await import('@twostep/store-mongoose');
  const report = await withDatabase(settings, async ({ connection }) => {
    try {
      return await migrate(connection, { ttlIndexes });
    } catch (error) {
      if (isTwostepError(error) && error.code === 'invalid_config') throw new CliError(error.message);
      throw error;
    }
  });
  for (const step of report.applied) print(`applied ${step.version}: ${step.description}`);
  print(
    report.applied.length === 0
      ? `schema version ${report.to}: up to date`
      : `schema version ${report.from} → ${report.to}`,
  );
};
