/**
 * 50 parallel submissions of one code through core `secondFactor.verify`, on
 * the memory store and (with MONGODB_URI) on the mongoose store: exactly one
 * succeeds, the losers are refused as replays or held at the throttle gate
 * unchecked (neither counted as a guess, so a double-submitting browser cannot
 * lock the account), the audit chain stays whole and the account is not
 * throttled afterwards.
 */
import { createHmac } from 'node:crypto';
import { interceptStores, type Stores } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import {
  auditOf,
  type CoreFixture,
  coreFixture,
  enrollSms,
  enrollTotp,
  onMemoryAndMongo,
  parallel,
} from './fixtures.ts';

// 50, as every burst of the suite: each attempt held at the gate is audited, and on the
// serializing FerretDB proxy 200 of them took longer than the test timeout.
const N = 50;

function suite(name: string, makeStores: () => Promise<Stores>) {
  describe(`${name}: ${N} parallel submissions of one code`, () => {
    /**
     * `late`: how many losers read the store only after the winner had replaced the code
     * (possible on MongoDB, where reads interleave with the winning write; counted by watching
     * the store's reads). Such a loser cannot tell the code from an old one and counts exactly
     * one guess, as a sequential reuse does; every other loser is a replay. Recovery codes only.
     */
    async function expectOneWinner(
      f: CoreFixture,
      before: number,
      results: { ok: boolean; reason?: string }[],
      late = 0,
    ) {
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      // The losers lost a race for a code that was right: a replay (or, for SMS, "no code" once
      // the challenge reads as consumed), or held at the throttle gate unchecked while 5
      // attempts were in flight (the free failures, taken in advance); never a counted guess —
      // except the `late` readers.
      const losers = results.filter((r) => !r.ok).map((r) => r.reason);
      expect(losers.filter((r) => r === 'invalid')).toHaveLength(late);
      expect(losers.filter((r) => r !== 'invalid')).toSatisfy((rs: unknown[]) =>
        rs.every((r) => r === 'replayed' || r === 'no_code' || r === 'throttled'),
      );
      if (name === 'memory') expect(late).toBe(0);
      // A late reader counted before the winner's reset was cleared by it.
      const failures = (await f.stores.throttles.get(`second-factor:${f.alice.id}`)).failures;
      expect(failures).toBeLessThanOrEqual(late);
      const events = (await auditOf(f.stores, f.clinic.id)).slice(before);
      expect(events.filter((e) => e.type === 'second_factor.succeeded')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'second_factor.failed')).toHaveLength(late);
      expect(events.filter((e) => e.type === 'account.locked')).toHaveLength(0);
      expect((await f.twostep.audit.verify(f.clinic.id)).ok).toBe(true);
      // Five counted guesses start the back-off.
      expect((await f.twostep.secondFactor.requirement(f.alice)).kind).toBe(
        failures < 5 ? 'second_factor' : 'locked',
      );
    }

    it('TOTP: exactly one success', async () => {
      const f = await coreFixture(await makeStores());
      const { secret } = await enrollTotp(f, f.alice);
      const code = f.code(secret);
      const before = (await auditOf(f.stores, f.clinic.id)).length;
      const results = await parallel(N, () =>
        f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', code),
      );
      await expectOneWinner(f, before, results);
    });

    it('regression: parallel uses of one recovery code are counted once, not as 49 guesses', async () => {
      // Every recovery-code read: the hash it returned.
      const reads: (string | undefined)[] = [];
      const stores = interceptStores(await makeStores(), (store, method, _args, call) => {
        const result = call();
        if (store !== 'recoveryCodes' || method !== 'get') return result;
        return (result as Promise<{ hash: string } | null>).then((record) => {
          reads.push(record?.hash);
          return record;
        });
      });
      const f = await coreFixture(stores);
      const { recoveryCode } = await enrollTotp(f, f.alice);
      const original = (await f.stores.recoveryCodes.get(f.alice.id))!.hash;
      reads.length = 0;
      const before = (await auditOf(f.stores, f.clinic.id)).length;
      const results = await parallel(N, () =>
        f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'recovery', recoveryCode!),
      );
      await expectOneWinner(f, before, results, reads.filter((hash) => hash !== original).length);
      // The stored code is the replacement the winner was shown.
      const winner = results.find((r) => r.ok);
      const stored = await f.stores.recoveryCodes.get(f.alice.id);
      // Computed with node:crypto, not core's hmacSha256: HMAC-SHA256(salt, code without dashes).
      const shown = (winner?.ok && winner.newRecoveryCode?.replaceAll('-', '')) || '';
      expect(winner?.ok && stored?.hash).toBe(
        createHmac('sha256', stored!.salt).update(shown).digest('base64url'),
      );
      expect(
        (await auditOf(f.stores, f.clinic.id)).filter((e) => e.type === 'recovery_code.used'),
      ).toHaveLength(1);
    });

    it('regression: replayed SMS code under load is counted once', async () => {
      const f = await coreFixture(await makeStores());
      await enrollSms(f, f.alice);
      const sent = await f.twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice);
      expect(sent.ok).toBe(true);
      const code = f.lastSms();
      const before = (await auditOf(f.stores, f.clinic.id)).length;
      const results = await parallel(N, () =>
        f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', code),
      );
      await expectOneWinner(f, before, results);
    });

    it('a wrong code submitted in parallel still counts as guesses (the fix did not open a hole)', async () => {
      const f = await coreFixture(await makeStores());
      await enrollSms(f, f.alice);
      await f.twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice);
      const right = f.lastSms();
      const wrong = right === '000000' ? '000001' : '000000';
      const results = await parallel(20, () =>
        f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', wrong),
      );
      expect(results.some((r) => r.ok)).toBe(false);
      expect(results.some((r) => !r.ok && r.reason === 'replayed')).toBe(false);
      expect((await f.stores.throttles.get(`second-factor:${f.alice.id}`)).failures).toBeGreaterThan(0);
      // The challenge is spent after 5 failures: the right code no longer works.
      f.clock.advance(3_600_000);
      expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', right)).toMatchObject({
        ok: false,
      });
    });
  });
}

onMemoryAndMongo('rel_conc', suite);
