import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NavBrowser } from '../helpers/nav-browser.ts';
import { ACR_1FA, ACR_2FA, type ClinicRig, SESSION_SECRET, startClinicRig } from './clinic-app.ts';
import { asksPassword, enterPassword, enterTotp, signInOwner, signInRelaxed, view } from './flows.ts';

let rig: ClinicRig;
beforeEach(async () => {
  rig = await startClinicRig();
});
afterEach(() => rig.close());

const json = { accept: 'application/json' };

/** Flips one base64url character of `value` at `index` (into another valid character). */
function flip(value: string, index: number): string {
  const c = value[index]!;
  return `${value.slice(0, index)}${c === 'A' ? 'B' : 'A'}${value.slice(index + 1)}`;
}

/** True when the app treated the request as signed out: a 401 for an API call, and the cookie cleared. */
async function signedOut(browser: NavBrowser, app: string): Promise<boolean> {
  const page = await browser.request('GET', `${app}/schedule`, { headers: json });
  return page.status === 401 && page.headers.get('www-authenticate') === 'Bearer realm="twostep"';
}

describe('session cookie', () => {
  it('a tampered cookie (header, ciphertext, tag, truncated) is no session, and is cleared', async () => {
    const browser = new NavBrowser();
    view(await signInOwner(rig, browser));
    const good = browser.cookie(rig.app, 'twostep')!;
    const parts = good.split('.');
    expect(parts).toHaveLength(5); // compact JWE: header..iv.ciphertext.tag (dir: empty key)
    const offsets = [
      2, // protected header (alg/enc/kid)
      parts[0]!.length + 2 + parts[2]!.length + 1 + 10, // ciphertext
      good.length - 3, // authentication tag
    ];
    const variants = [...offsets.map((i) => flip(good, i)), good.slice(0, -8)];
    for (const bad of variants) {
      browser.setCookie(rig.app, 'twostep', bad);
      const page = await browser.request('GET', `${rig.app}/schedule`, { headers: json });
      expect(page.status).toBe(401);
      // Cleared, so the browser stops sending it.
      expect(page.headers.getSetCookie().some((c) => /^twostep=;/.test(c))).toBe(true);
    }
    // A navigation with the tampered cookie goes to the IdP as if signed out.
    browser.setCookie(rig.app, 'twostep', flip(good, offsets[1]!));
    const nav = await browser.get(`${rig.app}/schedule`);
    expect(nav.status).toBe(303);
    expect(nav.location!.startsWith(`${rig.idp.issuer}/auth?`)).toBe(true);
    // The genuine cookie still works.
    browser.setCookie(rig.app, 'twostep', good);
    expect(view(await browser.navigate(`${rig.app}/schedule`)).acr).toBe(ACR_2FA);
  });

  it('forged cookies: garbage, alg none, and a valid cookie of another app (other secret) are refused', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = { sub: rig.idp.staff.owner.id, acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] };
    const forged = [
      'x',
      `${b64({ alg: 'none' })}.${b64({ user: { claims } })}.`,
      `${b64({ alg: 'dir', enc: 'A256GCM', kid: 'x' })}..${'A'.repeat(16)}.${b64({ user: { claims } })}.${'A'.repeat(22)}`,
    ];
    const browser = new NavBrowser();
    for (const value of forged) {
      browser.setCookie(rig.app, 'twostep', value);
      expect(await signedOut(browser, rig.app)).toBe(true);
    }

    // A real session made by another app instance with a different secret (a foreign key).
    const other = await rig.startOtherApp({ session: { secret: `${SESSION_SECRET}-but-another-one` } });
    const elsewhere = new NavBrowser();
    view(await signInOwner(rig, elsewhere, '/schedule'));
    // Same IdP session, so the other app's sign-in completes without a page.
    const page = await elsewhere.navigate(`${other}/schedule`);
    expect(view(page).sub).toBe(rig.idp.staff.owner.id);
    const foreign = elsewhere.cookie(other, 'twostep')!;
    browser.setCookie(rig.app, 'twostep', foreign);
    expect(await signedOut(browser, rig.app)).toBe(true);
  });
});

describe('callback', () => {
  /** Signs the relaxed user in, stopping before the callback; returns its URL. */
  async function callbackUrl(browser: NavBrowser): Promise<string> {
    const passwordPage = await browser.navigate(`${rig.app}/schedule`);
    const page = await browser.submit(
      passwordPage,
      '/password',
      { email: rig.idp.staff.relaxed.email, password: rig.idp.staff.relaxed.password },
      { stop: (url) => url.pathname === '/auth/callback' },
    );
    expect(page.location).toMatch(new RegExp(`^${rig.app}/auth/callback\\?code=`));
    return page.location!;
  }

  it('a replayed callback (same code + state) is refused the second time', async () => {
    const browser = new NavBrowser();
    const url = await callbackUrl(browser);
    const first = await browser.get(url);
    expect(first.status).toBe(303);
    expect(first.location).toBe(`${rig.app}/schedule`);
    const cookieAfterFirst = browser.cookie(rig.app, 'twostep');

    const replay = await browser.get(url);
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('Sign-in link expired');
    expect(replay.location).toBeUndefined();
    // The session from the first use is untouched.
    expect(browser.cookie(rig.app, 'twostep')).toBe(cookieAfterFirst);
    expect(view(await browser.navigate(`${rig.app}/schedule`)).sub).toBe(rig.idp.staff.relaxed.id);
  });

  it('a replay with the cookie from before the callback finds its state but the code is spent (400)', async () => {
    const browser = new NavBrowser();
    const url = await callbackUrl(browser);
    const pendingCookie = browser.cookie(rig.app, 'twostep')!;
    expect((await browser.get(url)).status).toBe(303);

    const attacker = new NavBrowser();
    attacker.setCookie(rig.app, 'twostep', pendingCookie);
    const replay = await attacker.get(url);
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('could not be verified');
    expect(await signedOut(attacker, rig.app)).toBe(true);
  });

  it('a callback for another browser (state not in this session) is refused', async () => {
    const url = await callbackUrl(new NavBrowser());
    const other = new NavBrowser();
    const page = await other.get(url);
    expect(page.status).toBe(400);
    expect(await signedOut(other, rig.app)).toBe(true);
  });

  it('a different person at the IdP during a step-up is refused, and the first session is kept', async () => {
    const browser = new NavBrowser();
    const a = view(await signInRelaxed(rig, browser));
    expect(a).toMatchObject({ sub: rig.idp.staff.relaxed.id, acr: ACR_1FA });
    const sessionA = browser.cookie(rig.app, 'twostep');

    // Someone clears the IdP's cookies, and the step-up is completed as the owner.
    browser.clearCookies(rig.idp.issuer);
    const passwordPage = await browser.navigate(`${rig.app}/patients/1/chart`);
    const codePage = await enterPassword(browser, passwordPage, rig.idp.staff.owner);
    const page = await enterTotp(rig, browser, codePage);
    expect(page.url.startsWith(`${rig.app}/auth/callback?code=`)).toBe(true);
    expect(page.status).toBe(403);
    expect(page.body).toContain('Different account');
    expect(page.location).toBeUndefined();

    expect(browser.cookie(rig.app, 'twostep')).not.toBe(sessionA); // pending login consumed
    const schedule = view(await browser.navigate(`${rig.app}/schedule`));
    expect(schedule).toMatchObject({ sub: rig.idp.staff.relaxed.id, acr: ACR_1FA, amr: ['pwd'] });
  });
});

describe('open redirects', () => {
  const attempts = [
    '//evil.example',
    '//evil.example/schedule',
    'https://evil.example',
    'https://evil.example/schedule',
    '/\\evil.example',
    '/\\/evil.example',
    '\\\\evil.example',
    'http:evil.example',
    '/\t/evil.example', // browsers drop tabs and newlines from URLs: `//evil.example`
    '/\n/evil.example',
    ' //evil.example',
    'javascript:alert(1)',
  ];

  it('returnTo values that would leave the app end at "/" after sign-in', async () => {
    const browser = new NavBrowser();
    view(await signInOwner(rig, browser)); // an IdP session, so each login below completes without pages
    for (const returnTo of attempts) {
      const page = await browser.navigate(`${rig.app}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
      expect(page.url, returnTo).toBe(`${rig.app}/`);
      for (const url of browser.trail) {
        expect([rig.app, rig.idp.issuer], `${returnTo}: ${url}`).toContain(new URL(url).origin);
      }
      const callback = browser.hits.findLast((h) => h.url.startsWith(`${rig.app}/auth/callback`));
      expect(callback?.status).toBe(303);
    }
  });

  it('unencoded in the request line too (`?returnTo=/\\evil`, `?returnTo=//evil`)', async () => {
    const browser = new NavBrowser();
    view(await signInOwner(rig, browser));
    for (const raw of ['/\\evil.example', '//evil.example', '/\\\\evil.example']) {
      const start = await browser.get(`${rig.app}/auth/login?returnTo=${raw}`);
      expect(start.status).toBe(303);
      const page = await browser.follow(start);
      expect(page.url, raw).toBe(`${rig.app}/`);
    }
  });

  it('a safe returnTo is kept, query included', async () => {
    const browser = new NavBrowser();
    view(await signInOwner(rig, browser));
    const returnTo = encodeURIComponent('/patients/9/chart?tab=notes');
    const kept = await browser.navigate(`${rig.app}/auth/login?returnTo=${returnTo}`);
    expect(kept.url).toBe(`${rig.app}/patients/9/chart?tab=notes`);
  });
});

describe('IdP still asks for what it must', () => {
  it('a fresh browser at the chart gets the password page, then the code, then the chart', async () => {
    const browser = new NavBrowser();
    const passwordPage = await browser.navigate(`${rig.app}/patients/3/chart`);
    expect(asksPassword(passwordPage)).toBe(true);
    const codePage = await enterPassword(browser, passwordPage, rig.idp.staff.owner);
    const chart = view(await enterTotp(rig, browser, codePage));
    expect(chart).toMatchObject({ page: 'chart', id: '3', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] });
  });
});
