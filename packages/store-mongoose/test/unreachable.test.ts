/** A database that cannot be reached fails fast and closed, as `TwostepError('store_unavailable')`. */
import { createServer } from 'node:net';
import mongoose from 'mongoose';
import { describe, expect, it } from 'vitest';
import { connectMongo, createMongooseStores, createOidcAdapter } from '../src/index.ts';
import { getMongoUri, mongoAvailable, testDatabaseName } from '../../../test/helpers/mongo.ts';

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('unreachable database', () => {
  // No stopwatch here (a busy machine makes one flaky): what bounds the wait is the driver's server
  // selection timeout, set to 300 ms and shown by the cause; its 30 s default would outlast the test.
  it("connectMongo rejects with TwostepError('store_unavailable') at server selection, without credentials in the message", async () => {
    const port = await closedPort();
    const error: unknown = await connectMongo(`mongodb://admin:s3cret@127.0.0.1:${port}/twostep`, {
      serverSelectionTimeoutMS: 300,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TwostepError', code: 'store_unavailable' });
    expect((error as Error).cause).toMatchObject({ name: 'MongooseServerSelectionError' });
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect((error as Error).message).not.toContain('s3cret');
    expect((error as Error).cause).toBeDefined();
  });

  it('store methods on a connection that never came up reject with store_unavailable (not buffered)', async () => {
    const port = await closedPort();
    const connection = mongoose.createConnection(`mongodb://127.0.0.1:${port}/twostep`, {
      serverSelectionTimeoutMS: 300,
      bufferCommands: false,
    });
    connection.on('error', () => undefined);
    const stores = createMongooseStores(connection);
    await expect(stores.staff.findByEmail('a@clinic.test')).rejects.toMatchObject({
      name: 'TwostepError',
      code: 'store_unavailable',
    });
    await expect(stores.factors.acceptTotpStep('s', 'f', 1)).rejects.toMatchObject({
      code: 'store_unavailable',
    });
    await expect(stores.counters.increment('k', new Date(2), new Date(1))).rejects.toMatchObject({
      code: 'store_unavailable',
    });
    await expect(new (createOidcAdapter(connection))('Session').find('x')).rejects.toMatchObject({
      code: 'store_unavailable',
    });
    await connection.close().catch(() => undefined);
  });

  it.skipIf(!mongoAvailable())(
    'store methods after the connection is closed reject with store_unavailable',
    async () => {
      const connection = await connectMongo(getMongoUri(), { dbName: testDatabaseName('closed') });
      const stores = createMongooseStores(connection);
      expect(await stores.pauses.get('nobody')).toBeNull();
      await connection.close();
      await expect(stores.pauses.get('nobody')).rejects.toMatchObject({
        name: 'TwostepError',
        code: 'store_unavailable',
      });
    },
  );
});
