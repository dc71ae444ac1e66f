/**
 * Password checks at the IdP over HTTP: scrypt hashes from before argon2id keep working and are
 * rehashed at the next successful sign-in; an unknown email costs the same hash as a known one;
 * a flood of password posts waits its turn (at most K hashes at once) or gets the 503 page.
 */
import {
  DEFAULT_PASSWORD_COST,
  hashPassword,
  type PasswordHasherEvent,
  parsePasswordHash,
  verifyPassword,
} from '@twostep/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Browser, type Page, passwordPageLocation, shownPasswordRefusal } from '../helpers/browser.ts';
import { startTestIdp, TEST_PASSWORD_COST, type TestIdp, type TestIdpOptions } from '../helpers/idp.ts';
import { begin, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { submitPassword } from '../helpers/sign-in.ts';

let idp: TestIdp;
let rp: Rp;

async function setup(options: TestIdpOptions = {}) {
  idp = await startTestIdp(options);
  rp = await relyingParty(idp);
}
afterEach(() => idp?.close());

/** A password post for `who` in a fresh browser; the page it ends on. */
async function signIn(who: { email: string; password: string }): Promise<Page> {
  const browser = new Browser();
  const { page } = await begin(browser, rp);
  return submitPassword(browser, page, who);
}

const REFUSED = 'The email or password is incorrect.';

const stored = async (staffId: string) => (await idp.stores.staff.get(staffId))!.passwordHash;

describe('rehash at sign-in', () => {
  it('an old scrypt hash verifies, and the next successful sign-in rehashes it with argon2id', async () => {
    await setup();
    const who = idp.staff.relaxed; // password only: the post ends at the redirect_uri
    const scrypt = await hashPassword(who.password, { N: 2 ** 10, r: 8, p: 1 });
    await idp.stores.staff.update(who.id, { passwordHash: scrypt });

    // A wrong password changes nothing.
    expect(shownPasswordRefusal(await signIn({ ...who, password: 'not it' }))).toBe(REFUSED);
    expect(await stored(who.id)).toBe(scrypt);

    expect((await signIn(who)).leftTo?.searchParams.get('code')).toBeTruthy();
    const rehashed = await stored(who.id);
    expect(parsePasswordHash(rehashed)?.cost).toEqual(TEST_PASSWORD_COST);
    expect(await verifyPassword(who.password, rehashed)).toBe(true);

    // Already at the current cost: the next sign-in leaves it alone.
    expect((await signIn(who)).leftTo?.searchParams.get('code')).toBeTruthy();
    expect(await stored(who.id)).toBe(rehashed);
  });

  it('a hash changed meanwhile is not overwritten by the rehash (one conditional update)', async () => {
    await setup();
    const who = idp.staff.relaxed;
    const scrypt = await hashPassword(who.password, { N: 2 ** 10, r: 8, p: 1 });
    await idp.stores.staff.update(who.id, { passwordHash: scrypt });
    const changed = await hashPassword('a new password', TEST_PASSWORD_COST);
    // The password changes while this sign-in checks the old one.
    const verify = idp.idp.passwordHasher.verify;
    vi.spyOn(idp.idp.passwordHasher, 'verify').mockImplementationOnce(async (password, hash) => {
      const result = await verify(password, hash);
      await idp.stores.staff.update(who.id, { passwordHash: changed });
      return result;
    });
    expect((await signIn(who)).leftTo?.searchParams.get('code')).toBeTruthy();
    expect(await stored(who.id)).toBe(changed);
  });
});

describe('unknown email', () => {
  it('runs the same hash function with the same parameters as a wrong password for a known email', async () => {
    await setup({ passwordCost: DEFAULT_PASSWORD_COST });
    const who = idp.staff.relaxed;
    await idp.stores.staff.update(who.id, {
      passwordHash: await hashPassword(who.password, DEFAULT_PASSWORD_COST),
    });
    const verify = vi.spyOn(idp.idp.passwordHasher, 'verify');
    const unknown = await signIn({ email: 'nobody@birch.test', password: 'guess' });
    const wrong = await signIn({ email: who.email, password: 'guess' });
    // The same Location (the password page) and the same page, shown once after the 303.
    expect([passwordPageLocation.test(unknown.url), passwordPageLocation.test(wrong.url)]).toEqual([
      true,
      true,
    ]);
    expect([shownPasswordRefusal(unknown), shownPasswordRefusal(wrong)]).toEqual([REFUSED, REFUSED]);
    // The same page, apart from the email typed, the interaction id, nonces, the CSRF token and
    // the passkey challenge (in the options and sealed).
    const shape = (page: Page) =>
      page.body
        .replace(/nobody@birch\.test/g, who.email)
        .replace(/\/interaction\/[\w-]+\//g, '/interaction/…/')
        .replace(/%2Finteraction%2F[\w-]+/g, '%2Finteraction%2F…')
        .replace(/(nonce|value)="[\w+/=.-]{16,}"/g, '$1="…"')
        .replace(/"challenge":"[\w-]+"/g, '"challenge":"…"');
    expect(shape(unknown)).toBe(shape(wrong));

    const checked = verify.mock.calls.map(([, hash]) => {
      const parsed = parsePasswordHash(hash)!;
      return { cost: parsed.cost, salt: parsed.salt.length, hash: parsed.hash.length };
    });
    expect(checked).toHaveLength(2);
    expect(checked[0]).toEqual(checked[1]);
    expect(checked[0]).toEqual({ cost: DEFAULT_PASSWORD_COST, salt: 16, hash: 32 });
  });
});

describe('bounded hashing', () => {
  it('a flood of 100 password posts with K=2: at most 2 hashes at once, each gets its answer or the 503 page', async () => {
    const queueTimeoutMs = 50;
    await setup({
      passwordCost: DEFAULT_PASSWORD_COST,
      passwordHashing: { concurrency: 2, queueTimeoutMs },
      rateLimits: { passwordPerIp: 1000, passwordPerAccount: 1000 },
    });
    const hasher = idp.idp.passwordHasher;
    const who = idp.staff.relaxed;
    await idp.stores.staff.update(who.id, {
      passwordHash: await hashPassword(who.password, DEFAULT_PASSWORD_COST),
    });
    const events: PasswordHasherEvent[] = [];
    let peakRunning = 0;
    hasher.onEvent((event) => {
      events.push(event);
      peakRunning = Math.max(peakRunning, hasher.stats().running);
    });

    // 100 sign-ins ready at the password page, then every post at once; every 4th has the right password.
    const ready = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const browser = new Browser();
        const { page } = await begin(browser, rp);
        return { browser, page, password: i % 4 === 0 ? who.password : 'wrong password' };
      }),
    );
    const pages = await Promise.all(
      ready.map(({ browser, page, password }) => submitPassword(browser, page, { ...who, password })),
    );

    const outcomes = pages.map((page, i) => {
      if (page.status === 503) {
        expect(page.body).toContain('Sign-in is temporarily unavailable. Try again in a moment.');
        return 'busy';
      }
      if (i % 4 === 0) expect(page.leftTo?.searchParams.get('code')).toBeTruthy();
      else expect(shownPasswordRefusal(page)).toBe(REFUSED);
      return 'answered';
    });
    const busy = outcomes.filter((o) => o === 'busy').length;
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBe(events.filter((e) => e.kind === 'timed_out').length);
    expect(events.filter((e) => e.kind === 'started')).toHaveLength(100 - busy);
    for (const e of events.filter((e) => e.kind === 'timed_out'))
      expect(e.waitedMs).toBeGreaterThanOrEqual(queueTimeoutMs - 1);
    expect(peakRunning).toBe(2);
    expect(hasher.stats()).toEqual({ concurrency: 2, running: 0, queued: 0 });
    // Still serving.
    expect((await signIn(who)).leftTo?.searchParams.get('code')).toBeTruthy();
  });
});
