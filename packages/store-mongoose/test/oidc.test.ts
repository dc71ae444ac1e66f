import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectMongo,
  createOidcAdapter,
  MongooseOidcAdapter,
  type OidcAdapterConstructor,
  oidcCollectionName,
  syncIndexes,
} from '../src/index.ts';
import {
  dropTestDatabase,
  getMongoUri,
  mongoAvailable,
  testDatabaseName,
} from '../../../test/helpers/mongo.ts';
import { uid } from './fixtures.ts';

describe('oidc collection names', () => {
  it('are snake_case per model', () => {
    expect(oidcCollectionName('AccessToken')).toBe('oidc_access_token');
    expect(oidcCollectionName('Session')).toBe('oidc_session');
    expect(oidcCollectionName('BackchannelAuthenticationRequest')).toBe(
      'oidc_backchannel_authentication_request',
    );
  });
});

describe.skipIf(!mongoAvailable())('MongooseOidcAdapter', () => {
  let connection: Connection;
  /** The adapter's clock, moved by the tests. */
  let nowMs = Date.UTC(2090, 0, 1);
  let Adapter: OidcAdapterConstructor;

  beforeAll(async () => {
    connection = await connectMongo(getMongoUri(), { dbName: testDatabaseName('oidc') });
    await syncIndexes(connection);
    Adapter = createOidcAdapter(connection, { now: () => nowMs });
  });
  afterAll(() => dropTestDatabase(connection));

  it('the factory returns a class oidc-provider can construct with a model name', () => {
    const adapter = new Adapter('AccessToken');
    expect(adapter).toBeInstanceOf(MongooseOidcAdapter);
    expect((adapter as MongooseOidcAdapter).name).toBe('AccessToken');
  });

  it('upsert then find returns the payload; upsert again replaces it; unknown ids are undefined', async () => {
    const tokens = new Adapter('AccessToken');
    const id = uid('at');
    const payload = {
      accountId: 'staff_1',
      grantId: uid('grant'),
      scope: 'openid',
      kind: 'AccessToken',
      jti: id,
    };
    await tokens.upsert(id, payload, 60);
    expect(await tokens.find(id)).toEqual(payload);
    const replaced = { ...payload, scope: 'openid profile' };
    await tokens.upsert(id, replaced, 60);
    expect(await tokens.find(id)).toEqual(replaced);
    expect(await tokens.find(uid('at'))).toBeUndefined();
    // Models are separate collections.
    expect(await new Adapter('RefreshToken').find(id)).toBeUndefined();
  });

  it('stores nested, empty and null values as given', async () => {
    const grants = new Adapter('Grant');
    const id = uid('grant');
    const payload = {
      accountId: 'a',
      clientId: 'c',
      openid: { scope: 'openid email' },
      resources: {},
      rejected: [],
      claims: null,
      exp: 12,
    };
    await grants.upsert(id, payload, 3600);
    expect(await grants.find(id)).toEqual(payload);
  });

  it('consume marks the payload consumed (seconds since the epoch) and keeps it findable', async () => {
    const codes = new Adapter('AuthorizationCode');
    const id = uid('code');
    await codes.upsert(id, { accountId: 'a', grantId: uid('grant') }, 60);
    expect((await codes.find(id))?.consumed).toBeUndefined();
    await codes.consume(id);
    expect(await codes.find(id)).toMatchObject({ accountId: 'a', consumed: Math.floor(nowMs / 1000) });
  });

  it('regression: concurrent redemptions of one refresh token or code → only one consume succeeds', async () => {
    // oidc-provider checks `consumed`, then calls consume: the adapter is the only place to decide one winner.
    const tokens = new Adapter('RefreshToken');
    const id = uid('rt');
    await tokens.upsert(id, { accountId: 'a', grantId: uid('grant') }, 60);
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => tokens.consume(id)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      // oidc-provider's InvalidGrant, as its error handler reads it.
      expect((o as PromiseRejectedResult).reason).toMatchObject({
        expose: true,
        statusCode: 400,
        message: 'invalid_grant',
      });
    }
    // Gone (destroyed by reuse detection after it was read): refused too.
    await expect(tokens.consume(uid('rt'))).rejects.toMatchObject({ message: 'invalid_grant' });
  });

  it('destroy deletes one document', async () => {
    const interactions = new Adapter('Interaction');
    const [a, b] = [uid('i'), uid('i')];
    await interactions.upsert(a, { uid: a }, 600);
    await interactions.upsert(b, { uid: b }, 600);
    await interactions.destroy(a);
    expect(await interactions.find(a)).toBeUndefined();
    expect(await interactions.find(b)).toEqual({ uid: b });
    await interactions.destroy(uid('i'));
  });

  it('revokeByGrantId deletes every document of the grant in the model, and only those', async () => {
    const tokens = new Adapter('AccessToken');
    const refresh = new Adapter('RefreshToken');
    const grantId = uid('grant');
    const [t1, t2, t3, r1] = [uid('at'), uid('at'), uid('at'), uid('rt')];
    await tokens.upsert(t1, { grantId }, 60);
    await tokens.upsert(t2, { grantId }, 60);
    await tokens.upsert(t3, { grantId: uid('grant') }, 60);
    await refresh.upsert(r1, { grantId }, 60);
    await tokens.revokeByGrantId(grantId);
    expect(await tokens.find(t1)).toBeUndefined();
    expect(await tokens.find(t2)).toBeUndefined();
    expect(await tokens.find(t3)).toBeDefined();
    // oidc-provider calls revokeByGrantId on each model's adapter.
    expect(await refresh.find(r1)).toEqual({ grantId });
    await refresh.revokeByGrantId(grantId);
    expect(await refresh.find(r1)).toBeUndefined();
  });

  it('findByUid finds a session; findByUserCode finds a device code', async () => {
    const sessions = new Adapter('Session');
    const id = uid('sess');
    const sessionUid = uid('uid');
    await sessions.upsert(id, { uid: sessionUid, accountId: 'a', loginTs: 1 }, 3600);
    expect(await sessions.findByUid(sessionUid)).toEqual({ uid: sessionUid, accountId: 'a', loginTs: 1 });
    expect(await sessions.findByUid(uid('uid'))).toBeUndefined();

    const deviceCodes = new Adapter('DeviceCode');
    const userCode = 'BCDF-GHJK';
    await deviceCodes.upsert(uid('dc'), { userCode, clientId: 'tv', grantId: uid('grant') }, 600);
    expect(await deviceCodes.findByUserCode(userCode)).toMatchObject({ userCode, clientId: 'tv' });
    expect(await deviceCodes.findByUserCode('ZZZZ-ZZZZ')).toBeUndefined();
  });

  it('a second session with the same uid is refused (unique index)', async () => {
    const sessions = new Adapter('Session');
    const sessionUid = uid('uid');
    await sessions.upsert(uid('sess'), { uid: sessionUid }, 3600);
    await expect(sessions.upsert(uid('sess'), { uid: sessionUid }, 3600)).rejects.toMatchObject({
      name: 'TwostepError',
      code: 'conflict',
    });
  });

  it('an expired document is never returned (expiry checked on read, no TTL needed)', async () => {
    const sessions = new Adapter('Session');
    const id = uid('sess');
    const sessionUid = uid('uid');
    const start = nowMs;
    await sessions.upsert(id, { uid: sessionUid }, 10);
    nowMs = start + 9_999;
    expect(await sessions.find(id)).toEqual({ uid: sessionUid });
    expect(await sessions.findByUid(sessionUid)).toEqual({ uid: sessionUid });
    nowMs = start + 10_000;
    expect(await sessions.find(id)).toBeUndefined();
    expect(await sessions.findByUid(sessionUid)).toBeUndefined();
    nowMs = start;
  });

  it('an upsert without expiresIn never expires', async () => {
    const clients = new Adapter('Client');
    const id = uid('client');
    await clients.upsert(id, { client_id: id }, 0);
    nowMs += 10 * 365 * 86_400_000;
    expect(await clients.find(id)).toEqual({ client_id: id });
  });

  it('two adapters on two connections (two IdP processes) see each other’s writes', async () => {
    const other = await connectMongo(getMongoUri(), { dbName: connection.name });
    try {
      const OtherAdapter = createOidcAdapter(other, { now: () => nowMs });
      const id = uid('code');
      await new Adapter('AuthorizationCode').upsert(id, { grantId: uid('grant') }, 60);
      await new OtherAdapter('AuthorizationCode').consume(id);
      expect(await new Adapter('AuthorizationCode').find(id)).toHaveProperty('consumed');
    } finally {
      await other.close();
    }
  });
});
