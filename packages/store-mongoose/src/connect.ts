import { TwostepError } from '@twostep/core';
import mongoose, { type Connection } from 'mongoose';

export interface ConnectMongoOptions {
  /** Database name; default: the one in the URI (or `test`). */
  dbName?: string;
  /** How long to look for a usable server before an operation fails. Default 5000 ms. */
  serverSelectionTimeoutMS?: number;
  /** TCP connect timeout. Default 5000 ms. */
  connectTimeoutMS?: number;
  /** How long a socket may stay idle during an operation before it is closed. Default 30000 ms. */
  socketTimeoutMS?: number;
  /** Connections per server. Default 20. */
  maxPoolSize?: number;
  /** Default: the driver's (true); FerretDB and standalone servers ignore it. */
  retryWrites?: boolean;
  /** Shown in the server's logs. Default `twostep`. */
  appName?: string;
}

/** Drops credentials from a connection string, for error messages. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * Opens a mongoose connection for the stores: short timeouts (fail closed
 * quickly rather than queue requests), no command buffering, `sanitizeFilter`
 * on (query-selector injection is neutralised in every filter), and no
 * automatic index builds (see `syncIndexes`).
 *
 * Rejects with `TwostepError('store_unavailable')` when the server cannot be
 * reached within `serverSelectionTimeoutMS`.
 *
 * @example
 * ```ts
 * const connection = await connectMongo('mongodb://127.0.0.1:27017/twostep');
 * await syncIndexes(connection, { ttlIndexes: true });
 * const stores = createMongooseStores(connection);
 * ```
 */
export async function connectMongo(uri: string, options: ConnectMongoOptions = {}): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    ...(options.dbName === undefined ? {} : { dbName: options.dbName }),
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5000,
    connectTimeoutMS: options.connectTimeoutMS ?? 5000,
    socketTimeoutMS: options.socketTimeoutMS ?? 30_000,
    maxPoolSize: options.maxPoolSize ?? 20,
    ...(options.retryWrites === undefined ? {} : { retryWrites: options.retryWrites }),
    appName: options.appName ?? 'twostep',
    autoIndex: false,
    autoCreate: false,
    bufferCommands: false,
    sanitizeFilter: true,
  });
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new TwostepError('store_unavailable', `cannot reach MongoDB at ${redactUri(uri)}: ${reason}`, {
      cause: error,
    });
  }
  return connection;
}
