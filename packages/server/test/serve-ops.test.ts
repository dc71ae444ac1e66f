/**
 * `twostep serve` as an operator runs it: JSON logs with request ids on stdout, health on both ports,
 * metrics only on the management port, and SIGTERM → exit 0 with the database connection closed (the
 * process would not exit with it open).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectMongo } from '@twostep/store-mongoose';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dropTestDatabase,
  getMongoUri,
  mongoAvailable,
  testDatabaseName,
} from '../../../test/helpers/mongo.ts';
import { startServe } from './run.ts';

describe.skipIf(!mongoAvailable())(
  'twostep serve: health, metrics, logs, SIGTERM',
  { timeout: 120_000 },
  () => {
    let connection: Connection;
    let dbName: string;
    beforeAll(async () => {
      dbName = testDatabaseName('serve_ops');
      connection = await connectMongo(getMongoUri(), { dbName });
    });
    afterAll(() => dropTestDatabase(connection));

    it('serves, answers the probes, and stops on SIGTERM with exit code 0', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'twostep-serve-ops-'));
      const serve = await startServe(
        ['--dev', '--listen-port', '0', '--management-port', '0', '--log-format', 'json'],
        {
          TWOSTEP_MONGODB_URI: getMongoUri(),
          TWOSTEP_MONGODB_DATABASE: dbName,
          TWOSTEP_MONGODB_TTL_INDEXES: 'false',
        },
        cwd,
      );
      const match = /listening on (http:\S+), management on (http:[^\s,)]+)/.exec(serve.output());
      expect(match, serve.output()).not.toBeNull();
      const [, main, management] = match!;
      const exited = new Promise<number | null>((resolve) =>
        serve.child.once('exit', (code) => resolve(code)),
      );

      for (const base of [main, management]) {
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
        expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready' });
      }
      const metrics = await fetch(`${management}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('twostep_http_request_duration_seconds');
      expect((await fetch(`${main}/metrics`)).status).toBe(404); // not on the public port
      const discovery = await fetch(`${main}/.well-known/openid-configuration`, {
        headers: { 'x-request-id': 'proxy-req-17' },
      });
      expect(discovery.headers.get('x-request-id')).toBe('proxy-req-17');

      serve.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const lines = serve
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.find((l) => l.reqId === 'proxy-req-17')).toMatchObject({
        msg: 'request',
        route: 'oidc:discovery',
        status: 200,
      });
      expect(lines.map((l) => l.msg)).toEqual(
        expect.arrayContaining(['shutting down: not ready, draining requests in flight', 'stopped']),
      );
    });
  },
);
