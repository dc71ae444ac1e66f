/** The console session: sign-in through the IdP, the cookie, the 10-minute rule, CSRF, the password-only session. */
import { ACR } from '@twostep/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { alertText, Browser, testId } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { submitPassword, submitTotp } from '../helpers/sign-in.ts';
import { csrfOf, enterCode, postRaw, signIn } from './helpers.ts';

let idp: TestIdp;
beforeEach(async () => {
  idp = await startTestIdp();
});
afterEach(async () => {
  vi.useRealTimers();
  await idp.close();
});

const audit = (type: string) =>
  idp.stores.audit.list(idp.clinic.id, { types: [type as never], order: 'desc' });

describe('console sign-in', () => {
  it('goes through the IdP with state, PKCE S256 and acr_values=loa:2fa, and sets a signed HttpOnly Lax cookie', async () => {
    const browser = new Browser();
    const first = await browser.request('GET', `${idp.url}/account`);
    expect(first.status).toBe(303);
    const login = await browser.request('GET', new URL(first.headers.get('location')!, idp.url));
    const auth = new URL(login.headers.get('location')!, idp.url);
    expect(auth.pathname).toBe('/auth');
    expect(auth.searchParams.get('client_id')).toBe('twostep-console');
    expect(auth.searchParams.get('redirect_uri')).toBe(`${idp.url}/console/callback`);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(auth.searchParams.get('state')).toMatch(/^[\w-]{32}$/);
    expect(auth.searchParams.get('acr_values')).toBe(ACR.twoFactor);
    expect(auth.searchParams.get('max_age')).toBeNull();
    expect(browser.cookie('twostep_console_login')?.httpOnly).toBe(true);

    const { page } = await signIn(idp, idp.staff.owner, '/account', browser);
    expect(page.status).toBe(200);
    expect(new URL(page.url).pathname).toBe('/account');
    expect(page.body).toContain('Maple Street Physio');
    const cookie = browser.cookie('twostep_console')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite?.toLowerCase()).toBe('lax');
    expect(cookie.secure).toBe(false); // http://127.0.0.1 issuer
    expect(cookie.path).toBe('/');
    expect(browser.cookie('twostep_console_login')).toBeUndefined();
    // Hardened like the sign-in pages.
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'nonce-/);
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('a forged or edited cookie is no session', async () => {
    const { browser } = await signIn(idp, idp.staff.frontDesk);
    const cookie = browser.cookie('twostep_console')!;
    const [body, mac] = cookie.value.split('.');
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString());
    payload.accountId = idp.staff.owner.id;
    const forged = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${mac}`;
    browser.setCookie('twostep_console', forged);
    const page = await browser.request('GET', `${idp.url}/admin`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toMatch(/^\/console\/login\?return=%2Fadmin/);
  });

  it('a callback with the wrong state, a replayed code, or another client is refused', async () => {
    const browser = new Browser();
    await browser.get(`${idp.url}/account`); // login cookie set, on the password page
    const wrongState = await browser.request('GET', `${idp.url}/console/callback?code=x&state=nope`);
    expect(wrongState.status).toBe(400);

    // A complete sign-in, capturing the callback URL to replay it.
    const b2 = new Browser();
    let page = await b2.get(`${idp.url}/account`);
    page = await submitPassword(b2, page, idp.staff.owner);
    const verify = /action="([^"]+\/verify)"/.exec(page.body)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body.slice(page.body.indexOf(verify)))![1]!;
    let step = await b2.request(
      'POST',
      new URL(verify, idp.url),
      new URLSearchParams({
        csrf,
        method: 'totp',
        code: idp.nextTotpCode(idp.staff.owner.totpSecret!),
      }).toString(),
    );
    let callback: URL | null = null;
    for (let i = 0; i < 10 && step.status >= 300 && step.status < 400; i++) {
      const next = new URL(step.headers.get('location')!, step.url);
      if (next.pathname === '/console/callback') callback = next;
      step = await b2.request('GET', next);
    }
    expect(callback).not.toBeNull();
    expect(new URL(step.url).pathname).toBe('/account');
    // Replay: the login cookie is gone and the code consumed.
    const replay = await b2.request('GET', callback!);
    expect(replay.status).toBe(400);
  });

  it('sign-out clears the console cookie and goes to the IdP sign-out', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner);
    const out = await postRaw(browser, idp, '/console/logout', { csrf: csrfOf(page) });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toMatch(/^\/session\/end\?client_id=twostep-console/);
    expect(browser.cookie('twostep_console')).toBeUndefined();
    const after = await browser.request('GET', `${idp.url}/account`);
    expect(after.status).toBe(303);
  });
});

describe('the 10-minute rule', () => {
  it('a second factor older than 10 minutes: nothing changes, the IdP asks only for the code (max_age=600), then back to the page', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin/staff/staff-desk');
    expect(page.status).toBe(200);
    const csrf = csrfOf(page);
    vi.setSystemTime(Date.now() + 11 * 60_000);

    const stale = await postRaw(browser, idp, '/admin/staff/staff-desk/pause', {
      csrf,
      hours: '24',
      reason: 'lost phone',
    });
    expect(stale.status).toBe(303);
    const to = new URL(stale.headers.get('location')!, idp.url);
    expect(to.pathname).toBe('/console/login');
    expect(to.searchParams.get('fresh')).toBe('1');
    expect(to.searchParams.get('return')).toBe('/admin/staff/staff-desk');
    expect(await idp.stores.pauses.get(idp.staff.frontDesk.id)).toBeNull();
    expect(await audit('two_step.paused')).toHaveLength(0);
    expect(idp.notifier.sent.filter((n) => n.kind === 'two_step_paused')).toHaveLength(0);

    const login = await browser.request('GET', to);
    const auth = new URL(login.headers.get('location')!, idp.url);
    expect(auth.searchParams.get('max_age')).toBe('600');
    const codePage = await browser.get(auth);
    expect(codePage.body).not.toContain('name="password"');
    expect(codePage.body).toContain('Verification code');
    const back = await enterCode(idp, idp.staff.owner, browser, codePage);
    expect(new URL(back.url).pathname).toBe('/admin/staff/staff-desk');

    // Now fresh: the same action goes through.
    const done = await browser.post(`${idp.url}/admin/staff/staff-desk/pause`, {
      csrf: csrfOf(back),
      hours: '24',
      reason: 'lost phone',
    });
    expect(done.status).toBe(200);
    expect(await idp.stores.pauses.get(idp.staff.frontDesk.id)).not.toBeNull();
  });

  it('a remembered-device sign-in never counts as a fresh second factor', async () => {
    const browser = new Browser();
    let page = await browser.get(`${idp.url}/account`);
    page = await submitPassword(browser, page, idp.staff.owner);
    page = await submitTotp(browser, page, idp.nextTotpCode(idp.staff.owner.totpSecret!), {
      remember: 'yes',
    });
    // A new browser with only the device cookie: signs in with the password, no code.
    const other = new Browser();
    other.setCookie('twostep_device', browser.cookie('twostep_device')!.value, '/interaction');
    let second = await other.get(`${idp.url}/account`);
    second = await submitPassword(other, second, idp.staff.owner);
    expect(new URL(second.url).pathname).toBe('/account');
    const before = (await audit('recovery_code.issued')).length;
    const change = await postRaw(other, idp, '/account/recovery', { csrf: csrfOf(second) });
    expect(change.status).toBe(303);
    expect(change.headers.get('location')).toContain('fresh=1');
    expect(await audit('recovery_code.issued')).toHaveLength(before);
  });

  it('idle console sessions end after 30 minutes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { browser } = await signIn(idp, idp.staff.owner);
    vi.setSystemTime(Date.now() + 31 * 60_000);
    const page = await browser.request('GET', `${idp.url}/account`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toMatch(/^\/console\/login/);
  });
});

describe('CSRF', () => {
  it('a change without the token (or with another session’s) is refused with 403 and nothing changes', async () => {
    const { browser } = await signIn(idp, idp.staff.owner, '/admin');
    const other = await signIn(idp, idp.staff.frontDesk);
    for (const fields of [
      {} as Record<string, string>,
      { csrf: csrfOf(other.page) },
      { csrf: 'x'.repeat(43) },
    ]) {
      const page = await postRaw(browser, idp, '/admin/staff/staff-desk/pause', {
        ...fields,
        hours: '24',
        reason: 'lost phone',
      });
      expect(page.status).toBe(403);
      expect(alertText(page)).toContain('This form has expired');
    }
    const removed = await postRaw(browser, idp, '/account/remove', { kind: 'totp' });
    expect(removed.status).toBe(403);
    expect(await idp.stores.pauses.get(idp.staff.frontDesk.id)).toBeNull();
    expect(await audit('two_step.paused')).toHaveLength(0);
    expect((await idp.stores.factors.list(idp.staff.owner.id)).some((f) => f.kind === 'totp')).toBe(true);
    expect(
      idp.notifier.sent.filter((n) => n.kind === 'two_step_paused' || n.kind === 'factor_removed'),
    ).toHaveLength(0);
  });

  it('form bodies are small and flat: 413 above the limit', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner);
    const big = await postRaw(browser, idp, '/account/sms', {
      csrf: csrfOf(page),
      phone: 'x'.repeat(20_000),
    });
    expect(big.status).toBe(413);
  });
});

describe('2-Step paused: a password-only console session', () => {
  it('can view the page and set up a method; other changes are refused with an explanation', async () => {
    const now = idp.clock.now();
    await idp.stores.pauses.set({
      staffId: idp.staff.frontDesk.id,
      clinicId: idp.clinic.id,
      until: new Date(now.getTime() + 3_600_000),
      reason: 'lost phone',
      pausedBy: idp.staff.owner.id,
      createdAt: now,
    });
    const browser = new Browser();
    let page = await browser.get(`${idp.url}/account`);
    page = await submitPassword(browser, page, idp.staff.frontDesk);
    // The IdP cannot give loa:2fa (paused): the console asks again without acr_values.
    if (page.body.includes('name="password"')) {
      page = await submitPassword(browser, page, idp.staff.frontDesk);
    }
    if (page.body.includes('/continue"')) page = await browser.submit(page, '/continue');
    expect(new URL(page.url).pathname).toBe('/account');
    expect(page.body).toContain('You signed in with your password only');
    expect(page.body).toContain('Paused until');

    const refused = await postRaw(browser, idp, '/account/remove', { csrf: csrfOf(page), kind: 'sms' });
    expect(refused.status).toBe(403);
    expect(alertText(refused)).toContain('2-Step Verification is paused for your account');

    // A new console sign-in while the IdP's password-only session lives asks nothing: the IdP answers
    // the console's loa:2fa request at once (paused, no password), and the password-only retry is met.
    const before = (await idp.stores.audit.list(idp.clinic.id, { types: ['access.denied'] })).length;
    const again = await browser.get(`${idp.url}/console/login?return=%2Faccount`);
    expect(again.body).not.toContain('name="password"');
    expect(new URL(again.url).pathname).toBe('/account');
    expect(again.body).toContain('You signed in with your password only');
    expect(await idp.stores.audit.list(idp.clinic.id, { types: ['access.denied'] })).toHaveLength(before);

    // Setting up an authenticator app is allowed, and ends the pause.
    const setup = await browser.post(`${idp.url}/account/totp`, { csrf: csrfOf(page) });
    expect(setup.status).toBe(200);
    const secret = testId(setup, 'totp-secret')!.replace(/\s/g, '');
    const done = await browser.post(`${idp.url}/account/totp/confirm`, {
      csrf: csrfOf(setup),
      code: idp.totpCode(secret),
    });
    expect(done.status).toBe(200);
    expect(await idp.stores.pauses.get(idp.staff.frontDesk.id)).toBeNull();
    const factors = await idp.stores.factors.list(idp.staff.frontDesk.id);
    expect(factors.some((f) => f.kind === 'totp' && f.status === 'active')).toBe(true);
  });
});
