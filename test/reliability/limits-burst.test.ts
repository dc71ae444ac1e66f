/**
 * Every limit of the security-parameters table under a burst: 30 calls fired at
 * the same instant through core, on the memory store and (with MONGODB_URI) on
 * the mongoose store, each asserting the exact number let through. A limit that
 * reads its state, awaits, then writes lets several callers past on MongoDB;
 * one conditional update per attempt lets exactly the limit through.
 */
import { type CoreConfigInput, DEFAULTS, normalizePhone, type Stores } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { wrongCode } from '../../packages/core/test/fixtures.ts';
import { auditOf, coreFixture, enrollSms, enrollTotp, onMemoryAndMongo, parallel } from './fixtures.ts';

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

/**
 * A phone number no other test of this run uses: one (fresh) database holds every test, and the
 * per-number quota counts per number and day.
 */
let phones = 0;
const phone = () => `+1 416 967 ${String(1000 + phones++)}`;

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
      await enrollSms(f, f.alice, phone());
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

    it(`malformed input: ${BURST} at once hold no slot; a right code in the same burst gets in`, async () => {
      const f = await fixture();
      const { secret } = await enrollTotp(f, f.alice);
      const results = await parallel(BURST, (i) =>
        f.twostep.secondFactor.verify(
          f.actor(f.alice),
          f.alice,
          'totp',
          i === BURST - 1 ? f.code(secret) : 'abc',
        ),
      );
      expect(tally(results)).toEqual({ malformed: BURST - 1, ok: 1 });
      expect((await f.stores.throttles.get(key(f.alice.id))).failures).toBe(0);
    });

    it(`last factor: ${BURST} removals at once under enforcement → exactly 1, one method left`, async () => {
      const f = await fixture();
      await enrollTotp(f, f.alice);
      await enrollSms(f, f.alice, phone());
      const results = await parallel(BURST, (i) =>
        f.twostep.enrollment.remove(f.actor(f.alice), f.alice, i % 2 === 0 ? 'totp' : 'sms'),
      );
      const counts = tally(results);
      expect(counts.ok).toBe(1);
      expect(
        Object.keys(counts).every((k) => ['ok', 'busy', 'last_factor_enforced', 'not_enrolled'].includes(k)),
      ).toBe(true);
      const active = (await f.stores.factors.list(f.alice.id)).filter((x) => x.status === 'active');
      expect(active).toHaveLength(1);
      // The slot was handed back: the next removal is judged on its merits.
      const left = active[0]!.kind;
      expect(await f.twostep.enrollment.remove(f.actor(f.alice), f.alice, left)).toEqual({
        ok: false,
        reason: 'last_factor_enforced',
      });
    });

    it(`per-code tries: ${BURST} wrong guesses at one SMS code → exactly ${SMS.maxFailures} checked`, async () => {
      // The account back-off raised above the burst, so only the per-code limit stops it.
      const f = await fixture({ throttle: { freeFailures: 50 } });
      await enrollSms(f, f.alice, phone());
      expect((await f.twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice)).ok).toBe(true);
      const right = f.lastSms();
      const codes = wrongCodes('200000', right);
      const results = await parallel(BURST, (i) =>
        f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', codes[i]),
      );
      const counts = tally(results);
      expect(counts.ok ?? 0).toBe(0);
      // Four wrong, the fifth wrong one spends the code, the rest are refused unchecked.
      expect(counts.invalid).toBe(SMS.maxFailures - 1);
      expect(counts.too_many_attempts).toBe(BURST - SMS.maxFailures + 1);
      expect((await f.stores.smsChallenges.current(f.alice.id, 'sign_in'))?.failures).toBe(SMS.maxFailures);
      // Only the checked guesses count against the account.
      expect((await f.stores.throttles.get(key(f.alice.id))).failures).toBe(SMS.maxFailures);
      expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', right)).toMatchObject({
        ok: false,
        reason: 'too_many_attempts',
      });
    });

    it(`right code: ${BURST} submissions of one SMS code → 1 success, nothing counted`, async () => {
      const f = await fixture();
      await enrollSms(f, f.alice, phone());
      await f.twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice);
      const right = f.lastSms();
      const results = await parallel(BURST, () =>
        f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', right),
      );
      const counts = tally(results);
      expect(counts.ok).toBe(1);
      expect(Object.keys(counts).every((k) => ['ok', 'replayed', 'no_code', 'throttled'].includes(k))).toBe(
        true,
      );
      expect((await f.stores.throttles.get(key(f.alice.id))).failures).toBe(0);
      expect((await f.stores.smsChallenges.current(f.alice.id, 'sign_in'))?.consumedAt).not.toBeNull();
    });

    it(`resend cooldown: ${BURST} "Text me a code" at once → exactly 1 text`, async () => {
      const f = await fixture();
      await enrollSms(f, f.alice, phone());
      const before = f.sms.messages.length;
      const results = await parallel(BURST, () =>
        f.twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice),
      );
      expect(tally(results)).toEqual({ ok: 1, cooldown: BURST - 1 });
      expect(f.sms.messages.length - before).toBe(1);
      // The one text's code is the current one.
      expect(
        await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', f.lastSms()),
      ).toMatchObject({
        ok: true,
      });
    });

    it(`daily quota per number: ${BURST} colleagues sharing one phone text at once → exactly ${SMS.dailyPerNumber} texts`, async () => {
      const f = await fixture();
      const shared = phone();
      const staff = await colleagues(f, BURST, () => shared);
      const before = f.sms.messages.length;
      const results = await parallel(BURST, (i) =>
        f.twostep.secondFactor.sendSmsCode(f.actor(staff[i]!), staff[i]!),
      );
      expect(tally(results)).toEqual({ ok: SMS.dailyPerNumber, quota: BURST - SMS.dailyPerNumber });
      expect(f.sms.messages.length - before).toBe(SMS.dailyPerNumber);
    });

    it(`daily quota per clinic: ${BURST} colleagues text at once with room for 7 → exactly 7 texts`, async () => {
      const f = await fixture({ sms: { dailyPerClinic: 7 } });
      const staff = await colleagues(f, BURST, () => phone());
      const before = f.sms.messages.length;
      const results = await parallel(BURST, (i) =>
        f.twostep.secondFactor.sendSmsCode(f.actor(staff[i]!), staff[i]!),
      );
      expect(tally(results)).toEqual({ ok: 7, quota: BURST - 7 });
      expect(f.sms.messages.length - before).toBe(7);
    });
  });
}

/**
 * `n` staff members of clinic A with an active SMS factor each (phone from `phoneOf`), enrolled
 * directly in the store (enrolling through core would spend the quotas under test).
 */
async function colleagues(
  f: Awaited<ReturnType<typeof coreFixture>>,
  n: number,
  phoneOf: (i: number) => string,
) {
  const staff = [];
  for (let i = 0; i < n; i++) {
    const member = { ...f.bob, id: `${f.bob.id}-${i}`, email: f.bob.email.replace('@', `+${i}@`) };
    await f.stores.staff.create(member);
    const phone = normalizePhone(phoneOf(i));
    if (!phone.ok) throw new Error(`bad test phone ${phoneOf(i)}`);
    await f.stores.factors.savePending({
      id: `${member.id}-sms`,
      kind: 'sms',
      phone: phone.e164,
      createdAt: f.clock.now(),
      staffId: member.id,
      clinicId: member.clinicId,
      status: 'pending',
      confirmedAt: null,
    });
    await f.stores.factors.activate(member.id, 'sms', `${member.id}-sms`, f.clock.now(), null);
    staff.push(member);
  }
  return staff;
}

onMemoryAndMongo('limits_burst', suite);
