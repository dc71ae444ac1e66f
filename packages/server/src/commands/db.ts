/** `twostep db init [--ttl-indexes]` */
import { type Command, parse, withSettings } from '../cli.ts';
import { withDatabase } from '../database.ts';

export const dbInit: Command = async (args, { env, print }) => {
  const { settings, rest } = await withSettings(args, env);
  const values = parse(rest, { 'ttl-indexes': { type: 'boolean' } });
  const ttlIndexes = values['ttl-indexes'] === true || settings.get<boolean>('mongodb.ttlIndexes') === true;
  const { syncIndexes } = await import('@twostep/store-mongoose');
  await withDatabase(settings, ({ connection }) => syncIndexes(connection, { ttlIndexes }));
  print('collections and indexes are in place');
};
