/**
 * The demo's seeding must not use up what a person needs first: the owner's authenticator code of
 * the current time step, or the front desk's "text me a code". Through the clinic app (express-mfa
 * and openid-client as the OpenID client) and the demo's IdP, over real HTTP.
 */
import { TOTP, totp } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { useDemoRig } from '../browser/support.ts';
import { Browser, type Page } from '../helpers/browser.ts';
import { submitPassword, submitTotp } from '../helpers/sign-in.ts';

// The browser tests' demo (in-process, 127.0.0.1): its clock starts at the real time and stays there.
const env = useDemoRig();

/** From the clinic app's "Sign in" to the IdP's code page, as `who`. */
async function toCodePage(who: {
  email: string;
  password: string;
}): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser();
  const toIdp = await browser.get(`${env.rig.demo.appUrl}/auth/login?returnTo=%2Fschedule`);
  const page = await submitPassword(browser, await browser.get(toIdp.leftTo!), who);
  expect(page.body).toMatch(/\/(verify|sms)"/); // the code page
  return { browser, page };
}

/** Back at the clinic app, signed in. */
async function expectSignedIn(browser: Browser, done: Page, name: string) {
  expect(done.body).not.toContain('already used');
  expect(done.leftTo?.pathname).toBe('/auth/callback');
  const schedule = await browser.get(done.leftTo!);
  expect(new URL(schedule.url).pathname).toBe('/schedule');
  expect(schedule.status).toBe(200);
  expect(schedule.body).toContain('action="/auth/logout"');
  expect(schedule.body).toContain(name);
}

describe('the demo right after it starts', () => {
  it("accepts the owner's current authenticator code (the seeding used none)", async () => {
    const owner = env.rig.demo.accounts.owner;
    const code = totp(owner.totpSecret!, Math.floor(env.rig.clock.now().getTime() / 1000), {
      algorithm: TOTP.algorithm,
      digits: TOTP.digits,
      period: TOTP.period,
    });
    const { browser, page } = await toCodePage(owner);
    await expectSignedIn(browser, await submitTotp(browser, page, code), owner.name);
  });

  it('texts the front desk a sign-in code at once', async () => {
    const desk = env.rig.demo.accounts.frontDesk;
    const { browser, page } = await toCodePage(desk);
    const sent = await browser.submit(page, '/sms');
    expect(sent.status).toBe(200);
    const outbox = await browser.get(env.rig.demo.smsOutboxUrl!);
    const code = /\b(\d{6})\b/.exec(outbox.body)?.[1];
    expect(code).toBeDefined();
    await expectSignedIn(
      browser,
      await browser.submit(sent, '/verify', { method: 'sms', code: code! }),
      desk.name,
    );
  });
});
