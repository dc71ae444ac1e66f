/**
 * Forced re-authentication — `max_age=0` (which oidc-provider turns into `prompt=login`),
 * `prompt=login`, and a `max_age` the session exceeds — always asks the second factor of a person
 * who has one, whatever the "remember this device" cookie says (a remembered device never
 * satisfies a fresh-verification request). openid-client is the app, over real HTTP.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { submitPassword, submitTotp } from '../helpers/sign-in.ts';

let idp: TestIdp;
let rp: Rp;
beforeEach(async () => {
  idp = await startTestIdp();
  rp = await relyingParty(idp);
});
afterEach(() => idp.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const owner = () => idp.staff.owner;

/** The owner signs in with a code and ticks "remember this device": the browser keeps the session and the device cookie. */
async function rememberedBrowser(): Promise<{ browser: Browser; authTime: number }> {
  const browser = new Browser();
  const first = await begin(browser, rp);
  const codePage = await submitPassword(browser, first.page, owner());
  const done = await submitTotp(browser, codePage, idp.nextTotpCode(owner().totpSecret!), {
    remember: 'yes',
  });
  const claims = (await redeem(rp, first.request, done)).claims()!;
  expect(browser.cookie('twostep_device')).toBeDefined();
  return { browser, authTime: claims.auth_time! };
}

/** A browser with only the device cookie (no IdP session). */
function deviceOnly(from: Browser): Browser {
  const browser = new Browser();
  browser.setCookie('twostep_device', from.cookie('twostep_device')!.value, '/interaction');
  return browser;
}

describe('forced re-authentication with a remembered device', () => {
  it('the device cookie alone skips the code on an ordinary sign-in (the baseline)', async () => {
    const { browser } = await rememberedBrowser();
    const other = deviceOnly(browser);
    const { request, page } = await begin(other, rp);
    const skipped = await submitPassword(other, page, owner());
    expect((await redeem(rp, request, skipped)).claims()!.amr).toContain('trusted_device');
  });

  for (const [name, params] of [
    ['max_age=0', { max_age: '0' }],
    ['prompt=login', { prompt: 'login' }],
  ] as const) {
    it(`${name}: the password, then the code; amr without trusted_device and a new auth_time`, async () => {
      const { browser, authTime } = await rememberedBrowser();
      await sleep(1100); // auth_time has a one-second resolution
      for (const who of [browser, deviceOnly(browser)]) {
        const { request, page } = await begin(who, rp, params);
        expect(page.body).toContain('name="password"');
        const asked = await submitPassword(who, page, owner());
        expect(asked.leftTo).toBeUndefined();
        expect(asked.body).toContain('Verification code');
        const done = await submitTotp(who, asked, idp.nextTotpCode(owner().totpSecret!));
        const claims = (await redeem(rp, request, done)).claims()!;
        expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
        expect(claims.auth_time).toBeGreaterThan(authTime);
      }
    });
  }

  it('a max_age the session exceeds: the code is asked, even with the device cookie', async () => {
    const { browser, authTime } = await rememberedBrowser();
    await sleep(2100);
    const { request, page } = await begin(browser, rp, { max_age: '1' });
    expect(page.body).not.toContain('name="password"');
    expect(page.body).toContain('Verification code');
    const done = await submitTotp(browser, page, idp.nextTotpCode(owner().totpSecret!));
    const claims = (await redeem(rp, request, done)).claims()!;
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.auth_time).toBeGreaterThan(authTime);
  });

  it('a person without a second factor (relaxed clinic) signs in again with the password only', async () => {
    const browser = new Browser();
    const { request, page } = await begin(browser, rp, { prompt: 'login' });
    const done = await submitPassword(browser, page, idp.staff.relaxed);
    expect((await redeem(rp, request, done)).claims()!.amr).toEqual(['pwd']);
  });
});
