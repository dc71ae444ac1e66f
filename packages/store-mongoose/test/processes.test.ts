/**
 * Several IdP processes share one database: two connections stand for two
 * processes. What one does, the other sees; a one-time use won through one is
 * refused through the other. Data also survives a reconnect.
 */
import { DEFAULTS, type Stores } from '@twostep/core';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMongo, createMongooseStores, syncIndexes } from '../src/index.ts';
import {
  dropTestDatabase,
  getMongoUri,
  mongoAvailable,
  testDatabaseName,
} from '../../../test/helpers/mongo.ts';
import { at, makeClinic, makeRecovery, makeStaff, makeTotp, uid } from './fixtures.ts';

describe.skipIf(!mongoAvailable())('two processes on one database', () => {
  const dbName = testDatabaseName('processes');
  let first: Connection;
  let second: Connection;
  let a: Stores;
  let b: Stores;

  beforeAll(async () => {
    first = await connectMongo(getMongoUri(), { dbName });
    second = await connectMongo(getMongoUri(), { dbName });
    await syncIndexes(first);
    a = createMongooseStores(first);
    b = createMongooseStores(second);
  });
  afterAll(async () => {
    await second?.close();
    await dropTestDatabase(first);
  });

  async function newMember(stores: Stores) {
    const clinic = makeClinic();
    await stores.clinics.create(clinic);
    const member = makeStaff(clinic.id);
    await stores.staff.create(member);
    return member;
  }

  it('a TOTP step accepted through one process is refused through the other', async () => {
    const member = await newMember(a);
    const factor = makeTotp(member);
    await a.factors.savePending(factor);
    expect(await b.factors.activate(member.id, 'totp', factor.id, at(0), 1000)).toBe(true);
    expect(await a.factors.activate(member.id, 'totp', factor.id, at(0), 1000)).toBe(false);
    expect(await a.factors.acceptTotpStep(member.id, factor.id, 1001)).toBe(true);
    expect(await b.factors.acceptTotpStep(member.id, factor.id, 1001)).toBe(false);
    // Concurrently, half through each: exactly one wins.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).factors.acceptTotpStep(member.id, factor.id, 1002),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('a recovery code consumed through one process is gone in the other', async () => {
    const member = await newMember(a);
    const code = makeRecovery(member);
    await a.recoveryCodes.set(code);
    const next = makeRecovery(member);
    expect(await b.recoveryCodes.replace(member.id, code.hash, next)).toBe(true);
    expect(await a.recoveryCodes.replace(member.id, code.hash, makeRecovery(member))).toBe(false);
    expect(await a.recoveryCodes.get(member.id)).toEqual(next);
  });

  it('a pause set through one process is seen by the other, and cleared through it', async () => {
    const member = await newMember(a);
    const pause = {
      staffId: member.id,
      clinicId: member.clinicId,
      until: at(86_400),
      reason: 'Lost phone',
      pausedBy: uid('admin'),
      createdAt: at(0),
    };
    await a.pauses.set(pause);
    expect(await b.pauses.get(member.id)).toEqual(pause);
    expect(await b.pauses.clear(member.id)).toBe(true);
    expect(await a.pauses.get(member.id)).toBeNull();
  });

  it('counters and throttles count every increment from both processes', async () => {
    const key = uid('counter');
    const values = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).counters.increment(key, at(60), at(0))),
    );
    expect([...values].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // The throttle gate: 20 attempts from both processes, 5 free failures → exactly 5 let through.
    const throttleKey = uid('throttle');
    const takes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).throttles.take(throttleKey, at(1), DEFAULTS.throttle),
      ),
    );
    expect(takes.filter((t) => t.taken)).toHaveLength(5);
    expect(await a.throttles.get(throttleKey)).toEqual({ failures: 5, lastFailureAt: at(1) });
  });

  it('data survives closing the connection and opening a new one', async () => {
    const member = await newMember(a);
    const factor = makeTotp(member);
    await a.factors.savePending(factor);
    await a.factors.activate(member.id, 'totp', factor.id, at(5), 7);
    const stamped = await a.counters.increment(`c:${member.id}`, at(60), at(0));

    const reopened = await connectMongo(getMongoUri(), { dbName });
    try {
      const c = createMongooseStores(reopened);
      expect(await c.staff.findByEmail(member.email)).toEqual(member);
      expect(await c.factors.list(member.id)).toEqual([
        { ...factor, status: 'active', confirmedAt: at(5), lastStep: 7 },
      ]);
      expect(await c.factors.acceptTotpStep(member.id, factor.id, 7)).toBe(false);
      expect(await c.counters.increment(`c:${member.id}`, at(60), at(1))).toBe(stamped + 1);
    } finally {
      await reopened.close();
    }
  });
});
