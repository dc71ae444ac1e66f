import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NavBrowser } from '../helpers/nav-browser.ts';
import { ACR_1FA, ACR_2FA, type ClinicRig, startClinicRig } from './clinic-app.ts';
import { asksPassword, enterPassword, signInOwner, signInRelaxed, view } from './flows.ts';

let rig: ClinicRig;
beforeEach(async () => {
  rig = await startClinicRig();
});
afterEach(() => rig.close());

describe('sign-in through the twostep IdP', () => {
  it('owner: /schedule → IdP password → authenticator code → back on /schedule with loa:2fa', async () => {
    const browser = new NavBrowser();
    const first = await browser.get(`${rig.app}/schedule`);
    expect(first.status).toBe(303);
    const auth = new URL(first.location!);
    expect(`${auth.origin}${auth.pathname}`).toBe(`${rig.idp.issuer}/auth`);
    expect(auth.searchParams.get('client_id')).toBe(rig.idp.clientId);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('redirect_uri')).toBe(`${rig.app}/auth/callback`);
    // A plain sign-in asks for no particular level: the clinic's policy decides.
    expect(auth.searchParams.get('acr_values')).toBeNull();
    expect(auth.searchParams.get('max_age')).toBeNull();

    const before = Math.floor(Date.now() / 1000);
    const page = await signInOwner(rig, browser);
    expect(page.url).toBe(`${rig.app}/schedule`);
    const schedule = view(page);
    expect(schedule).toMatchObject({
      page: 'schedule',
      sub: rig.idp.staff.owner.id,
      acr: ACR_2FA,
      amr: ['pwd', 'otp', 'mfa'],
    });
    expect(schedule.authTime).toBeGreaterThanOrEqual(before);

    // The session cookie: HttpOnly, SameSite=Lax, not Secure on http://127.0.0.1 only.
    const callback = browser.hits.find((h) => h.url.startsWith(`${rig.app}/auth/callback`));
    expect(callback?.status).toBe(303);
    expect(browser.cookie(rig.app, 'twostep')).toBeDefined();

    // Already signed in: the chart (fresh 2fa) opens without going back to the IdP.
    const idpHits = browser.hitsTo(rig.idp.issuer).length;
    expect(view(await browser.navigate(`${rig.app}/patients/7/chart`))).toMatchObject({
      page: 'chart',
      id: '7',
      acr: ACR_2FA,
    });
    expect(browser.hitsTo(rig.idp.issuer)).toHaveLength(idpHits);
  });

  it('relaxed clinic: password only → loa:1fa, ["pwd"] on /schedule', async () => {
    const browser = new NavBrowser();
    const schedule = view(await signInRelaxed(rig, browser));
    expect(schedule).toMatchObject({
      page: 'schedule',
      sub: rig.idp.staff.relaxed.id,
      acr: ACR_1FA,
      amr: ['pwd'],
    });
  });

  it('a wrong password stays at the IdP; nothing is set at the app but the pending login', async () => {
    const browser = new NavBrowser();
    const page = await browser.navigate(`${rig.app}/schedule`);
    const again = await enterPassword(browser, page, { ...rig.idp.staff.owner, password: 'wrong-password' });
    expect(again.url.startsWith(rig.idp.issuer)).toBe(true);
    expect(asksPassword(again)).toBe(true);
    expect(browser.hitsTo(`${rig.app}/auth/callback`)).toHaveLength(0);
    const api = await browser.request('GET', `${rig.app}/schedule`, {
      headers: { accept: 'application/json' },
    });
    expect(api.status).toBe(401);
  });

  it('logout clears the app session and ends the IdP session (the next sign-in asks for the password)', async () => {
    const browser = new NavBrowser();
    view(await signInOwner(rig, browser));
    // A link shows the app's own "Sign out?" page; its form carries the CSRF token.
    const ask = await browser.navigate(`${rig.app}/auth/logout`);
    expect(ask.body).toContain('Sign out?');
    const confirm = await browser.submit(ask, '/auth/logout');
    // The app forgot the session before leaving for the IdP's end_session_endpoint.
    expect(browser.cookie(rig.app, 'twostep')).toBeUndefined();
    expect(browser.trail[1]).toMatch(new RegExp(`^${rig.idp.issuer}/session/end\\?id_token_hint=`));
    expect(confirm.body).toContain('Do you want to sign out?');
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(confirm.body)!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(form[2]!)![1]!;
    const out = await browser.follow(
      await browser.request('POST', new URL(form[1]!, confirm.url).href, {
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-mode': 'navigate' },
        body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
      }),
    );
    expect(out.url).toBe(`${rig.app}/`);
    expect(view(out).sub).toBeUndefined();
    const again = await browser.navigate(`${rig.app}/schedule`);
    expect(again.url.startsWith(rig.idp.issuer)).toBe(true);
    expect(asksPassword(again)).toBe(true);
  });
});
