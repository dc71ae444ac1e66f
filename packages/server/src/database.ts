/** One MongoDB connection for a command, from the settings (`mongodb.uri`, `mongodb.database`). */
import type { Stores } from '@twostep/core';
import type { OidcClientRegistry, syncIndexes } from '@twostep/store-mongoose';
import { CliError } from './cli.ts';
import type { Settings } from './config.ts';

type Connection = Parameters<typeof syncIndexes>[0];

export interface Database {
  connection: Connection;
  stores: Stores;
  clients: OidcClientRegistry;
}

export async function withDatabase<T>(settings: Settings, run: (db: Database) => Promise<T>): Promise<T> {
  const uri = settings.get<string>('mongodb.uri');
  if (!uri) throw new CliError('mongodb.uri (TWOSTEP_MONGODB_URI) is not set: the MongoDB connection string');
  const database = settings.get<string>('mongodb.database');
  const { connectMongo, createClientRegistry, createMongooseStores } = await import(
    '@twostep/store-mongoose'
  );
  const connection = await connectMongo(uri, database ? { dbName: database } : {});
  try {
    return await run({
      connection,
      stores: createMongooseStores(connection),
      clients: createClientRegistry(connection),
    });
  } finally {
    await connection.close();
  }
}
