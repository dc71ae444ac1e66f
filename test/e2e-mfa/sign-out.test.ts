/**
 * Sign-out really ends the app's session, through real HTTP between a browser, the clinic app
 * (express-mfa, encrypted-cookie sessions) and the IdP: a copy of the cookie taken before sign-out
 * is refused after it; sign out everywhere, a password change and a Full Access User's reset end
 * the person's app sessions by the IdP's back-channel logout before the IdP's page returns, so the
 * very next request to the app is refused; a forged logout token changes nothing.
 */
import { createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csrfOf, postRaw, signIn as consoleSignIn } from '../e2e-console/helpers.ts';
import { NAVIGATION_HEADERS, NavBrowser, type NavPage } from '../helpers/nav-browser.ts';
import { type ClinicRig, startClinicRig } from './clinic-app.ts';
import { enterPassword, signInOwner, view } from './flows.ts';

let rig: ClinicRig;
beforeEach(async () => {
  rig = await startClinicRig();
});
afterEach(async () => {
  await rig.close();
});

const json = { headers: { accept: 'application/json' } };
/** The schedule (a signed-in page) as an API call: 200 signed in, 401 not. */
const schedule = (browser: NavBrowser) => browser.request('GET', `${rig.app}/schedule`, json);

/** A browser holding only a copy of `cookie`, the app's session cookie from another browser. */
function thiefWith(cookie: string): NavBrowser {
  const thief = new NavBrowser();
  thief.setCookie(rig.app, 'twostep', cookie);
  return thief;
}

/** The owner signs in; the app's home page (with the sign-out CSRF token). */
async function signInHome(browser: NavBrowser) {
  view(await signInOwner(rig, browser));
  return view(await browser.navigate(`${rig.app}/`));
}

/** The front-desk account (SMS): app → password → "Text me a code" → code → back at the app. */
async function signInFrontDesk(browser: NavBrowser): Promise<NavPage> {
  const password = await browser.navigate(`${rig.app}/schedule`);
  const codePage = await enterPassword(browser, password, rig.idp.staff.frontDesk);
  const sent = await browser.submit(codePage, '/sms');
  return browser.submit(sent, '/verify', {
    method: 'sms',
    code: rig.idp.lastSmsCode(rig.idp.staff.frontDesk.phone!)!,
  });
}

/** Posts a logout token to the app's back-channel logout route. */
const postLogoutToken = (token: string) =>
  fetch(`${rig.app}/auth/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: token }),
  });

describe('app sign-out', () => {
  it('an app session cookie copied before sign-out is refused afterwards', async () => {
    const browser = new NavBrowser();
    const home = await signInHome(browser);
    const copied = browser.cookie(rig.app, 'twostep')!;
    expect((await schedule(thiefWith(copied))).status).toBe(200);

    const out = await browser.request('POST', `${rig.app}/auth/logout`, {
      headers: { ...NAVIGATION_HEADERS, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: home.csrf! }).toString(),
    });
    expect(out.status).toBe(303);
    expect(out.location).toMatch(new RegExp(`^${rig.idp.issuer}/session/end\\?`));
    expect((await schedule(browser)).status).toBe(401);
    // The copy is refused at once, and again on a later request (the cookie is cleared each time).
    const thief = thiefWith(copied);
    expect((await schedule(thief)).status).toBe(401);
    expect((await schedule(thiefWith(copied))).status).toBe(401);
  });

  it('sign-out needs the CSRF token: a bare POST, a wrong token or a link leaves the session alone', async () => {
    const browser = new NavBrowser();
    const home = await signInHome(browser);
    const post = (body: string) =>
      browser.request('POST', `${rig.app}/auth/logout`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    expect((await post('')).status).toBe(403);
    expect(
      (await post(new URLSearchParams({ csrf: `${home.csrf!.slice(0, -2)}AA` }).toString())).status,
    ).toBe(403);
    // Another session's token is no good either.
    const other = new NavBrowser();
    const otherHome = await signInHome(other);
    expect((await post(new URLSearchParams({ csrf: otherHome.csrf! }).toString())).status).toBe(403);
    // A GET (a link, an <img>, a top-level navigation from another site) only shows the question.
    const ask = await browser.request('GET', `${rig.app}/auth/logout`);
    expect(ask.status).toBe(200);
    expect(ask.body).toContain('Sign out?');
    expect((await schedule(browser)).status).toBe(200);
    // The X-CSRF-Token header works for a script's sign-out.
    const byHeader = await browser.request('POST', `${rig.app}/auth/logout`, {
      headers: { 'x-csrf-token': home.csrf! },
    });
    expect(byHeader.status).toBe(303);
    expect((await schedule(browser)).status).toBe(401);
  });

  it('signing out at the IdP ends the app session of that browser only (back-channel logout with sid)', async () => {
    const desk = new NavBrowser();
    const home = new NavBrowser();
    await signInHome(desk);
    await signInHome(home);
    const copied = desk.cookie(rig.app, 'twostep')!;
    // Leave the app's cookie aside and end the IdP session from its own sign-out page.
    const ask = await desk.navigate(`${rig.idp.issuer}/session/end`);
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(ask.body)!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(form[2]!)![1]!;
    const done = await desk.request('POST', new URL(form[1]!, ask.url).href, {
      headers: { ...NAVIGATION_HEADERS, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    });
    expect(done.status).toBeLessThan(400);
    expect((await schedule(thiefWith(copied))).status).toBe(401);
    expect((await schedule(home)).status).toBe(200);
  });
});

describe("ending a person's sessions at the IdP ends them in the app within one request", () => {
  it('sign out everywhere (account page)', async () => {
    const desk = new NavBrowser();
    const home = new NavBrowser();
    view(await signInOwner(rig, desk));
    view(await signInOwner(rig, home));
    const colleague = new NavBrowser();
    await signInFrontDesk(colleague);

    const { browser, page } = await consoleSignIn(rig.idp, rig.idp.staff.owner);
    const out = await postRaw(browser, rig.idp, '/account/sign-out-everywhere', { csrf: csrfOf(page) });
    expect(out.status).toBe(303);
    expect(rig.idp.logs.filter((l) => l.level === 'error')).toEqual([]);
    expect((await schedule(desk)).status).toBe(401);
    expect((await schedule(home)).status).toBe(401);
    expect((await schedule(colleague)).status).toBe(200);
    // Signing in again works, and the new session is not caught by the old revocation.
    const again = new NavBrowser();
    const page2 = await again.navigate(`${rig.app}/schedule`);
    expect(page2.body).toContain('name="password"');
  });

  it("a Full Access User's reset", async () => {
    const colleague = new NavBrowser();
    view(await signInFrontDesk(colleague));
    const owner = new NavBrowser();
    view(await signInOwner(rig, owner));

    const path = `/admin/staff/${rig.idp.staff.frontDesk.id}`;
    const admin = await consoleSignIn(rig.idp, rig.idp.staff.owner, path);
    const reset = await postRaw(admin.browser, rig.idp, `${path}/reset`, {
      csrf: csrfOf(admin.page),
      reason: 'lost phone',
    });
    expect(reset.status).toBe(303);
    expect((await schedule(colleague)).status).toBe(401);
    expect((await schedule(owner)).status).toBe(200);
  });

  // The IdP has no page to change an existing password (welcome links set a first one): the
  // change is core's lifecycle hook, as the IdP's password paths call it; the rest is real HTTP.
  it('a password change', async () => {
    const colleague = new NavBrowser();
    view(await signInFrontDesk(colleague));
    const staff = (await rig.idp.stores.staff.get(rig.idp.staff.frontDesk.id))!;
    await rig.idp.idp.twostep.lifecycle.passwordChanged({ actorId: staff.id }, staff);
    expect((await schedule(colleague)).status).toBe(401);
  });
});

describe('back-channel logout tokens', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const claims = () => ({
    iss: rig.idp.issuer,
    aud: rig.idp.clientId,
    sub: rig.idp.staff.owner.id,
    jti: randomUUID(),
    events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
  });

  it('a forged (wrong key), unsigned (alg none) or HMAC-signed logout token is refused and ends nothing', async () => {
    const browser = new NavBrowser();
    view(await signInOwner(rig, browser));
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const body = b64({ ...claims(), iat: Math.floor(Date.now() / 1000) });
    const rsHeader = b64({ alg: 'RS256', typ: 'logout+jwt', kid: 'test-key-1' });
    const forged = `${rsHeader}.${body}.${sign('sha256', Buffer.from(`${rsHeader}.${body}`), privateKey).toString('base64url')}`;
    const unsigned = `${b64({ alg: 'none', typ: 'logout+jwt' })}.${body}.`;
    const hsHeader = b64({ alg: 'HS256', typ: 'logout+jwt' });
    const hmac = `${hsHeader}.${body}.${createHmac('sha256', rig.idp.clientSecret).update(`${hsHeader}.${body}`).digest('base64url')}`;
    for (const token of [forged, unsigned, hmac, 'not-a-jwt']) {
      const res = await postLogoutToken(token);
      expect(res.status, token.slice(0, 40)).toBe(400);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    expect((await fetch(`${rig.app}/auth/backchannel-logout`, { method: 'POST' })).status).toBe(400);
    expect((await schedule(browser)).status).toBe(200);
  });
});
