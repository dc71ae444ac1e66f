/**
 * Readiness follows the database: MongoDB (FerretDB) taken away under a running IdP (its
 * connection goes through a relay that resets connections, or that stops forwarding) → `/readyz`
 * answers 503 `store_unavailable` on the first probe (a hanging database: at the store deadline),
 * `/healthz` stays 200; the database back → both 200 again, without a restart.
 */
import { createMetrics } from '@twostep/oidc-server';
import { connectMongo, createMongooseStores, createOidcAdapter, syncIndexes } from '@twostep/store-mongoose';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { dropTestDatabase, getMongoUri, mongoAvailable, testDatabaseName } from '../helpers/mongo.ts';
import { parsePrometheusText } from '../helpers/prometheus.ts';
import { startTcpRelay, type TcpRelay } from '../helpers/tcp-relay.ts';

describe.skipIf(!mongoAvailable())(
  'readiness with the database stopped and back',
  { timeout: 120_000 },
  () => {
    let relay: TcpRelay;
    let connection: Connection;
    let direct: Connection;
    let idp: TestIdp;
    const metrics = createMetrics({ processMetrics: false });
    const STORE_DEADLINE_MS = 1500;

    beforeAll(async () => {
      const dbName = testDatabaseName('readyz');
      direct = await connectMongo(getMongoUri(), { dbName });
      relay = await startTcpRelay(getMongoUri());
      connection = await connectMongo(relay.uri, { dbName, serverSelectionTimeoutMS: 1000 });
      connection.on('error', () => undefined);
      await syncIndexes(connection, { ttlIndexes: false });
      idp = await startTestIdp({
        stores: createMongooseStores(connection, { ttlIndexes: false }),
        adapter: createOidcAdapter(connection),
        storeTimeoutMs: STORE_DEADLINE_MS,
        metrics,
      });
    });
    afterAll(async () => {
      await idp?.close();
      await connection?.close().catch(() => undefined);
      await relay?.cut();
      await dropTestDatabase(direct);
    });

    const probe = async (path: string) => {
      const res = await fetch(`${idp.url}${path}`);
      return { status: res.status, body: await res.json() };
    };

    it('/readyz 503 at the first probe after the cut, /healthz 200; both 200 once the database is back', async () => {
      expect(await probe('/readyz')).toEqual({ status: 200, body: { status: 'ready' } });

      relay.down();
      expect(await probe('/readyz')).toEqual({
        status: 503,
        body: { status: 'not_ready', reason: 'store_unavailable' },
      });
      expect(await probe('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });

      relay.up();
      let ready = await probe('/readyz');
      for (let attempt = 0; ready.status !== 200 && attempt < 120; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        ready = await probe('/readyz');
      }
      expect(ready).toEqual({ status: 200, body: { status: 'ready' } });
      expect(await probe('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    });

    it('a database that stops answering: the probe gives up at the store deadline (503, a timeout counted)', async () => {
      const timeouts = async () =>
        parsePrometheusText(await (await fetch(`${idp.url}/metrics`)).text()).samples.get(
          'twostep_store_timeouts_total{method="get",store="clinics"}',
        ) ?? 0;
      expect(await probe('/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
      const before = await timeouts();

      relay.hang();
      expect(await probe('/readyz')).toEqual({
        status: 503,
        body: { status: 'not_ready', reason: 'store_unavailable' },
      });
      expect(await probe('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
      expect(await timeouts()).toBe(before + 1);

      relay.up();
      let ready = await probe('/readyz');
      for (let attempt = 0; ready.status !== 200 && attempt < 120; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        ready = await probe('/readyz');
      }
      expect(ready).toEqual({ status: 200, body: { status: 'ready' } });
    });
  },
);
