import { createMemoryStores } from '@twostep/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  alertText,
  Browser,
  findForm,
  isPasswordRefusal,
  type Page,
  shownPasswordRefusal,
} from '../helpers/browser.ts';
import { startTestIdp, type TestIdp, type TestIdpOptions } from '../helpers/idp.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { acknowledgeRecoveryCode, submitPassword, submitTotp } from '../helpers/sign-in.ts';

let idp: TestIdp;
let rp: Rp;

async function setup(options: TestIdpOptions = {}) {
  idp = await startTestIdp(options);
  rp = await relyingParty(idp);
}
afterEach(() => idp?.close());

async function toCodePage(browser: Browser, who: 'owner' | 'frontDesk' = 'owner') {
  const { request, page } = await begin(browser, rp);
  const codePage = await submitPassword(browser, page, idp.staff[who]);
  return { request, page, codePage };
}

const auditTypes = async () => (await idp.stores.audit.list(idp.clinic.id)).map((e) => e.type);
const audit = async (type: string) =>
  (await idp.stores.audit.list(idp.clinic.id)).filter((e) => e.type === type);

/** Refused: still at the IdP, and either a 4xx page or (a wrong code, Post/Redirect/Get) back to the code page saying why. */
function expectRefused(page: Page) {
  expect(page.leftTo).toBeUndefined();
  if (page.status === 303) expect(page.headers.get('location')).toMatch(/\/verify\?method=/);
  else if (page.status === 200) {
    expect(page.url).toMatch(/\/verify\?method=/);
    expect(page.body).toContain('role="alert"');
  } else expect(page.status).toBeGreaterThanOrEqual(400);
}

describe('codes that must not work', () => {
  it('a replayed authenticator code is refused and not counted as a guess', async () => {
    await setup();
    const code = idp.nextTotpCode(idp.staff.owner.totpSecret!);
    const firstBrowser = new Browser();
    const a = await toCodePage(firstBrowser);
    const done = await submitTotp(firstBrowser, a.codePage, code);
    await redeem(rp, a.request, done);

    const other = new Browser();
    const b = await toCodePage(other);
    const replay = await submitTotp(other, b.codePage, code);
    expectRefused(replay);
    expect(alertText(replay)).toContain('already used');
    // A replay is refused without counting as a guess (core: only guesses count); no sign-in is recorded.
    expect((await audit('sign_in.succeeded')).map((e) => e.targetId)).toEqual([idp.staff.owner.id]);
    expect((await idp.stores.throttles.get(`second-factor:${idp.staff.owner.id}`)).failures).toBe(0);
  });

  it('a recovery code works once', async () => {
    await setup();
    const browser = new Browser();
    const a = await toCodePage(browser);
    const shown = await browser.submit(a.codePage, '/verify', {
      method: 'recovery',
      code: idp.staff.owner.recoveryCode!,
    });
    expect(shown.status).toBe(200);
    await redeem(rp, a.request, await acknowledgeRecoveryCode(browser, shown));

    const other = new Browser();
    const b = await toCodePage(other);
    const reused = await other.submit(b.codePage, '/verify', {
      method: 'recovery',
      code: idp.staff.owner.recoveryCode!,
    });
    expectRefused(reused);
    expect((await audit('second_factor.failed')).at(-1)?.details).toMatchObject({ method: 'recovery' });
  });

  it('an expired SMS code is refused', async () => {
    await setup();
    const browser = new Browser();
    const a = await toCodePage(browser, 'frontDesk');
    const sent = await browser.submit(a.codePage, '/sms');
    const code = idp.lastSmsCode(idp.staff.frontDesk.phone!)!;
    idp.clock.advance(11 * 60_000);
    const late = await browser.submit(sent, '/verify', { method: 'sms', code });
    expectRefused(late);
    expect(alertText(late)).toContain('expired');
    expect(await audit('sign_in.succeeded')).toEqual([]);
  });

  it('after 5 wrong SMS tries the right code no longer works', async () => {
    await setup();
    const browser = new Browser();
    const a = await toCodePage(browser, 'frontDesk');
    let page = await browser.submit(a.codePage, '/sms');
    const code = idp.lastSmsCode(idp.staff.frontDesk.phone!)!;
    const wrong = code === '111111' ? '222222' : '111111';
    let formPage = page;
    for (let i = 0; i < 5; i++) {
      if (page.status === 200) formPage = page;
      page = await browser.submit(formPage, '/verify', { method: 'sms', code: wrong });
      expectRefused(page);
    }
    // The 5th wrong try already lands on the "try again after" page; the form of the page before it
    // still posts: the 6th try, with the right code, is refused (the code is spent, the account backs off).
    expect(page.status).toBe(429);
    const before = (await idp.stores.audit.list(idp.clinic.id)).length;
    const sixth = await browser.submit(formPage, '/verify', { method: 'sms', code });
    expectRefused(sixth);
    const types = (await idp.stores.audit.list(idp.clinic.id)).slice(before - 5).map((e) => e.type);
    expect(types.filter((t) => t === 'second_factor.failed')).toHaveLength(5);
    expect(types).toContain('second_factor.throttled');
    expect(types).not.toContain('sign_in.succeeded');
  });

  it('the SMS resend honours the cooldown and says when', async () => {
    await setup();
    const browser = new Browser();
    const a = await toCodePage(browser, 'frontDesk');
    const sent = await browser.submit(a.codePage, '/sms');
    expect(sent.body).toContain('You can ask for a new code after');
    // Post/Redirect/Get: the cooldown's answer is the code page (after a 303), saying when, once.
    const again = await browser.submit(sent, '/sms');
    expect(again.status).toBe(200);
    expect(again.url).toMatch(/\/verify\?method=sms$/);
    expect(alertText(again)).toContain('you can ask for a new code after');
    expect(alertText(await browser.get(again.url))).toBeUndefined();
    expect(idp.sms.messages.filter((m) => m.to === idp.staff.frontDesk.phone)).toHaveLength(2); // enrollment + 1
    idp.clock.advance(61_000);
    const resent = await browser.submit(again, '/sms');
    expect(resent.status).toBe(200);
    expect(idp.sms.messages.filter((m) => m.to === idp.staff.frontDesk.phone)).toHaveLength(3);
  });
});

describe('trusted-device cookies that must not work', () => {
  async function trustedToken(who: 'owner' | 'frontDesk'): Promise<string> {
    const browser = new Browser();
    const a = await toCodePage(browser, who);
    let page = a.codePage;
    if (who === 'frontDesk') page = await browser.submit(page, '/sms');
    const code =
      who === 'owner'
        ? idp.nextTotpCode(idp.staff.owner.totpSecret!)
        : idp.lastSmsCode(idp.staff.frontDesk.phone!)!;
    await redeem(
      rp,
      a.request,
      await browser.submit(page, '/verify', {
        method: who === 'owner' ? 'totp' : 'sms',
        code,
        remember: 'yes',
      }),
    );
    return browser.cookie('twostep_device')!.value;
  }

  async function codeAskedWith(cookie: string) {
    const browser = new Browser();
    browser.setCookie('twostep_device', cookie, '/interaction');
    const { codePage } = await toCodePage(browser);
    expect(codePage.leftTo).toBeUndefined();
    expect(codePage.body).toContain('Verification code');
  }

  it('forged', async () => {
    await setup();
    await codeAskedWith('AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB');
    await codeAskedWith('{"$gt":""}');
    const real = await trustedToken('owner');
    await codeAskedWith(`${real.split('.')[0]}.${'x'.repeat(43)}`);
  });

  it('expired', async () => {
    await setup();
    const token = await trustedToken('owner');
    idp.clock.advance(31 * 86_400_000);
    await codeAskedWith(token);
  });

  it("another staff member's", async () => {
    await setup();
    await codeAskedWith(await trustedToken('frontDesk'));
  });

  it('not offered when the clinic disallows it', async () => {
    await setup();
    await idp.stores.clinics.update(idp.clinic.id, { allowTrustedDevices: false });
    const { codePage } = await toCodePage(new Browser());
    expect(codePage.body).not.toContain('name="remember"');
  });
});

describe('forms', () => {
  it('refuse a missing, wrong or foreign CSRF token with 403 and change nothing', async () => {
    await setup();
    const browser = new Browser();
    const { page } = await begin(browser, rp);
    const action = new URL(findForm(page, '/password').action, page.url);
    const fields = { email: idp.staff.owner.email, password: idp.staff.owner.password };
    // A token from the attacker's own interaction does not work in the victim's.
    const attacker = new Browser();
    const theirs = await begin(attacker, rp);
    const before = await auditTypes();
    const badTokens: Record<string, string>[] = [
      {},
      { csrf: 'x'.repeat(43) },
      { csrf: findForm(page, '/abort').csrf },
      { csrf: findForm(theirs.page, '/password').csrf },
    ];
    // With the right password and with a wrong one: a wrong one would be audited as a failed
    // sign-in if the password were checked before the token.
    for (const token of badTokens) {
      expect((await browser.post(action, { ...fields, ...token })).status).toBe(403);
      expect((await browser.post(action, { ...fields, password: 'wrong password', ...token })).status).toBe(
        403,
      );
    }
    expect(await auditTypes()).toEqual(before);
    // The genuine form still works.
    expect((await browser.submit(page, '/password', fields)).body).toContain('Verification code');
  });

  it('treat NoSQL operator payloads as plain (wrong) strings', async () => {
    await setup();
    const before = (await idp.stores.audit.list(idp.clinic.id)).length;
    const browser = new Browser();
    const { page } = await begin(browser, rp);
    const { action, csrf } = findForm(page, '/password');
    const url = new URL(action, page.url);
    const bracket = await browser.request('POST', url, `csrf=${csrf}&email[$gt]=&password[$gt]=`);
    expect(isPasswordRefusal(bracket)).toBe(true);
    expect(shownPasswordRefusal(await browser.follow(bracket))).toBe('The email or password is incorrect.');
    const asJson = await browser.request(
      'POST',
      url,
      JSON.stringify({ csrf, email: { $gt: '' }, password: { $gt: '' } }),
      'application/json',
    );
    expect(asJson.status).toBe(403);
    const inField = await browser.request(
      'POST',
      url,
      new URLSearchParams({ csrf, email: '{"$gt":""}', password: '{"$gt":""}' }).toString(),
    );
    expect(isPasswordRefusal(inField)).toBe(true);
    expect(shownPasswordRefusal(await browser.follow(inField))).toBe('The email or password is incorrect.');

    const codePage = await submitPassword(browser, page, idp.staff.owner);
    const verify = findForm(codePage, '/verify');
    const codeUrl = new URL(verify.action, codePage.url);
    const op = await browser.request('POST', codeUrl, `csrf=${verify.csrf}&method=totp&code[$gt]=`);
    expectRefused(op);
    const opString = await browser.request(
      'POST',
      codeUrl,
      new URLSearchParams({ csrf: verify.csrf, method: 'totp', code: '{"$gt":""}' }).toString(),
    );
    expectRefused(opString);
    const opMethod = await browser.request('POST', codeUrl, `csrf=${verify.csrf}&method[$ne]=x&code=123456`);
    expect(opMethod.status).toBe(400);
    // Malformed input changes nothing: no failure counted, no audit event.
    expect((await idp.stores.throttles.get(`second-factor:${idp.staff.owner.id}`)).failures).toBe(0);
    expect((await idp.stores.audit.list(idp.clinic.id)).length).toBe(before);
  });

  it('refuse bodies over 8 KB with 413', async () => {
    await setup();
    const browser = new Browser();
    const { page } = await begin(browser, rp);
    const { action, csrf } = findForm(page, '/password');
    const big = await browser.request(
      'POST',
      new URL(action, page.url),
      new URLSearchParams({ csrf, email: idp.staff.owner.email, password: 'x'.repeat(9000) }).toString(),
    );
    expect(big.status).toBe(413);
    expect(big.body).toContain('too much data');
  });

  it('answer unknown email and wrong password the same way', async () => {
    await setup();
    const browser = new Browser();
    const { page } = await begin(browser, rp);
    const { action, csrf } = findForm(page, '/password');
    const post = (email: string) =>
      browser.request(
        'POST',
        new URL(action, page.url),
        new URLSearchParams({ csrf, email, password: 'x' }).toString(),
      );
    // The same 303 (same Location, the password page), then the same refusal shown once.
    const unknown = await post('nobody@maple.test');
    const unknownShown = await browser.follow(unknown);
    const wrong = await post(idp.staff.owner.email);
    const wrongShown = await browser.follow(wrong);
    expect([isPasswordRefusal(unknown), isPasswordRefusal(wrong)]).toEqual([true, true]);
    expect(unknown.headers.get('location')).toBe(wrong.headers.get('location'));
    expect(unknown.body).toBe(wrong.body);
    expect(shownPasswordRefusal(unknownShown)).toBe('The email or password is incorrect.');
    expect(shownPasswordRefusal(wrongShown)).toBe(shownPasswordRefusal(unknownShown));
    // Shown once: a reload is the plain password page.
    expect(alertText(await browser.get(wrongShown.url))).toBeUndefined();
    expect((await audit('sign_in.failed')).map((e) => e.targetId)).toEqual([idp.staff.owner.id]);
  });

  it('rate-limit password attempts per account (counters in the shared store)', async () => {
    await setup({ rateLimits: { passwordPerAccount: 3 } });
    const browser = new Browser();
    const { page } = await begin(browser, rp);
    for (let i = 0; i < 3; i++) {
      expect(
        shownPasswordRefusal(
          await browser.submit(page, '/password', { email: idp.staff.owner.email, password: 'x' }),
        ),
      ).toBe('The email or password is incorrect.');
    }
    const limited = await submitPassword(browser, page, idp.staff.owner);
    expect(limited.status).toBe(429);
    // Another account from the same IP is not affected by this account's limit.
    expect(
      shownPasswordRefusal(
        await browser.submit(page, '/password', { email: idp.staff.relaxed.email, password: 'x' }),
      ),
    ).toBe('The email or password is incorrect.');
  });

  it("send a nonce-based CSP, fresh per response, and only nonce'd scripts", async () => {
    await setup();
    const browser = new Browser();
    const { page } = await begin(browser, rp);
    const again = await browser.get(page.url);
    const csp = page.headers.get('content-security-policy')!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.body).toContain(`<style nonce="${nonce}">`);
    // The password page's scripts (passkey sign-in) all carry this response's nonce.
    const scripts = page.body.match(/<script[^>]*>/g) ?? [];
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    expect(csp).not.toContain('unsafe-inline');
    expect(again.headers.get('content-security-policy')).not.toContain(nonce);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });
});

describe('store failure', () => {
  it('fails closed with a 503 page and no token', async () => {
    let failing: string | null = null;
    await setup({ stores: createMemoryStores({ faults: { fail: (store) => store === failing } }) });
    for (const store of ['staff', 'counters', 'factors', 'throttles', 'pauses']) {
      const browser = new Browser();
      const { page } = await begin(browser, rp);
      failing = store;
      const result = await submitPassword(browser, page, idp.staff.owner);
      failing = null;
      expect(result.leftTo, store).toBeUndefined();
      expect(result.status, store).toBe(503);
      expect(result.body).toContain('temporarily unavailable');
    }
    // The audit log is down when the sign-in would complete: no sign-in without its audit event.
    const relaxed = new Browser();
    const start = await begin(relaxed, rp);
    failing = 'audit';
    const unaudited = await submitPassword(relaxed, start.page, idp.staff.relaxed);
    failing = null;
    expect(unaudited.status).toBe(503);
    expect(unaudited.leftTo).toBeUndefined();

    // Down while checking the code: the right code does not get through either.
    const browser = new Browser();
    const { codePage } = await toCodePage(browser);
    failing = 'factors';
    const result = await submitTotp(browser, codePage, idp.nextTotpCode(idp.staff.owner.totpSecret!));
    failing = null;
    expect(result.status).toBe(503);
    expect(result.leftTo).toBeUndefined();
  });
});
