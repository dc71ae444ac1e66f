import { ACR } from '@twostep/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertText, Browser, testId } from '../helpers/browser.ts';
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

const now = () => Math.floor(Date.now() / 1000);

describe('a full code + PKCE flow for each row of the claims table', () => {
  it('password only in a clinic that does not enforce 2-Step: loa:1fa, ["pwd"]', async () => {
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<label for="email">Email</label>');
    const before = now();
    const done = await submitPassword(browser, page, idp.staff.relaxed);
    const tokens = await redeem(rp, request, done);
    const claims = tokens.claims()!;
    expect(claims.acr).toBe(ACR.oneFactor);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);
    expect(claims.auth_time).toBeLessThanOrEqual(now());
    expect(claims.sub).toBe(idp.staff.relaxed.id);
  });

  it('password + authenticator code: loa:2fa, ["pwd","otp","mfa"]', async () => {
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    const codePage = await submitPassword(browser, page, idp.staff.owner);
    expect(codePage.status).toBe(200);
    expect(codePage.body).toContain('Maple Street Physio');
    expect(codePage.body).toContain('<label for="code">Verification code</label>');
    expect(codePage.body).toMatch(/autocomplete="one-time-code"/);
    expect(codePage.body).toMatch(/inputmode="numeric"/);
    expect(codePage.body).toMatch(/name="remember" type="checkbox" value="yes">/);
    const before = now();
    const done = await submitTotp(browser, codePage, idp.nextTotpCode(idp.staff.owner.totpSecret!));
    const claims = (await redeem(rp, request, done)).claims()!;
    expect(claims.acr).toBe(ACR.twoFactor);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);
  });

  it('password + SMS code from the outbox: loa:2fa, ["pwd","sms","mfa"]', async () => {
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    const codePage = await submitPassword(browser, page, idp.staff.frontDesk);
    const sent = await browser.submit(codePage, '/sms');
    expect(sent.status).toBe(200);
    expect(sent.body).toContain('We sent a code to');
    const done = await browser.submit(sent, '/verify', {
      method: 'sms',
      code: idp.lastSmsCode(idp.staff.frontDesk.phone!)!,
    });
    const claims = (await redeem(rp, request, done)).claims()!;
    expect(claims.acr).toBe(ACR.twoFactor);
    expect(claims.amr).toEqual(['pwd', 'sms', 'mfa']);
    expect(typeof claims.auth_time).toBe('number');
  });

  it('password + recovery code: shows the new code once, needs an acknowledgement: ["pwd","recovery","mfa"]', async () => {
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    await submitPassword(browser, page, idp.staff.owner);
    const recoveryPage = await browser.get(`${page.url}/verify?method=recovery`);
    expect(recoveryPage.body).toContain('<label for="code">Recovery code</label>');
    const shown = await browser.submit(recoveryPage, '/verify', {
      method: 'recovery',
      code: idp.staff.owner.recoveryCode!,
    });
    const newCode = testId(shown, 'recovery-code');
    expect(newCode).toBeTruthy();
    expect(newCode).not.toBe(idp.staff.owner.recoveryCode);
    const notAcked = await browser.submit(shown, '/acknowledge');
    // Post/Redirect/Get: back at the interaction's page, which shows the same code and why, once.
    expect(notAcked.url).toBe(page.url);
    expect(notAcked.status).toBe(200);
    expect(alertText(notAcked)).toContain('saved your recovery code');
    expect(testId(notAcked, 'recovery-code')).toBe(newCode);
    expect(alertText(await browser.get(page.url))).toBeUndefined();
    const newPhone = await browser.submit(notAcked, '/acknowledge', { ack: 'yes' });
    expect(newPhone.body).toContain('Set up your new phone');
    const done = await browser.submit(newPhone, '/new-phone/skip');
    const claims = (await redeem(rp, request, done)).claims()!;
    expect(claims.acr).toBe(ACR.twoFactor);
    expect(claims.amr).toEqual(['pwd', 'recovery', 'mfa']);
    expect(idp.notifier.sent.some((n) => n.kind === 'recovery_code_used')).toBe(true);
  });

  it('password on a remembered device: loa:2fa, ["pwd","trusted_device","mfa"], cookie flags', async () => {
    const browser = new Browser();
    const first = await begin(browser, rp);
    const codePage = await submitPassword(browser, first.page, idp.staff.owner);
    const done = await submitTotp(browser, codePage, idp.nextTotpCode(idp.staff.owner.totpSecret!), {
      remember: 'yes',
    });
    await redeem(rp, first.request, done);
    const cookie = browser.cookie('twostep_device')!;
    expect(cookie).toBeDefined();
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite?.toLowerCase()).toBe('lax');
    expect(cookie.path).toBe('/interaction');
    expect(cookie.maxAge).toBe(30 * 86_400);
    expect(cookie.secure).toBe(false); // http://127.0.0.1 issuer only

    // A new browser session (only the device cookie survives): password, then straight back.
    const again = new Browser();
    again.setCookie('twostep_device', cookie.value, '/interaction');
    const second = await begin(again, rp);
    const before = now();
    const back = await submitPassword(again, second.page, idp.staff.owner);
    const claims = (await redeem(rp, second.request, back)).claims()!;
    expect(claims.acr).toBe(ACR.twoFactor);
    expect(claims.amr).toEqual(['pwd', 'trusted_device', 'mfa']);
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);
  });
});
