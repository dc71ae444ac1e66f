/**
 * Secret-box rotation on MongoDB (FerretDB in CI) with the real `twostep`
 * command: authenticators enrolled under the old key, `keys publish` /
 * `promote`, `keys retire` refused while secrets are sealed with the old key,
 * `keys reencrypt` (twice: idempotent), then `keys retire` — and every
 * enrolled authenticator still signs in with the new key alone: through core,
 * and through a whole OIDC sign-in at `twostep serve` with that key set.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Clinic,
  countSealedWith,
  createTwostep,
  hashPassword,
  manualClock,
  outboxSmsSender,
  type StaffMember,
  type Stores,
  TOTP,
  totp,
} from '@twostep/core';
import { describeKeySet, initKeySet, type KeySet, loadKeySet } from '@twostep/oidc-server';
import { connectMongo, createMongooseStores, syncIndexes } from '@twostep/store-mongoose';
import type { Connection } from 'mongoose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe } from '../../packages/server/test/run.ts';
import { startBalancer } from '../e2e-mongo/support.ts';
import { Browser } from '../helpers/browser.ts';
import { dropTestDatabase, getMongoUri, mongoAvailable, testDatabaseName } from '../helpers/mongo.ts';
import { begin, redeem } from '../helpers/oidc-client.ts';
import { submitPassword, submitTotp } from '../helpers/sign-in.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function twostep(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@twostep/source', 'packages/server/src/main.ts', ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          out: stdout + stderr,
        }),
    );
  });
}

const T0 = new Date('2026-03-02T09:00:05.000Z');
const PASSWORD = 'correct horse battery staple';
const APP = {
  id: 'reencrypt-app',
  secret: 'reencrypt-app-secret-0123456789abcdef',
  redirectUri: 'https://app.test/cb',
};
const code = (secret: string, at: Date) => totp(secret, Math.floor(at.getTime() / 1000), TOTP);

describe.skipIf(!mongoAvailable())('keys reencrypt on MongoDB', { timeout: 120_000 }, () => {
  let connection: Connection;
  let stores: Stores;
  let env: Record<string, string>;
  let dir: string;
  const clock = manualClock(T0);
  const core = (keys: KeySet) =>
    createTwostep({
      stores,
      secretBox: keys.secretBox,
      hashKey: keys.hashKey,
      smsSender: outboxSmsSender(),
      clock,
      logger: { warn: () => undefined, error: () => undefined },
    });

  beforeAll(async () => {
    const dbName = testDatabaseName('keys_reencrypt');
    connection = await connectMongo(getMongoUri(), { dbName });
    await syncIndexes(connection);
    stores = createMongooseStores(connection);
    dir = join(mkdtempSync(join(tmpdir(), 'twostep-reencrypt-')), 'keys');
    initKeySet(dir);
    env = { TWOSTEP_MONGODB_URI: getMongoUri(), TWOSTEP_MONGODB_DATABASE: dbName, TWOSTEP_KEYS_DIR: dir };
  });
  afterAll(async () => {
    await dropTestDatabase(connection);
  });

  it('every enrolled authenticator signs in after the old secret-box key is removed', async () => {
    const clinic: Clinic = {
      id: 'clinic-r',
      name: 'Maple Street Physio',
      enforceTwoStep: true,
      allowTrustedDevices: true,
      createdAt: T0,
    };
    await stores.clinics.create(clinic);
    const passwordHash = await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });
    const staff: StaffMember[] = ['ana', 'ben', 'cho'].map((name) => ({
      id: `staff-${name}`,
      clinicId: clinic.id,
      email: `${name}@maple.example`,
      name,
      role: 'staff',
      passwordHash,
      active: true,
      createdAt: T0,
    }));
    const before = core(loadKeySet({ dir, env: {} }));
    const secrets = new Map<string, string>();
    for (const member of staff) {
      await stores.staff.create(member);
      const started = await before.enrollment.startTotp(member);
      const done = await before.enrollment.confirmTotp(
        { actorId: member.id },
        member,
        code(started.secret, clock.now()),
      );
      expect(done.ok).toBe(true);
      secrets.set(member.id, started.secret);
    }
    clock.advance(TOTP.period * 1000);
    const [oldId] = describeKeySet({ dir, env: {} })['secret-box'].map((k) => k.id);

    const published = await twostep(['keys', 'publish', '--kind', 'secret-box'], env);
    expect(published.code, published.out).toBe(0);
    const newId = published.out.split('\n')[0]!.trim();
    expect((await twostep(['keys', 'promote', '--kind', 'secret-box', '--id', newId], env)).code).toBe(0);

    const early = await twostep(['keys', 'retire', '--kind', 'secret-box', '--id', oldId!], env);
    expect(early.code).toBe(1);
    expect(early.out).toContain(`3 authenticator secret(s) are still sealed with key ${oldId}`);

    const first = await twostep(['keys', 'reencrypt'], env);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain(
      'checked 3, re-sealed 3, already current 0, changed meanwhile 0, unreadable 0',
    );
    const again = await twostep(['keys', 'reencrypt'], env);
    expect(again.out).toContain('checked 3, re-sealed 0, already current 3');
    expect(await countSealedWith(stores.factors, oldId!)).toBe(0);

    const retired = await twostep(['keys', 'retire', '--kind', 'secret-box', '--id', oldId!], env);
    expect(retired.code, retired.out).toBe(0);
    const keys = loadKeySet({ dir, env: {} });
    expect(describeKeySet({ dir, env: {} })['secret-box'].map((k) => k.id)).toEqual([newId]);

    const after = core(keys);
    for (const member of staff) {
      const result = await after.secondFactor.verify(
        { actorId: member.id },
        member,
        'totp',
        code(secrets.get(member.id)!, clock.now()),
      );
      expect(result, member.name).toMatchObject({ ok: true });
    }

    // The server, with this key set: a whole sign-in per person, password then authenticator code.
    const balancer = await startBalancer(); // one fixed issuer URL in front of the port-0 server
    const config = join(dir, '..', 'twostep.yaml');
    writeFileSync(
      config,
      [
        `issuer: ${balancer.url}`,
        'listen: { host: 127.0.0.1, port: 0 }',
        'mongodb: { ttlIndexes: false }',
        `clients: [{ client_id: ${APP.id}, client_secret: ${APP.secret}, redirect_uris: [${APP.redirectUri}], firstParty: true }]`,
        'sms: { delivery: log }',
        'email: { delivery: log }',
      ].join('\n'),
    );
    const served = await startServe(['--dev'], { ...env, TWOSTEP_CONFIG: config });
    try {
      balancer.targets.push(/listening on (http:\/\/[^,)\s]+)/.exec(served.output())![1]!);
      const rp = {
        config: await oidc.discovery(new URL(balancer.url), APP.id, APP.secret, undefined, {
          execute: [oidc.allowInsecureRequests],
        }),
        redirectUri: APP.redirectUri,
      };
      for (const member of staff) {
        const browser = new Browser();
        const { request, page } = await begin(browser, rp);
        const codePage = await submitPassword(browser, page, { email: member.email, password: PASSWORD });
        const done = await submitTotp(browser, codePage, code(secrets.get(member.id)!, new Date()));
        const tokens = await redeem(rp, request, done);
        expect(tokens.claims(), member.name).toMatchObject({ sub: member.id, acr: 'urn:twostep:loa:2fa' });
      }
    } finally {
      await served.stop();
      await balancer.close();
    }
  });
});
