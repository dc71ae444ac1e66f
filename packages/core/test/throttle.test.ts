import { backoffSeconds, parseCoreConfig, throttleOpenWindows, throttleStatus } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { auditOf, codeAt, enrollTotp, setup, wrongCode } from './fixtures.ts';

const cfg = parseCoreConfig().throttle;

describe('backoffSeconds / throttleStatus', () => {
  it('0 below 5 failures, 30 s at 5, doubling, capped at 1 h', () => {
    expect([0, 1, 2, 3, 4].map((n) => backoffSeconds(n, cfg))).toEqual([0, 0, 0, 0, 0]);
    expect([5, 6, 7, 8, 9, 10, 11, 12].map((n) => backoffSeconds(n, cfg))).toEqual([
      30, 60, 120, 240, 480, 960, 1920, 3600,
    ]);
    expect(backoffSeconds(99, cfg)).toBe(3600);
    expect(backoffSeconds(10_000, cfg)).toBe(3600);
  });

  it('throttleStatus: open, backoff until lastFailure + delay, locked at 100', () => {
    const at = new Date('2026-03-02T09:00:00Z');
    const later = (s: number) => new Date(at.getTime() + s * 1000);
    expect(throttleStatus({ failures: 4, lastFailureAt: at }, at, cfg)).toEqual({ kind: 'open' });
    expect(throttleStatus({ failures: 5, lastFailureAt: at }, later(29), cfg)).toEqual({
      kind: 'backoff',
      retryAt: later(30),
    });
    expect(throttleStatus({ failures: 5, lastFailureAt: at }, later(30), cfg)).toEqual({ kind: 'open' });
    expect(throttleStatus({ failures: 100, lastFailureAt: at }, later(1e6), cfg)).toEqual({ kind: 'locked' });
  });

  it("throttleOpenWindows (the stores' filter) is open exactly when throttleStatus is", () => {
    const now = new Date('2026-03-02T09:00:00Z');
    const rulesList = [
      cfg,
      { ...cfg, freeFailures: 1 },
      { ...cfg, freeFailures: 100 },
      { ...cfg, hardLockAfter: 3 },
    ];
    for (const rules of rulesList) {
      const windows = throttleOpenWindows(rules, now);
      expect(windows.length).toBeLessThanOrEqual(12);
      for (let failures = 0; failures <= 101; failures++) {
        for (const ago of [0, 1, 29, 30, 31, 59, 60, 1919, 1920, 3599, 3600, 86_400]) {
          const lastFailureAt = new Date(now.getTime() - ago * 1000);
          const open = throttleStatus({ failures, lastFailureAt }, now, rules).kind === 'open';
          const matched = windows.some(
            (w) =>
              failures >= w.from &&
              failures <= w.to &&
              (!w.lastFailureBy || lastFailureAt <= w.lastFailureBy),
          );
          expect(matched, `${failures} failures, last ${ago} s ago`).toBe(open);
        }
      }
    }
  });
});

describe('second-factor throttle', () => {
  it('5 wrong codes → the next attempt is throttled with retryAt 30 s on, even with the right code', async () => {
    const f = await setup();
    const { secret } = await enrollTotp(f, f.alice);
    const bad = wrongCode(secret, f.clock);
    const reasons: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', bad);
      reasons.push(r.ok ? 'ok' : r.reason);
    }
    expect(reasons).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'invalid']);
    const retryAt = new Date(f.clock.now().getTime() + 30_000);
    expect(
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', codeAt(secret, f.clock)),
    ).toEqual({
      ok: false,
      reason: 'throttled',
      retryAt,
    });
    expect(await f.twostep.secondFactor.requirement(f.alice)).toEqual({ kind: 'locked', retryAt });
    expect((await auditOf(f)).at(-1)).toMatchObject({
      type: 'second_factor.throttled',
      targetId: f.alice.id,
    });
    // A refused attempt while backing off is not counted.
    expect((await f.stores.throttles.get(`second-factor:${f.alice.id}`)).failures).toBe(5);

    f.clock.advance(29_000);
    expect(
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', codeAt(secret, f.clock)),
    ).toMatchObject({
      reason: 'throttled',
    });
    f.clock.advance(1_000);
    // Open again: a success resets the count.
    expect(
      (await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', codeAt(secret, f.clock))).ok,
    ).toBe(true);
    expect((await f.stores.throttles.get(`second-factor:${f.alice.id}`)).failures).toBe(0);
    // Four more failures are free again.
    for (let i = 0; i < 4; i++)
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', wrongCode(secret, f.clock));
    expect(await f.twostep.secondFactor.requirement(f.alice)).toMatchObject({ kind: 'second_factor' });
  });

  it('failures across methods share one count (TOTP, recovery); a check with no code to compare is not a guess', async () => {
    const f = await setup();
    const { secret, recoveryCode } = await enrollTotp(f, f.alice);
    await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', wrongCode(secret, f.clock));
    await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'recovery', 'AAAA-AAAA-AAAA-AAAA');
    // No SMS code was ever sent: nothing was compared, so nothing is counted.
    expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', '123456')).toMatchObject({
      reason: 'no_code',
    });
    expect((await f.stores.throttles.get(`second-factor:${f.alice.id}`)).failures).toBe(2);
    await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'recovery', 'CCCC-CCCC-CCCC-CCCC');
    await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'recovery', 'BBBB-BBBB-BBBB-BBBB');
    await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', wrongCode(secret, f.clock));
    expect(
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'recovery', recoveryCode),
    ).toMatchObject({
      ok: false,
      reason: 'throttled',
    });
  });

  it('100 consecutive failures → locked (audited account.locked); only an admin unlock clears; others unaffected', async () => {
    const f = await setup();
    const { secret } = await enrollTotp(f, f.alice);
    const bob = await enrollTotp(f, f.bob);
    for (let i = 1; i <= 100; i++) {
      const r = await f.twostep.secondFactor.verify(
        f.actor(f.alice),
        f.alice,
        'totp',
        wrongCode(secret, f.clock),
      );
      expect(r).toMatchObject({ ok: false, reason: 'invalid' });
      f.clock.advance(backoffSeconds(i, cfg) * 1000);
    }
    const locked = (await auditOf(f)).filter((e) => e.type === 'account.locked');
    expect(locked).toHaveLength(1);
    expect(locked[0]).toMatchObject({ targetId: f.alice.id, actorId: f.alice.id });
    expect(await f.twostep.secondFactor.requirement(f.alice)).toEqual({ kind: 'locked', retryAt: null });

    // Days later, still locked, the right code included.
    f.clock.advance(7 * 86_400_000);
    expect(
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', codeAt(secret, f.clock)),
    ).toEqual({
      ok: false,
      reason: 'locked',
      retryAt: null,
    });
    expect((await f.twostep.admin.status(f.alice)).throttle).toBe('locked');

    // Bob is not affected.
    expect(
      (await f.twostep.secondFactor.verify(f.actor(f.bob), f.bob, 'totp', codeAt(bob.secret, f.clock))).ok,
    ).toBe(true);

    // A non-admin cannot unlock; an admin can.
    expect(await f.twostep.admin.unlock(f.actor(f.bob), f.alice.id)).toEqual({
      ok: false,
      reason: 'forbidden',
    });
    expect(await f.twostep.secondFactor.requirement(f.alice)).toEqual({ kind: 'locked', retryAt: null });
    expect(await f.twostep.admin.unlock(f.actor(f.owner), f.alice.id)).toEqual({ ok: true });
    expect(await f.twostep.secondFactor.requirement(f.alice)).toMatchObject({ kind: 'second_factor' });
    expect(
      (await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', codeAt(secret, f.clock))).ok,
    ).toBe(true);
    expect((await f.twostep.audit.verify('clinic-a')).ok).toBe(true);
  });
});
