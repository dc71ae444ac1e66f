/**
 * Every limit of the security-parameters table under a burst: 30 calls fired at
 * the same instant through core, on the memory store and (with MONGODB_URI) on
 * the mongoose store, each asserting the exact number let through. A limit that
 * reads its state, awaits, then writes lets several callers past on MongoDB;
 * one conditional update per attempt lets exactly the limit through.
 */
import { type CoreConfigInput, createMemoryStores, DEFAULTS, type Stores } from '@twostep/core';
import type { Connection } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { wrongCode } from '../../packages/core/test/fixtures.ts';
import { connectMongo, createMongooseStores, syncIndexes } from '../../packages/store-mongoose/src/index.ts';
import { dropTestDatabase, getMongoUri, mongoAvailable, testDatabaseName } from '../helpers/mongo.ts';
import { auditOf, coreFixture, enrollSms, enrollTotp, parallel } from './fixtures.ts';

const BURST = 30;
const THROTTLE = DEFAULTS.throttle;
const SMS = DEFAULTS.sms;

/** How many results had each reason (`ok` for successes). */
function tally(results: { ok: boolean; reason?: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const key = r.ok ? 'ok' : (r.reason ?? '?');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** `BURST` different six-digit codes, none of them valid now (nor the SMS code `except`). */
function wrongCodes(first: string, except = ''): string[] {
  const codes: string[] = [];
  for (let n = Number(first); codes.length < BURST; n++) {
    const code = String(n % 1_000_000).padStart(6, '0');
    if (code !== except) codes.push(code);
  }
  return codes;
}

function suite(name: string, makeStores: () => Promise<Stores>) {
  const fixture = async (config?: CoreConfigInput) => coreFixture(await makeStores(), undefined, config);
  const key = (staffId: string) => `second-factor:${staffId}`;

  describe(`${name}: ${BURST} attempts at once against each limit`, () => {
    it(`back-off: ${BURST} wrong authenticator codes → exactly ${THROTTLE.freeFailures} checked`, async () => {
      const f = await fixture();
      const { secret } = await enrollTotp(f, f.alice);
      const codes = wrongCodes(wrongCode(secret, f.clock));
      const results = await parallel(BURST, (i) =>
        f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', codes[i]),
      );
      const counts = tally(results);
      expect(counts.ok ?? 0).toBe(0);
      expect(counts.invalid).toBe(THROTTLE.freeFailures);
      expect(counts.throttled).toBe(BURST - THROTTLE.freeFailures);
      expect((await f.stores.throttles.get(key(f.alice.id))).failures).toBe(THROTTLE.freeFailures);
      const events = await auditOf(f.stores, f.clinic.id);
      expect(events.filter((e) => e.type === 'second_factor.failed')).toHaveLength(THROTTLE.freeFailures);
    });

    it(`back-off: ${BURST} wrong recovery codes → exactly ${THROTTLE.freeFailures} checked`, async () => {
      const f = await fixture();
      await enrollTotp(f, f.alice);
      const results = await parallel(BURST, (i) =>
        f.twostep.secondFactor.verify(
          f.actor(f.alice),
          f.alice,
          'recovery',
          `AAAA-BBBB-CCCC-${String(i)
            .padStart(2, '0')
            .replace(/\d/g, (d) => 'DEFGHJKMNP'[Number(d)]!)}DD`,
        ),
      );
      const counts = tally(results);
      expect(counts.invalid).toBe(THROTTLE.freeFailures);
      expect(counts.throttled).toBe(BURST - THROTTLE.freeFailures);
      expect((await f.stores.throttles.get(key(f.alice.id))).failures).toBe(THROTTLE.freeFailures);
    });

    it(`back-off: ${BURST} wrong SMS codes → exactly ${THROTTLE.freeFailures} checked`, async () => {
      const f = await fixture();
      await enrollSms(f, f.alice);
      expect((await f.twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice)).ok).toBe(true);
      const right = f.lastSms();
      const codes = wrongCodes('100000', right);
      const results = await parallel(BURST, (i) =>
        f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', codes[i]),
      );
      const counts = tally(results);
      expect(counts.ok ?? 0).toBe(0);
      expect(counts.throttled).toBe(BURST - THROTTLE.freeFailures);
      expect((counts.invalid ?? 0) + (counts.too_many_attempts ?? 0)).toBe(THROTTLE.freeFailures);
      expect((await f.stores.throttles.get(key(f.alice.id))).failures).toBe(THROTTLE.freeFailures);
      expect((await f.stores.smsChallenges.current(f.alice.id, 'sign_in'))?.failures).toBe(SMS.maxFailures);
    });

    it(`back-off over: ${BURST} wrong codes once the 30 s have passed → exactly 1 checked`, async () => {
      const f = await fixture();
      const { secret } = await enrollTotp(f, f.alice);
      for (let i = 0; i < THROTTLE.freeFailures; i++) {
        const r = await f.twostep.secondFactor.verify(
          f.actor(f.alice),
          f.alice,
          'totp',
          wrongCode(secret, f.clock),
        );
        expect(r).toMatchObject({ ok: false, reason: 'invalid' });
      }
      f.clock.advance(THROTTLE.baseDelaySeconds * 1000);
      const codes = wrongCodes(wrongCode(secret, f.clock));
      const results = await parallel(BURST, (i) =>
        f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', codes[i]),
      );
      expect(tally(results)).toEqual({ invalid: 1, throttled: BURST - 1 });
      expect((await f.stores.throttles.get(key(f.alice.id))).failures).toBe(THROTTLE.freeFailures + 1);
    });

    it(`hard lock: ${BURST} wrong codes at ${THROTTLE.hardLockAfter - 1} failures → exactly 1 checked, locked once`, async () => {
      const f = await fixture();
      const { secret } = await enrollTotp(f, f.alice);
      // Walk to 99 counted failures, stepping over each back-off.
      for (let counted = 0; counted < THROTTLE.hardLockAfter - 1; ) {
        const r = await f.twostep.secondFactor.verify(
          f.actor(f.alice),
          f.alice,
          'totp',
          wrongCode(secret, f.clock),
        );
        if (!r.ok && r.reason === 'invalid') counted++;
        f.clock.advance(THROTTLE.maxDelaySeconds * 1000);
      }
      const codes = wrongCodes(wrongCode(secret, f.clock));
      const results = await parallel(BURST, (i) =>
        f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', codes[i]),
      );
      const counts = tally(results);
      expect(counts.invalid).toBe(1);
      expect((counts.throttled ?? 0) + (counts.locked ?? 0)).toBe(BURST - 1);
      expect((await f.stores.throttles.get(key(f.alice.id))).failures).toBe(THROTTLE.hardLockAfter);
      const events = await auditOf(f.stores, f.clinic.id);
      expect(events.filter((e) => e.type === 'account.locked')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'second_factor.failed')).toHaveLength(THROTTLE.hardLockAfter);
    });
  });
}

suite('memory', async () => createMemoryStores());

describe.skipIf(!mongoAvailable())('mongoose', () => {
  let connection: Connection | undefined;
  afterAll(() => dropTestDatabase(connection));
  suite('mongoose', async () => {
    if (!connection) {
      connection = await connectMongo(getMongoUri(), { dbName: testDatabaseName('limits_burst') });
      await syncIndexes(connection, { ttlIndexes: false });
    }
    return createMongooseStores(connection);
  });
});
