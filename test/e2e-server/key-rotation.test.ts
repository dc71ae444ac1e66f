/**
 * Signing-key rotation without downtime (docs/keys.md), with the real command: two `twostep serve`
 * processes on one MongoDB database (FerretDB in CI) behind one issuer (a round-robin proxy), one keys
 * directory, and an API guarded by express-mfa's `requireBearer`. Each phase — `keys publish`,
 * `keys promote`, `keys retire` — is followed by SIGHUP to both processes. A token signed before and
 * after each phase, by either process, verifies at both processes (against the `/jwks` each one
 * publishes) and at the API. The API's JWKS cache is why the phases and their waits exist: an API
 * that saw the JWKS just before a key was put to use refuses the new tokens until its cache may be
 * refreshed. The API's clock is moved instead of waiting (Date is faked in this process only; the
 * servers keep real time).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBearer } from '@twostep/express-mfa';
import { describeKeySet, type KeyInfo } from '@twostep/oidc-server';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServe, twostep } from '../../packages/server/test/run.ts';
import { type Balancer, startBalancer } from '../e2e-mongo/support.ts';
import { dropTestDatabase, getMongoUri, mongoAvailable, testDatabaseName } from '../helpers/mongo.ts';

type Served = Awaited<ReturnType<typeof startServe>>;
// `test/` has express but not @types/express (as in test/e2e-mfa/clinic-app.ts).
type Handler = ReturnType<typeof requireBearer>;
interface App {
  (req: IncomingMessage, res: ServerResponse): void;
  get(path: string, ...handlers: Handler[]): void;
}
const express = createRequire(import.meta.url)('express') as () => App;

interface Api {
  server: Server;
  url: string;
}
const AUDIENCE = 'https://api.rotation.test';
const CLIENT = { id: 'rotation-app', secret: 'rotation-app-secret-0123456789abcdef' };

function backendOf(served: Served): string {
  const match = /listening on (http:\/\/[^,)\s]+)/.exec(served.output());
  if (!match) throw new Error(`no address in:\n${served.output()}`);
  return match[1]!;
}

/** The real time, whatever Date says (it is faked for the API's clock). */
const realNow = () => Math.round(performance.timeOrigin + performance.now());

describe.skipIf(!mongoAvailable())(
  'signing-key rotation across two serve processes',
  { timeout: 240_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'twostep-rotation-'));
    const keysDir = join(dir, 'keys');
    let env: Record<string, string>;
    let balancer: Balancer;
    let processes: Served[] = [];
    let connection: { close(): Promise<void>; dropDatabase(): Promise<unknown> } | undefined;
    let api: Api;
    /** How far the API's clock is ahead of real time, in ms (moved instead of waiting). */
    let apiAhead = 0;

    beforeAll(async () => {
      const dbName = testDatabaseName('key_rotation');
      const init = await twostep(['keys', 'init', '--dir', keysDir]);
      expect(init.code, init.stderr).toBe(0);
      balancer = await startBalancer();
      const config = join(dir, 'twostep.yaml');
      writeFileSync(
        config,
        [
          `issuer: ${balancer.url}`,
          'listen: { host: 127.0.0.1, port: 0 }',
          'mongodb: { ttlIndexes: false }',
          'clients:',
          `  - client_id: ${CLIENT.id}`,
          `    client_secret: ${CLIENT.secret}`,
          '    redirect_uris: [https://rotation.test/cb]',
          '    grant_types: [authorization_code, client_credentials]',
          '    firstParty: true',
          'resourceServers:',
          // Long-lived tokens: the API's clock moves 10 minutes on, and tokens from before must still be valid.
          `  ${AUDIENCE}: { scope: read, accessTokenTTL: 86400 }`,
          'sms: { delivery: log }',
          'email: { delivery: log }',
        ].join('\n'),
      );
      env = {
        TWOSTEP_CONFIG: config,
        TWOSTEP_MONGODB_URI: getMongoUri(),
        TWOSTEP_MONGODB_DATABASE: dbName,
        TWOSTEP_KEYS_DIR: keysDir,
      };
      // --dev for the plain-http issuer on 127.0.0.1 (the proxy); keys, database and clients are real.
      processes = await Promise.all([startServe(['--dev'], env), startServe(['--dev'], env)]);
      balancer.targets.push(...processes.map(backendOf));
      const { connectMongo } = await import('@twostep/store-mongoose');
      connection = await connectMongo(getMongoUri(), { dbName });

      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(realNow());
      api = await startApi();
    });

    /** An API on 127.0.0.1 that takes the IdP's access tokens (`requireBearer`, its own JWKS cache). */
    async function startApi(): Promise<Api> {
      const app = express();
      app.get('/api', requireBearer({ issuer: balancer.url, audience: AUDIENCE }), (req, res) => {
        res.json({ sub: req.twostepBearer!.claims.sub });
      });
      const server = createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    }

    /** Calls `target` with the API clock at `time`; the status. */
    async function callAt(target: Api, time: number, token: string): Promise<number> {
      vi.setSystemTime(time);
      return (await fetch(`${target.url}/api`, { headers: { authorization: `Bearer ${token}` } })).status;
    }

    afterAll(async () => {
      vi.useRealTimers();
      await Promise.all(processes.map((p) => p.stop()));
      await balancer?.close();
      api?.server.close();
      await dropTestDatabase(connection as never);
    });

    /** An access token from process `which` (the proxy pinned to it). */
    async function tokenFrom(which: 0 | 1): Promise<string> {
      balancer.mode = which;
      try {
        const response = await fetch(`${balancer.url}/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read', resource: AUDIENCE }),
        });
        const body = (await response.json()) as { access_token?: string };
        expect(response.status, JSON.stringify(body)).toBe(200);
        return body.access_token!;
      } finally {
        balancer.mode = 'round-robin';
      }
    }

    /** The JWKS process `which` publishes. */
    async function jwksOf(which: 0 | 1): Promise<JSONWebKeySet> {
      balancer.mode = which;
      try {
        return (await (await fetch(`${balancer.url}/jwks`)).json()) as JSONWebKeySet;
      } finally {
        balancer.mode = 'round-robin';
      }
    }

    const kidOf = (token: string) => decodeProtectedHeader(token).kid;

    /** Verifies at both processes (their own /jwks) and at the API (its cache, with its clock). */
    async function verifiesEverywhere(token: string): Promise<{ processes: boolean[]; api: number }> {
      const atProcesses = await Promise.all(
        ([0, 1] as const).map(async (which) =>
          jwtVerify(token, createLocalJWKSet(await jwksOf(which)), {
            issuer: balancer.url,
            audience: AUDIENCE,
          }).then(
            () => true,
            () => false,
          ),
        ),
      );
      return { processes: atProcesses, api: await callApi(token) };
    }

    const callApi = (token: string) => callAt(api, realNow() + apiAhead, token);

    /** SIGHUP to both processes; resolves once each has logged the reload. */
    async function reloadAll(): Promise<void> {
      const before = processes.map((p) => p.output().split('keys reloaded').length);
      for (const p of processes) p.child.kill('SIGHUP');
      await vi.waitFor(
        () => {
          processes.forEach((p, i) => {
            expect(p.output()).not.toContain('keys NOT reloaded');
            expect(p.output().split('keys reloaded').length).toBeGreaterThan(before[i]!);
          });
        },
        { timeout: 30_000, interval: 50 },
      );
    }

    const rsaIds = () =>
      describeKeySet({ dir: keysDir, env: {} })
        .signing.filter((k: KeyInfo) => k.alg === 'RS256')
        .map((k) => k.id);

    it('publish, promote, retire: tokens from either process verify at both and at the API', async () => {
      const everywhere = { processes: [true, true], api: 200 };
      const [k1] = rsaIds();

      // Before any rotation.
      const t0 = [await tokenFrom(0), await tokenFrom(1)];
      for (const t of t0) {
        expect(kidOf(t)).toBe(k1);
        expect(await verifiesEverywhere(t)).toEqual(everywhere);
      }
      // A second API, which reads the JWKS now and then only sees tokens it knows the key of.
      const lazy = await startApi();
      const lazyReadAt = realNow() + apiAhead;
      expect(await callAt(lazy, lazyReadAt, t0[0]!)).toBe(200);

      // Phase 1, publish: K2 is in every /jwks, nobody signs with it yet.
      const published = await twostep(['keys', 'publish', '--kind', 'signing'], env);
      expect(published.code, published.stderr).toBe(0);
      const k2 = published.stdout.trim();
      await reloadAll();
      for (const which of [0, 1] as const)
        expect((await jwksOf(which)).keys.map((k) => k.kid)).toEqual(expect.arrayContaining([k1, k2]));
      const t1 = [await tokenFrom(0), await tokenFrom(1)];
      for (const t of [...t0, ...t1]) {
        expect(kidOf(t)).toBe(k1);
        expect(await verifiesEverywhere(t)).toEqual(everywhere);
      }

      // The documented wait before promoting (≥ 10 minutes, the APIs' JWKS cache lifetime): the API's
      // clock moves on instead; its next call re-reads the JWKS, which now holds K2.
      apiAhead += 10 * 60_000 + 1000;
      expect(await callApi(t1[0]!)).toBe(200);

      // Phase 2, promote: both processes sign with K2; K1 is still published.
      expect((await twostep(['keys', 'promote', '--kind', 'signing', '--id', k2], env)).code).toBe(0);
      await reloadAll();
      const t2 = [await tokenFrom(0), await tokenFrom(1)];
      for (const t of t2) expect(kidOf(t)).toBe(k2);
      for (const t of [...t0, ...t1, ...t2]) expect(await verifiesEverywhere(t)).toEqual(everywhere);

      // Why the wait: an API that read the JWKS just before K2 was published, and a second later meets
      // a K2 token (publish and promote at once), refuses it: jose re-reads the JWKS for an unknown kid
      // at most every 30 s. Half a minute later it re-reads it and accepts.
      expect(await callAt(lazy, lazyReadAt + 1000, t2[0]!)).toBe(401);
      expect(await callAt(lazy, lazyReadAt + 31_000, t2[0]!)).toBe(200);
      lazy.server.close();

      // Phase 3, retire K1 (after the documented wait: the longest token lifetime, so no K1 token is
      // still in use). Tokens signed before and after it (K2) verify everywhere; K1 is gone.
      expect((await twostep(['keys', 'retire', '--kind', 'signing', '--id', k1!], env)).code).toBe(0);
      await reloadAll();
      const t3 = [await tokenFrom(0), await tokenFrom(1)];
      for (const t of [...t2, ...t3]) {
        expect(kidOf(t)).toBe(k2);
        expect(await verifiesEverywhere(t)).toEqual(everywhere);
      }
      for (const which of [0, 1] as const)
        expect((await jwksOf(which)).keys.map((k) => k.kid)).not.toContain(k1);
      expect((await verifiesEverywhere(t0[0]!)).processes).toEqual([false, false]);
    });
  },
);
