import { createAesGcmSecretBox, createMemoryStores, outboxSmsSender } from '@twostep/core';
import { errors } from 'oidc-provider';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  createIdp,
  createMemoryAdapter,
  generateCookieKey,
  generateSigningKey,
  MemoryAdapter,
  MemoryAdapterStorage,
} from '../src/index.ts';

/** A clock the test moves (milliseconds). */
function clock(start = Date.UTC(2026, 2, 2, 9)) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

describe('createMemoryAdapter', () => {
  it('upsert then find returns a copy of the payload; find of an unknown id is undefined', async () => {
    const Adapter = createMemoryAdapter();
    const codes = new Adapter('AuthorizationCode');
    const payload = { accountId: 'staff-1', grantId: 'g1', scope: 'openid', kind: 'AuthorizationCode' };
    await codes.upsert('c1', payload, 60);
    const found = await codes.find('c1');
    expect(found).toEqual(payload);
    // Copies in and out: changing either object does not change what is stored.
    found!.scope = 'changed';
    payload.scope = 'changed too';
    expect((await codes.find('c1'))?.scope).toBe('openid');
    expect(await codes.find('nope')).toBeUndefined();
    // Upsert replaces.
    await codes.upsert('c1', { ...payload, scope: 'openid email' }, 60);
    expect((await codes.find('c1'))?.scope).toBe('openid email');
  });

  it('models are separate: the same id in two models are two records', async () => {
    const Adapter = createMemoryAdapter();
    await new Adapter('AccessToken').upsert('x', { kind: 'AccessToken' }, 60);
    await new Adapter('RefreshToken').upsert('x', { kind: 'RefreshToken' }, 60);
    expect((await new Adapter('AccessToken').find('x'))?.kind).toBe('AccessToken');
    expect((await new Adapter('RefreshToken').find('x'))?.kind).toBe('RefreshToken');
  });

  it('expiry: found until expiresIn seconds have passed, then gone (and removed on that read)', async () => {
    const c = clock();
    const Adapter = createMemoryAdapter({ now: c.now });
    const sessions = new Adapter('Session');
    await sessions.upsert('s1', { uid: 'u1' }, 10);
    await sessions.upsert('forever', { uid: 'u2' }); // no expiresIn: never expires
    c.advance(9_999);
    expect(await sessions.find('s1')).toBeDefined();
    c.advance(1);
    expect(await sessions.find('s1')).toBeUndefined();
    expect(await sessions.findByUid('u1')).toBeUndefined();
    expect(Adapter.storage.size).toBe(1);
    c.advance(365 * 24 * 3600 * 1000);
    expect(await sessions.findByUid('u2')).toEqual({ uid: 'u2' });
  });

  it('expired entries nobody reads are swept on write', async () => {
    const c = clock();
    const Adapter = createMemoryAdapter({ now: c.now, sweepEvery: 10 });
    const tokens = new Adapter('AccessToken');
    for (let i = 0; i < 5; i++) await tokens.upsert(`old-${i}`, { kind: 'AccessToken' }, 1);
    c.advance(2_000);
    for (let i = 0; i < 5; i++) await tokens.upsert(`new-${i}`, { kind: 'AccessToken' }, 60);
    // The 10th write swept the 5 expired ones.
    expect(Adapter.storage.size).toBe(5);
    expect(await tokens.find('new-0')).toBeDefined();
    // And sweep() on demand.
    c.advance(61_000);
    Adapter.storage.sweep();
    expect(Adapter.storage.size).toBe(0);
  });

  it('consume: once; an already consumed record stays consumed (first time kept) and the second call is invalid_grant', async () => {
    const c = clock();
    const Adapter = createMemoryAdapter({ now: c.now });
    const codes = new Adapter('AuthorizationCode');
    await codes.upsert('c1', { grantId: 'g1' }, 60);
    await codes.consume('c1');
    const consumedAt = (await codes.find('c1'))?.consumed;
    expect(consumedAt).toBe(Math.floor(c.now() / 1000));
    c.advance(5_000);
    const second = await codes.consume('c1').catch((e: unknown) => e);
    expect(second).toBeInstanceOf(errors.InvalidGrant);
    expect((second as errors.InvalidGrant).error).toBe('invalid_grant');
    expect((await codes.find('c1'))?.consumed).toBe(consumedAt);
    // Gone (never stored, destroyed, expired): invalid_grant too, as the mongoose adapter answers.
    await expect(codes.consume('missing')).rejects.toBeInstanceOf(errors.InvalidGrant);
  });

  it('of many concurrent consumes of one record exactly one succeeds', async () => {
    const Adapter = createMemoryAdapter();
    const tokens = new Adapter('RefreshToken');
    await tokens.upsert('r1', { grantId: 'g1' }, 60);
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => tokens.consume('r1')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  });

  it('destroy removes the record and its uid index; destroying an unknown id is fine', async () => {
    const Adapter = createMemoryAdapter();
    const sessions = new Adapter('Session');
    await sessions.upsert('s1', { uid: 'u1' }, 60);
    await sessions.destroy('s1');
    expect(await sessions.find('s1')).toBeUndefined();
    expect(await sessions.findByUid('u1')).toBeUndefined();
    await sessions.destroy('never-there');
  });

  it('findByUid follows the session through a new uid; findByUserCode', async () => {
    const Adapter = createMemoryAdapter();
    const sessions = new Adapter('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'a' }, 60);
    expect((await sessions.findByUid('u1'))?.accountId).toBe('a');
    await sessions.upsert('s1', { uid: 'u2', accountId: 'a' }, 60);
    expect(await sessions.findByUid('u1')).toBeUndefined();
    expect((await sessions.findByUid('u2'))?.accountId).toBe('a');
    expect(await sessions.findByUid('unknown')).toBeUndefined();

    const devices = new Adapter('DeviceCode');
    await devices.upsert('d1', { userCode: 'ABCD-EFGH', grantId: 'g' }, 60);
    expect((await devices.findByUserCode('ABCD-EFGH'))?.grantId).toBe('g');
    expect(await devices.findByUserCode('WXYZ-0000')).toBeUndefined();
  });

  it("revokeByGrantId removes the model's records of that grant, and nothing else", async () => {
    const Adapter = createMemoryAdapter();
    const access = new Adapter('AccessToken');
    const refresh = new Adapter('RefreshToken');
    await access.upsert('a1', { grantId: 'g1' }, 60);
    await access.upsert('a2', { grantId: 'g1' }, 60);
    await access.upsert('a3', { grantId: 'g2' }, 60);
    await refresh.upsert('r1', { grantId: 'g1' }, 60);
    // A record moved to another grant is no longer the old grant's.
    await access.upsert('a4', { grantId: 'g1' }, 60);
    await access.upsert('a4', { grantId: 'g2' }, 60);
    await access.revokeByGrantId('g1');
    expect(await access.find('a1')).toBeUndefined();
    expect(await access.find('a2')).toBeUndefined();
    expect(await access.find('a3')).toBeDefined();
    expect(await access.find('a4')).toBeDefined();
    // oidc-provider calls revokeByGrantId on each model's adapter.
    expect(await refresh.find('r1')).toBeDefined();
    await refresh.revokeByGrantId('g1');
    expect(await refresh.find('r1')).toBeUndefined();
    await access.revokeByGrantId('unknown');
  });

  it('two factories never share state; MemoryAdapter on one storage does', async () => {
    const A = createMemoryAdapter();
    const B = createMemoryAdapter();
    await new A('Session').upsert('s1', { uid: 'u1' }, 60);
    expect(await new B('Session').find('s1')).toBeUndefined();
    expect(await new B('Session').findByUid('u1')).toBeUndefined();
    expect(await new A('Session').find('s1')).toEqual({ uid: 'u1' });
    expect(A.storage).not.toBe(B.storage);

    const storage = new MemoryAdapterStorage();
    await new MemoryAdapter('Grant', storage).upsert('g', { accountId: 'x' }, 60);
    expect(await new MemoryAdapter('Grant', storage).find('g')).toEqual({ accountId: 'x' });
  });

  it('keeps more than 1,000 sessions (oidc-provider’s development adapter is an LRU of 1,000)', async () => {
    const Adapter = createMemoryAdapter();
    const sessions = new Adapter('Session');
    for (let i = 0; i < 1500; i++) {
      await sessions.upsert(`s${i}`, { uid: `u${i}`, accountId: `staff-${i}` }, 3600);
    }
    expect((await sessions.find('s0'))?.accountId).toBe('staff-0');
    expect((await sessions.findByUid('u0'))?.accountId).toBe('staff-0');
    expect((await sessions.find('s1499'))?.accountId).toBe('staff-1499');
    expect(Adapter.storage.size).toBe(1500);
  });
});

describe('createIdp without an adapter', () => {
  const base = () => ({
    issuer: 'http://127.0.0.1:4000',
    stores: createMemoryStores(),
    secretBox: createAesGcmSecretBox([{ id: 'k', key: new Uint8Array(32) }]),
    hashKey: new Uint8Array(32),
    smsSender: outboxSmsSender(),
    jwks: { keys: [generateSigningKey('k')] },
    cookieKeys: [generateCookieKey()],
    clients: [
      {
        client_id: 'app',
        client_secret: 's'.repeat(32),
        redirect_uris: ['http://127.0.0.1/cb'],
        firstParty: true,
      },
    ],
  });

  it("uses the memory adapter: our one-process warning, not oidc-provider's LRU warning; IdPs are isolated", async () => {
    const warnings: string[] = [];
    const printed: unknown[][] = [];
    const originalWarn = console.warn;
    const originalError = console.error;
    const originalLog = console.log;
    console.warn = console.error = console.log = (...args: unknown[]) => printed.push(args);
    try {
      const logger = {
        warn: (m: string) => {
          warnings.push(m);
        },
        error: () => {},
      };
      const one = createIdp({ ...base(), logger });
      const two = createIdp({ ...base(), logger });
      // Both IdPs answer (initialising their adapters), each with its own state.
      expect((await request(one.app).get('/.well-known/openid-configuration')).status).toBe(200);
      const grant = new one.provider.Grant({ accountId: 'staff-1', clientId: 'app' });
      const grantId = await grant.save();
      expect(await one.provider.Grant.find(grantId)).toBeDefined();
      expect(await two.provider.Grant.find(grantId)).toBeUndefined();
    } finally {
      console.warn = originalWarn;
      console.error = originalError;
      console.log = originalLog;
    }
    expect(warnings).toContain('no adapter configured: oidc-provider state is in memory (one process only)');
    expect(JSON.stringify(printed)).not.toMatch(/quick start development-only in-memory adapter/);
  });
});
