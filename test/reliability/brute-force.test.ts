/**
 * Brute force against one account's second factor.
 *
 * Core: 1,000 wrong codes with a manual clock that steps over each back-off →
 * free for 5, then 30 s doubling to 1 h, a hard lock at exactly 100 counted
 * failures (every later try refused as `locked`, uncounted), `account.locked`
 * audited once, other accounts unaffected, an admin unlock clears it.
 *
 * HTTP: the same from a different client IP on every request (`trustProxy` on,
 * `X-Forwarded-For` varied) → the per-account rules still hold: the back-off
 * and lock follow the account, not the address.
 */
import { backoffSeconds, type Clock, createMemoryStores, DEFAULTS, TOTP, totp } from '@twostep/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, codePageLocation, type Page } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { auditOf, coreFixture, enrollTotp, formOf, passwordStep } from './fixtures.ts';

const THROTTLE = DEFAULTS.throttle;

/** The codes valid now (±1 step). */
function validCodes(secret: string, clock: Clock): Set<string> {
  const now = Math.floor(clock.now().getTime() / 1000);
  return new Set([-30, 0, 30].map((offset) => totp(secret, now + offset, TOTP)));
}

/** A six-digit code that is none of the codes valid around now. */
function wrongCodeFor(valid: Set<string>, i: number): string {
  for (let n = i; ; n++) {
    const candidate = String(n % 1_000_000).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

describe('core: 1,000 wrong codes against one account', () => {
  it('back-off 30 s doubling to 1 h after 5, hard lock at exactly 100, audited once, others unaffected', async () => {
    const f = await coreFixture(createMemoryStores());
    const alice = await enrollTotp(f, f.alice);
    const bob = await enrollTotp(f, f.bob);
    const counted: number[] = [];
    const delays: number[] = [];
    let refusedWhileWaiting = 0;
    let refusedLocked = 0;
    for (let i = 0; i < 1000; i++) {
      const valid = validCodes(alice.secret, f.clock);
      const result = await f.twostep.secondFactor.verify(
        f.actor(f.alice),
        f.alice,
        'totp',
        wrongCodeFor(valid, i),
      );
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      if (result.reason === 'invalid') {
        counted.push(i);
      } else if (result.reason === 'throttled') {
        refusedWhileWaiting += 1;
        const wait = result.retryAt!.getTime() - f.clock.now().getTime();
        delays.push(Math.round(wait / 1000));
        f.clock.set(result.retryAt!); // step over the back-off
      } else {
        expect(result.reason).toBe('locked');
        expect(result.retryAt).toBeNull();
        refusedLocked += 1;
      }
    }
    expect(counted).toHaveLength(THROTTLE.hardLockAfter);
    expect((await f.stores.throttles.get(`second-factor:${f.alice.id}`)).failures).toBe(
      THROTTLE.hardLockAfter,
    );
    // Each wait is the full back-off for the failures so far: 30, 60, 120, … capped at 3600.
    const expected = Array.from({ length: THROTTLE.hardLockAfter - THROTTLE.freeFailures }, (_, k) =>
      backoffSeconds(THROTTLE.freeFailures + k, THROTTLE),
    );
    expect(delays).toEqual(expected);
    expect(delays.slice(0, 8)).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600]);
    expect(refusedWhileWaiting + refusedLocked + counted.length).toBe(1000);
    const events = await auditOf(f.stores, f.clinic.id);
    expect(events.filter((e) => e.type === 'account.locked' && e.targetId === f.alice.id)).toHaveLength(1);
    expect(events.filter((e) => e.type === 'second_factor.failed' && e.targetId === f.alice.id)).toHaveLength(
      100,
    );
    // The right code does not help now.
    expect(
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', f.code(alice.secret)),
    ).toMatchObject({
      ok: false,
      reason: 'locked',
    });
    expect(await f.twostep.secondFactor.requirement(f.alice)).toEqual({ kind: 'locked', retryAt: null });
    // Bob, same clinic: untouched.
    expect((await f.stores.throttles.get(`second-factor:${f.bob.id}`)).failures).toBe(0);
    expect(
      await f.twostep.secondFactor.verify(f.actor(f.bob), f.bob, 'totp', f.code(bob.secret)),
    ).toMatchObject({
      ok: true,
    });
    // A Full Access User unlocks; the next right code works.
    expect(await f.twostep.admin.unlock(f.actor(f.owner), f.alice.id)).toEqual({ ok: true });
    f.clock.advance(30_000);
    expect(
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', f.code(alice.secret)),
    ).toMatchObject({
      ok: true,
    });
  });
});

describe('HTTP: wrong codes from a different client IP each time (trustProxy on)', () => {
  let idp: TestIdp;
  let rp: Rp;
  beforeAll(async () => {
    // Password limits raised (the attacker knows the password); code limits at their defaults.
    idp = await startTestIdp({ rateLimits: { passwordPerAccount: 1_000_000, passwordPerIp: 1_000_000 } });
    // What `createIdp({ trustProxy })` does (the test helper has no such option).
    idp.idp.app.set('trust proxy', true);
    idp.idp.provider.proxy = true;
    rp = await relyingParty(idp);
  });
  afterAll(() => idp?.close());

  /** POSTs the code form with `X-Forwarded-For: ip`, carrying the browser's cookies. */
  async function postFrom(browser: Browser, page: Page, ip: string, code: string) {
    const { url, csrf } = formOf(page, '/verify');
    const cookie = (browser as unknown as { header(url: URL): string }).header(url);
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': ip,
      },
      body: new URLSearchParams({ csrf, method: 'totp', code }).toString(),
    });
    return {
      status: response.status,
      location: response.headers.get('location'),
      body: await response.text(),
    };
  }

  it('the back-off and the hard lock follow the account, not the address', { timeout: 60_000 }, async () => {
    const { browser, page } = await passwordStep(idp, rp);
    expect(page.body).toContain('Verification code');
    const key = `second-factor:${idp.staff.owner.id}`;
    const statuses = new Map<number, number>();
    let requests = 0;
    for (let i = 0; i < 400 && requests < 400; i++) {
      requests += 1;
      const ip = `198.51.${Math.floor(i / 250)}.${(i % 250) + 1}`;
      const valid = validCodes(idp.staff.owner.totpSecret!, idp.clock);
      const res = await postFrom(browser, page, ip, wrongCodeFor(valid, 100_000 + i));
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      // A counted wrong code goes back to the code page (Post/Redirect/Get); nothing else redirects.
      if (res.status === 303) expect(res.location).toMatch(codePageLocation);
      else expect(res.location).toBeNull();
      expect(res.status).toBeLessThan(500);
      const state = await idp.stores.throttles.get(key);
      if (res.status === 429) {
        // Backing off (core) or the per-account request limit (IdP): a new address does not help.
        const again = await postFrom(
          browser,
          page,
          `203.0.113.${(i % 250) + 1}`,
          wrongCodeFor(valid, 200_000 + i),
        );
        requests += 1;
        expect(again.status).toBe(429);
        expect((await idp.stores.throttles.get(key)).failures).toBe(state.failures);
        // Step over the back-off and the rate-limit window.
        idp.clock.advance(Math.max(backoffSeconds(state.failures, THROTTLE), 15 * 60) * 1000);
      }
      if (res.status === 403) break; // hard lock
    }
    const state = await idp.stores.throttles.get(key);
    expect(state.failures).toBe(THROTTLE.hardLockAfter);
    // Locked: every further try, from any address, is refused and not counted.
    for (let j = 0; j < 5; j++) {
      const res = await postFrom(
        browser,
        page,
        `192.0.2.${j + 1}`,
        idp.totpCode(idp.staff.owner.totpSecret!),
      );
      expect(res.status).toBe(403);
      expect(res.body).toContain('Full Access User');
    }
    expect((await idp.stores.throttles.get(key)).failures).toBe(THROTTLE.hardLockAfter);
    const events = await auditOf(idp.stores, idp.clinic.id);
    expect(events.filter((e) => e.type === 'account.locked')).toHaveLength(1);
    const failed = events.filter((e) => e.type === 'second_factor.failed');
    expect(failed).toHaveLength(THROTTLE.hardLockAfter);
    // trustProxy took effect: the audit saw the forwarded addresses, one per counted guess.
    expect(new Set(failed.map((e) => e.ip)).size).toBe(THROTTLE.hardLockAfter);
    expect(failed.every((e) => e.ip?.startsWith('198.51.'))).toBe(true);
    // Another account is unaffected.
    expect((await idp.stores.throttles.get(`second-factor:${idp.staff.frontDesk.id}`)).failures).toBe(0);
    console.info(
      `brute force over HTTP: ${requests} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  });
});
