/**
 * The store fails (throws, or stops answering) at each step of a sign-in
 * through the IdP: the request fails closed (503 page, no authorization code,
 * no `sign_in.succeeded`), and the same interaction goes through once the store
 * is back.
 *
 * A store that stops answering holds the request until the store answers or the
 * IdP's store timeout (`storeTimeoutMs`, default 5 s) passes: the test shows it
 * waiting, then failing closed with a 503 when the store errors. The timeout
 * itself is tested in store-timeout.test.ts (300 ms).
 *
 * What a failure after the code check leaves behind (documented, asserted):
 * - the code is spent (a TOTP step is accepted): safe, the user enters the next code;
 * - a recovery code consumed when the audit log then fails: the replacement is never shown
 *   (no sign-in without its audit event); the old code stays dead, and the user signs in with
 *   their app (or an admin resets 2-Step).
 */
import { createMemoryStores } from '@twostep/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, type Page, shownRefusal } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { acknowledgeRecoveryCode } from '../helpers/sign-in.ts';
import { auditOf, auditType, type FaultRule, failing, faultyStores, NO_RATE_LIMITS } from './fixtures.ts';

let idp: TestIdp;
let rp: Rp;
let faults: ReturnType<typeof faultyStores>;

beforeAll(async () => {
  faults = faultyStores(createMemoryStores());
  idp = await startTestIdp({ stores: faults.stores, rateLimits: NO_RATE_LIMITS });
  rp = await relyingParty(idp);
});
afterAll(async () => {
  faults.release();
  await idp?.close();
});

const signIns = async () =>
  (await auditOf(idp.stores, idp.clinic.id)).filter((e) => e.type === 'sign_in.succeeded').length;

function expectClosed(page: Page, label: string) {
  expect(page.leftTo, label).toBeUndefined();
  expect(page.status, label).toBe(503);
  expect(page.body, label).toContain('temporarily unavailable');
}

async function withFault(rule: FaultRule, send: () => Promise<Page>): Promise<Page> {
  faults.set(rule);
  try {
    return await send();
  } finally {
    faults.set(null);
  }
}

/** The owner's sign-in, at the password page. */
async function atPassword() {
  const browser = new Browser();
  const { request, page } = await begin(browser, rp);
  const submitPassword = () =>
    browser.submit(page, '/password', { email: idp.staff.owner.email, password: idp.staff.owner.password });
  return { browser, request, page, submitPassword };
}

/** The owner's sign-in, at the code page. */
async function atCode() {
  const start = await atPassword();
  const codePage = await start.submitPassword();
  expect(codePage.body).toContain('Verification code');
  return { ...start, codePage };
}

/** Finishes at the code page with the next TOTP code and redeems the authorization code. */
async function finish(
  browser: Browser,
  request: Awaited<ReturnType<typeof atPassword>>['request'],
  page: Page,
) {
  const done = await browser.submit(page, '/verify', {
    method: 'totp',
    code: idp.nextTotpCode(idp.staff.owner.totpSecret!),
  });
  const tokens = await redeem(rp, request, done);
  expect(tokens.claims()?.acr).toBe('urn:twostep:loa:2fa');
}

describe('password step, store throws', () => {
  const steps = [
    'staff.findByEmail', // password lookup
    'counters.increment', // rate limits
    'clinics.get', // requirement …
    'factors.list',
    'recoveryCodes.get',
    'pauses.get',
    'throttles.get',
  ];
  for (const step of steps) {
    it(`${step} → 503, no code; the same form works once the store is back`, async () => {
      const before = await signIns();
      const s = await atPassword();
      expectClosed(await withFault(failing(step), s.submitPassword), step);
      expect(await signIns()).toBe(before);
      const codePage = await s.submitPassword();
      expect(codePage.body).toContain('Verification code');
      await finish(s.browser, s.request, codePage);
      expect(await signIns()).toBe(before + 1);
    });
  }
});

describe('code step, store throws', () => {
  const steps: [string, FaultRule, string][] = [
    ['factors.list (code check)', failing('factors.list'), 'no'],
    ['factors.acceptTotpStep (code check)', failing('factors.acceptTotpStep'), 'no'],
    ['throttles.get (throttle)', failing('throttles.get'), 'no'],
    ['throttles.take (the gate, before the code)', failing('throttles.take'), 'no'],
    ['throttles.reset (after the code)', failing('throttles.reset'), 'spent'],
    [
      'audit.append of second_factor.succeeded',
      failing('audit.append', 'throw', auditType('second_factor.succeeded')),
      'spent',
    ],
    ['trustedDevices.add (remember this device)', failing('trustedDevices.add'), 'spent'],
    [
      'audit.append of sign_in.succeeded (finishing)',
      failing('audit.append', 'throw', auditType('sign_in.succeeded')),
      'spent',
    ],
  ];
  for (const [label, rule, codeAfter] of steps) {
    it(`${label} → 503, no code; the next code works once the store is back`, async () => {
      const s = await atCode();
      const before = await signIns();
      const code = idp.nextTotpCode(idp.staff.owner.totpSecret!);
      const closed = await withFault(rule, () =>
        s.browser.submit(s.codePage, '/verify', { method: 'totp', code, remember: 'yes' }),
      );
      expectClosed(closed, label);
      expect(await signIns()).toBe(before);
      // A device is trusted only after a verified code, and then audited: when the failure came
      // at the very end (finishing), the browser keeps a trust it earned; otherwise nothing.
      const devices = await idp.stores.trustedDevices.list(idp.staff.owner.id, idp.clock.now());
      const trusted = (await auditOf(idp.stores, idp.clinic.id)).filter((e) => e.type === 'device.trusted');
      for (const d of devices) expect(trusted.map((e) => e.details.deviceId)).toContain(d.id);
      if (!label.includes('finishing')) expect(devices).toEqual([]);
      for (const d of devices) await idp.stores.trustedDevices.remove(idp.staff.owner.id, d.id);
      s.browser.removeCookie('twostep_device');
      // The gate counts an attempt in advance; only a store failing at the very reset that would
      // clear it after a right code leaves that one count (far from any back-off).
      const counted = label.startsWith('throttles.reset') ? 1 : 0;
      expect((await idp.stores.throttles.get(`second-factor:${idp.staff.owner.id}`)).failures).toBe(counted);
      // The same code again: spent when the failure came after its check (safe), else still good.
      const again = await s.browser.submit(s.codePage, '/verify', { method: 'totp', code });
      if (codeAfter === 'spent') {
        expect(again.leftTo).toBeUndefined();
        expect(again.body).toContain('already used');
        await finish(s.browser, s.request, s.codePage);
      } else {
        await redeem(rp, s.request, again);
      }
      expect(await signIns()).toBe(before + 1);
    });
  }

  it('a recovery code with the audit log failing after its use: 503, the old code stays dead (documented)', async () => {
    const s = await atCode();
    const before = await signIns();
    const recovery = idp.staff.owner.recoveryCode!;
    const closed = await withFault(
      failing('audit.append', 'throw', auditType('second_factor.succeeded')),
      () => s.browser.submit(s.codePage, '/verify', { method: 'recovery', code: recovery }),
    );
    expectClosed(closed, 'recovery + audit');
    const again = await s.browser.submit(s.codePage, '/verify', { method: 'recovery', code: recovery });
    expect(again.leftTo).toBeUndefined();
    expect(shownRefusal(again)).toContain('not right');
    expect(await signIns()).toBe(before);
    // The authenticator app still works; the throttle is clear (no replay counted).
    await finish(s.browser, s.request, s.codePage);
  });

  it('regression: a store error while notifying about a used recovery code does not lose the new code', async () => {
    // clinics.get fails only during the notification after a successful recovery code.
    const own = faultyStores(createMemoryStores());
    const fresh = await startTestIdp({ stores: own.stores, rateLimits: NO_RATE_LIMITS });
    try {
      const rp2 = await relyingParty(fresh);
      const browser = new Browser();
      const { request, page } = await begin(browser, rp2);
      const codePage = await browser.submit(page, '/password', {
        email: fresh.staff.owner.email,
        password: fresh.staff.owner.password,
      });
      let armed = false;
      let failed = 0;
      own.set((store, method, args) => {
        if (store === 'audit' && method === 'append' && auditType('recovery_code.used')(args)) armed = true;
        // Only the next clinic lookup: core's, for the "recovery code used" email.
        if (armed && failed === 0 && store === 'clinics' && method === 'get') {
          failed += 1;
          return 'throw';
        }
        return null;
      });
      let shown: Page;
      try {
        shown = await browser.submit(codePage, '/verify', {
          method: 'recovery',
          code: fresh.staff.owner.recoveryCode!,
        });
      } finally {
        own.set(null);
      }
      expect(failed).toBe(1);
      expect(shown.status).toBe(200);
      const newCode = /data-testid="recovery-code"[^>]*>([^<]+)</.exec(shown.body)?.[1];
      expect(newCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      await redeem(rp2, request, await acknowledgeRecoveryCode(browser, shown));
    } finally {
      await fresh.close();
    }
  });
});

describe('a store that stops answering', () => {
  it('holds the request (within the 5 s store timeout), issues no code, then fails closed', async () => {
    const s = await atCode();
    const before = await signIns();
    faults.set(failing('factors.acceptTotpStep', 'hang'));
    const pending = s.browser.submit(s.codePage, '/verify', {
      method: 'totp',
      code: idp.nextTotpCode(idp.staff.owner.totpSecret!),
    });
    const raced = await Promise.race([pending.then(() => 'answered'), sleep(750).then(() => 'waiting')]);
    expect(raced).toBe('waiting');
    faults.set(null);
    faults.release(); // the driver gives up: the call rejects
    expectClosed(await pending, 'hung store');
    expect(await signIns()).toBe(before);
    await finish(s.browser, s.request, s.codePage);
  });

  it('a slow store (every call 20 ms late) still signs in correctly', async () => {
    const slow = faultyStores(createMemoryStores());
    const fresh = await startTestIdp({ stores: slow.stores, rateLimits: NO_RATE_LIMITS });
    try {
      const rp2 = await relyingParty(fresh);
      slow.set(() => 'slow');
      const browser = new Browser();
      const { request, page } = await begin(browser, rp2);
      const codePage = await browser.submit(page, '/password', {
        email: fresh.staff.owner.email,
        password: fresh.staff.owner.password,
      });
      const done = await browser.submit(codePage, '/verify', {
        method: 'totp',
        code: fresh.nextTotpCode(fresh.staff.owner.totpSecret!),
      });
      await redeem(rp2, request, done);
    } finally {
      slow.set(null);
      await fresh.close();
    }
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
