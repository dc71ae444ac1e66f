import { ACR } from '@twostep/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertText, Browser, testId } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { authorizationRequest, begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { signInWithTotp, submitPassword, submitTotp } from '../helpers/sign-in.ts';

let idp: TestIdp;
let rp: Rp;

beforeEach(async () => {
  idp = await startTestIdp();
  rp = await relyingParty(idp);
});
afterEach(() => idp.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function pause(staffId: string) {
  const now = idp.clock.now();
  await idp.stores.pauses.set({
    staffId,
    clinicId: idp.clinic.id,
    until: new Date(now.getTime() + 3_600_000),
    reason: 'lost phone',
    pausedBy: idp.staff.owner.id,
    createdAt: now,
  });
}

describe('step-up', () => {
  it('a 1fa session asked for loa:2fa asks only for the second factor', async () => {
    const browser = new Browser();
    await pause(idp.staff.owner.id);
    const first = await begin(browser, rp);
    const notice = await submitPassword(browser, first.page, idp.staff.owner);
    expect(notice.body).toContain('2-Step Verification is paused for your account until');
    const one = (await redeem(rp, first.request, await browser.submit(notice, '/continue'))).claims()!;
    expect(one.acr).toBe(ACR.oneFactor);
    await idp.stores.pauses.clear(idp.staff.owner.id);

    const second = await begin(browser, rp, { acr_values: ACR.twoFactor });
    expect(second.page.body).not.toContain('name="password"');
    expect(second.page.body).toContain('Verification code');
    expect(testId(second.page, 'step-up-reason')).toBe(
      'For your security, this needs your 2-Step Verification code.',
    );
    expect(second.page.body).not.toContain('name="remember"');
    // Not offered, and not honoured if posted anyway.
    const done = await submitTotp(browser, second.page, idp.nextTotpCode(idp.staff.owner.totpSecret!), {
      remember: 'yes',
    });
    expect(browser.cookie('twostep_device')).toBeUndefined();
    const two = (await redeem(rp, second.request, done)).claims()!;
    expect(two.acr).toBe(ACR.twoFactor);
    expect(two.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(two.sub).toBe(one.sub);
  });

  /** A 1fa session for the SMS-only front desk (signed in while paused): the next loa:2fa is a step-up. */
  async function deskWithOneFactorSession() {
    const browser = new Browser();
    const desk = idp.staff.frontDesk;
    await pause(desk.id);
    const first = await begin(browser, rp);
    const notice = await submitPassword(browser, first.page, desk);
    await redeem(rp, first.request, await browser.submit(notice, '/continue'));
    await idp.stores.pauses.clear(desk.id);
    const texts = () => idp.sms.messages.filter((m) => m.to === desk.phone).length;
    return { browser, desk, texts };
  }

  it('SMS as the only method: the step-up texts the code on arrival, once (a reload sends nothing more)', async () => {
    const { browser, desk, texts } = await deskWithOneFactorSession();
    const before = texts();
    const second = await begin(browser, rp, { acr_values: ACR.twoFactor });
    expect(second.page.status).toBe(200);
    expect(second.page.body).toContain('We sent a code to');
    expect(texts()).toBe(before + 1);
    const reloaded = await browser.get(second.page.url);
    expect(reloaded.status).toBe(200);
    expect(reloaded.body).toContain('Verification code');
    expect(reloaded.body).not.toContain('We sent a code to');
    expect(texts()).toBe(before + 1);
    // A wrong code: the page again with the refusal and the reason, and still no second text.
    const wrong = await browser.submit(reloaded, '/verify', { method: 'sms', code: '000000' });
    expect(alertText(wrong)).toContain('That code is not right');
    expect(testId(wrong, 'step-up-reason')).toBe(
      'For your security, this needs your 2-Step Verification code.',
    );
    expect(texts()).toBe(before + 1);

    const done = await browser.submit(wrong, '/verify', {
      method: 'sms',
      code: idp.lastSmsCode(desk.phone!)!,
    });
    expect((await redeem(rp, second.request, done)).claims()!.amr).toEqual(['pwd', 'sms', 'mfa']);
  });

  it('SMS as the only method: 20 loads of the step-up page at once send exactly one text (atomic cooldown)', async () => {
    const { browser, texts } = await deskWithOneFactorSession();
    const before = texts();
    const request = await authorizationRequest(rp, { acr_values: ACR.twoFactor });
    let page = await browser.request('GET', request.url);
    while (!new URL(page.headers.get('location') ?? page.url, page.url).pathname.endsWith('/verify')) {
      page = await browser.request('GET', new URL(page.headers.get('location')!, page.url));
    }
    const verifyUrl = new URL(page.headers.get('location')!, page.url);
    const pages = await Promise.all(Array.from({ length: 20 }, () => browser.get(verifyUrl)));
    expect(pages.map((p) => p.status)).toEqual(Array(20).fill(200));
    expect(texts()).toBe(before + 1);
  });

  it('a 2fa session meets acr_values=loa:2fa without any page (SSO)', async () => {
    const browser = new Browser();
    const first = await begin(browser, rp);
    const codePage = await submitPassword(browser, first.page, idp.staff.owner);
    const tokens = await redeem(
      rp,
      first.request,
      await submitTotp(browser, codePage, idp.nextTotpCode(idp.staff.owner.totpSecret!)),
    );
    const second = await begin(browser, rp, { acr_values: ACR.twoFactor });
    expect(second.page.leftTo).toBeDefined();
    const again = (await redeem(rp, second.request, second.page)).claims()!;
    expect(again.acr).toBe(ACR.twoFactor);
    expect(again.auth_time).toBe(tokens.claims()!.auth_time);
  });

  it('max_age: an older session asks for the second factor again, and auth_time moves', async () => {
    const browser = new Browser();
    const first = await begin(browser, rp);
    const codePage = await submitPassword(browser, first.page, idp.staff.owner);
    const firstClaims = (
      await redeem(
        rp,
        first.request,
        await submitTotp(browser, codePage, idp.nextTotpCode(idp.staff.owner.totpSecret!)),
      )
    ).claims()!;
    await sleep(2100);
    const second = await begin(browser, rp, { max_age: '1' });
    expect(second.page.status).toBe(200);
    expect(second.page.body).not.toContain('name="password"');
    expect(testId(second.page, 'step-up-reason')).toBe(
      'For your security, this needs a code entered just now.',
    );
    const done = await submitTotp(browser, second.page, idp.nextTotpCode(idp.staff.owner.totpSecret!));
    const claims = (await redeem(rp, second.request, done)).claims()!;
    expect(claims.auth_time).toBeGreaterThan(firstClaims.auth_time!);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('max_age: a remembered device does not count — the code is asked even right after signing in', async () => {
    const browser = new Browser();
    // Remember the device.
    const first = await begin(browser, rp);
    const codePage = await submitPassword(browser, first.page, idp.staff.owner);
    expect(codePage.body).toContain('name="remember"');
    expect(testId(codePage, 'step-up-reason')).toBeUndefined();
    await redeem(
      rp,
      first.request,
      await submitTotp(browser, codePage, idp.nextTotpCode(idp.staff.owner.totpSecret!), { remember: 'yes' }),
    );
    const device = browser.cookie('twostep_device')!.value;

    // New browser with the device cookie: trusted device skips the code.
    const other = new Browser();
    other.setCookie('twostep_device', device, '/interaction');
    const plain = await begin(other, rp);
    const skipped = await submitPassword(other, plain.page, idp.staff.owner);
    expect((await redeem(rp, plain.request, skipped)).claims()!.amr).toContain('trusted_device');

    // The same session with max_age (long enough) still wants the code: the session came from a device skip.
    const fresh = await begin(other, rp, { max_age: '600' });
    expect(fresh.page.status).toBe(200);
    expect(fresh.page.body).toContain('Verification code');
    expect(testId(fresh.page, 'step-up-reason')).toBe(
      'For your security, this needs a code entered in the last 10 minutes.',
    );
    expect(fresh.page.body).not.toContain('name="remember"');
    const done = await submitTotp(other, fresh.page, idp.nextTotpCode(idp.staff.owner.totpSecret!));
    const claims = (await redeem(rp, fresh.request, done)).claims()!;
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);

    // With max_age on a fresh browser, the device cookie is not accepted after the password either.
    const third = new Browser();
    third.setCookie('twostep_device', device, '/interaction');
    const withMaxAge = await begin(third, rp, { max_age: '600' });
    const asked = await submitPassword(third, withMaxAge.page, idp.staff.owner);
    expect(asked.leftTo).toBeUndefined();
    expect(asked.body).toContain('Verification code');
  });

  it('loa:2fa asked while 2-Step is paused: unmet_authentication_requirements at the redirect_uri', async () => {
    await pause(idp.staff.owner.id);
    const requests: Record<string, string>[] = [
      { acr_values: ACR.twoFactor },
      { claims: JSON.stringify({ id_token: { acr: { essential: true, value: ACR.twoFactor } } }) },
    ];
    for (const params of requests) {
      const browser = new Browser();
      const { request, page } = await begin(browser, rp, params);
      const back = await submitPassword(browser, page, idp.staff.owner);
      expect(back.leftTo).toBeDefined();
      const url = back.leftTo!;
      expect(url.origin + url.pathname).toBe(idp.redirectUri);
      expect(url.searchParams.get('error')).toBe('unmet_authentication_requirements');
      expect(url.searchParams.get('state')).toBe(request.state);
      expect(url.searchParams.get('code')).toBeNull();
    }
  });

  it('unknown acr values are ignored (acr_values is a wish list), not turned into a requirement', async () => {
    const browser = new Browser();
    const { request, page } = await begin(browser, rp, { acr_values: 'urn:example:unknown' });
    const done = await submitPassword(browser, page, idp.staff.relaxed);
    expect((await redeem(rp, request, done)).claims()!.acr).toBe(ACR.oneFactor);
  });

  it('an essential loa:1fa request is met by a 2fa sign-in (no loop) and answered with the requested 1fa', async () => {
    const browser = new Browser();
    const claims = JSON.stringify({ id_token: { acr: { essential: true, values: [ACR.oneFactor] } } });
    const { request, page } = await begin(browser, rp, { claims });
    const done = await signInWithTotp(browser, page, idp, idp.staff.owner);
    // OIDC Core §5.5.1.1: one of the requested values (test/e2e-oidc/essential-acr.test.ts).
    expect((await redeem(rp, request, done)).claims()!.acr).toBe(ACR.oneFactor);
  });
});

describe('forced enrollment (clinic enforces, no factor yet)', () => {
  it('authenticator app: QR + key, confirm with a code, recovery code once, then loa:2fa otp', async () => {
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    const choice = await submitPassword(browser, page, idp.staff.practitioner);
    expect(choice.body).toContain('Maple Street Physio requires 2-Step Verification');
    const setup = await browser.submit(choice, '/enroll/totp');
    expect(setup.body).toContain('<svg');
    const secret = testId(setup, 'totp-secret')!.replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const wrong = await browser.submit(setup, '/enroll/totp/confirm', { code: '000000' });
    // Post/Redirect/Get: back at the setup page (same QR and key), which says why once.
    expect(wrong.url).toBe(`${page.url}/enroll/totp`);
    expect(wrong.status).toBe(200);
    expect(alertText(wrong)).toContain('not right');
    expect(testId(wrong, 'totp-secret')!.replace(/\s/g, '')).toBe(secret);
    const shown = await browser.submit(wrong, '/enroll/totp/confirm', { code: idp.totpCode(secret) });
    expect(testId(shown, 'recovery-code')).toMatch(/\w{4}-/);
    const done = await browser.submit(shown, '/acknowledge', { ack: 'yes' });
    const claims = (await redeem(rp, request, done)).claims()!;
    expect(claims.acr).toBe(ACR.twoFactor);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    const events = await idp.stores.audit.list(idp.clinic.id, { types: ['factor.enrolled'] });
    expect(events.some((e) => e.targetId === idp.staff.practitioner.id)).toBe(true);
  });

  it('"Remember this device" is offered at the end of the first setup, and spares the code next time', async () => {
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    const choice = await submitPassword(browser, page, idp.staff.practitioner);
    const setup = await browser.submit(choice, '/enroll/totp');
    const secret = testId(setup, 'totp-secret')!.replace(/\s/g, '');
    const shown = await browser.submit(setup, '/enroll/totp/confirm', { code: idp.totpCode(secret) });
    expect(testId(shown, 'recovery-code')).toBeTruthy();
    expect(shown.body).toContain('Remember this device for 30 days');
    const done = await browser.submit(shown, '/acknowledge', { ack: 'yes', remember: 'yes' });
    expect((await redeem(rp, request, done)).claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(browser.cookie('twostep_device')).toBeDefined();
    expect((await idp.stores.audit.list(idp.clinic.id, { types: ['device.trusted'] })).length).toBe(1);

    // The next sign-in on this device: the password, no code.
    const again = new Browser();
    again.setCookie('twostep_device', browser.cookie('twostep_device')!.value, '/interaction');
    const next = await begin(again, rp);
    const skipped = await submitPassword(again, next.page, idp.staff.practitioner);
    expect((await redeem(rp, next.request, skipped)).claims()!.amr).toContain('pwd');
  });

  it('not offered after a setup the app forced to be fresh (max_age): a posted one sets nothing', async () => {
    const browser = new Browser();
    const { page } = await begin(browser, rp, { max_age: '600' });
    const choice = await submitPassword(browser, page, idp.staff.practitioner);
    const setup = await browser.submit(choice, '/enroll/totp');
    const secret = testId(setup, 'totp-secret')!.replace(/\s/g, '');
    const shown = await browser.submit(setup, '/enroll/totp/confirm', { code: idp.totpCode(secret) });
    expect(testId(shown, 'recovery-code')).toBeTruthy();
    expect(shown.body).not.toContain('Remember this device');
    const done = await browser.submit(shown, '/acknowledge', { ack: 'yes', remember: 'yes' });
    expect(done.leftTo).toBeDefined();
    expect(browser.cookie('twostep_device')).toBeUndefined();
  });

  it('SMS: phone, code, recovery code, then loa:2fa sms', async () => {
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    const choice = await submitPassword(browser, page, idp.staff.practitioner);
    const phonePage = await browser.submit(choice, '/enroll/sms');
    expect(phonePage.body).toContain('Mobile number');
    const sent = await browser.submit(phonePage, '/enroll/sms/send', { phone: '+1 202 555 0143' });
    expect(sent.status).toBe(200);
    const code = idp.lastSmsCode('+12025550143')!;
    const shown = await browser.submit(sent, '/enroll/sms/confirm', { code });
    expect(testId(shown, 'recovery-code')).toBeTruthy();
    const done = await browser.submit(shown, '/acknowledge', { ack: 'yes' });
    const claims = (await redeem(rp, request, done)).claims()!;
    expect(claims.amr).toEqual(['pwd', 'sms', 'mfa']);
  });
});

describe('locked account', () => {
  it('after too many wrong codes: a page saying when to try again, and nothing else', async () => {
    const browser = new Browser();
    const { page } = await begin(browser, rp);
    let codePage = await submitPassword(browser, page, idp.staff.owner);
    for (let i = 0; i < 4; i++) {
      codePage = await submitTotp(browser, codePage, '000000');
      // Post/Redirect/Get: back on the code page, which says the code was wrong.
      expect(codePage.status).toBe(200);
      expect(new URL(codePage.url).pathname).toMatch(/\/verify$/);
      expect(codePage.body).toContain('role="alert"');
    }
    // The 5th wrong code starts the back-off: the page it redirects to says when to try again.
    const fifth = await submitTotp(browser, codePage, '000000');
    expect(fifth.status).toBe(429);
    expect(fifth.body).toContain('Try again after');
    const locked = await submitTotp(browser, codePage, '000000');
    expect(locked.status).toBe(429);
    expect(locked.body).toContain('Try again after');
    expect(locked.body).not.toContain('name="code"');
    const reload = await browser.get(page.url);
    expect(reload.body).toContain('Try again after');
  });
});
