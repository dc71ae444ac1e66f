import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testId } from '../helpers/browser.ts';
import { NavBrowser } from '../helpers/nav-browser.ts';
import { ACR_1FA, ACR_2FA, type ClinicRig, startClinicRig } from './clinic-app.ts';
import {
  asksCode,
  asksPassword,
  enterPassword,
  enterTotp,
  signInOwner,
  signInRelaxed,
  view,
} from './flows.ts';

let rig: ClinicRig;
beforeEach(async () => {
  rig = await startClinicRig();
});
afterEach(() => rig.close());

/** The IdP authorization request the app redirected to, from the browser's trail. */
function authorizationRequests(browser: NavBrowser): URL[] {
  return browser.hits.filter((h) => h.url.startsWith(`${rig.idp.issuer}/auth?`)).map((h) => new URL(h.url));
}

describe('step-up to a fresh second factor', () => {
  it('1fa session → chart: redirect with acr_values + max_age; a user without a factor enrolls, then sees the chart', async () => {
    const browser = new NavBrowser();
    expect(view(await signInRelaxed(rig, browser)).acr).toBe(ACR_1FA);

    const redirect = await browser.get(`${rig.app}/patients/1/chart`);
    expect(redirect.status).toBe(303);
    const auth = new URL(redirect.location!);
    expect(`${auth.origin}${auth.pathname}`).toBe(`${rig.idp.issuer}/auth`);
    expect(auth.searchParams.get('acr_values')).toBe(ACR_2FA);
    expect(auth.searchParams.get('max_age')).toBe('600');

    // The IdP's SSO session vouches for the password: enrollment is offered right away.
    const choice = await browser.follow(redirect);
    expect(asksPassword(choice)).toBe(false);
    expect(choice.body).toContain('2-Step Verification');
    const setup = await browser.submit(choice, '/enroll/totp');
    const secret = testId(setup, 'totp-secret')!.replace(/\s/g, '');
    const shown = await browser.submit(setup, '/enroll/totp/confirm', { code: rig.idp.totpCode(secret) });
    expect(testId(shown, 'recovery-code')).toBeTruthy();
    const chart = await browser.submit(shown, '/acknowledge', { ack: 'yes' });
    expect(chart.url).toBe(`${rig.app}/patients/1/chart`);
    expect(view(chart)).toMatchObject({
      page: 'chart',
      id: '1',
      sub: rig.idp.staff.relaxed.id,
      acr: ACR_2FA,
      amr: ['pwd', 'otp', 'mfa'],
    });
    // The stepped-up session serves the schedule too, and billing (also 2fa within 600 s) asks nothing.
    const idpHits = browser.hitsTo(rig.idp.issuer).length;
    expect(view(await browser.navigate(`${rig.app}/billing`)).acr).toBe(ACR_2FA);
    expect(view(await browser.navigate(`${rig.app}/schedule`)).sub).toBe(rig.idp.staff.relaxed.id);
    expect(browser.hitsTo(rig.idp.issuer)).toHaveLength(idpHits);
  });

  it('owner on a remembered device (2fa by device) → chart asks for the code only, not the password', async () => {
    // Once, with "Remember this device".
    const browser = new NavBrowser();
    view(await signInOwner(rig, browser, '/schedule', { remember: true }));
    const device = browser.cookie(rig.idp.issuer, 'twostep_device');
    expect(device).toBeDefined();

    // Later, a new browser session on that device: the password is enough at the IdP.
    browser.clearCookies(rig.app);
    browser.clearCookies(rig.idp.issuer, (name) => name === 'twostep_device');
    const skipped = await enterPassword(
      browser,
      await browser.navigate(`${rig.app}/schedule`),
      rig.idp.staff.owner,
    );
    const schedule = view(skipped);
    expect(schedule).toMatchObject({ acr: ACR_2FA, amr: ['pwd', 'trusted_device', 'mfa'] });

    // The chart wants a *fresh* second factor: a remembered device is not one.
    const redirect = await browser.get(`${rig.app}/patients/1/chart`);
    expect(redirect.status).toBe(303);
    const auth = new URL(redirect.location!);
    expect(auth.searchParams.get('acr_values')).toBe(ACR_2FA);
    expect(auth.searchParams.get('max_age')).toBe('600');
    const codePage = await browser.follow(redirect);
    expect(asksCode(codePage)).toBe(true);
    const chart = view(await enterTotp(rig, browser, codePage));
    expect(chart).toMatchObject({
      page: 'chart',
      sub: rig.idp.staff.owner.id,
      acr: ACR_2FA,
      amr: ['pwd', 'otp', 'mfa'],
    });
    expect(chart.authTime).toBeGreaterThanOrEqual(schedule.authTime!);
  });

  it('maxAge: 600 s later (app, IdP core and oidc-provider clocks) the chart asks for the code again', async () => {
    const browser = new NavBrowser();
    const first = view(await signInOwner(rig, browser, '/patients/1/chart'));
    expect(first).toMatchObject({ page: 'chart', acr: ACR_2FA });

    rig.advanceAll(599_000);
    const idpHits = browser.hitsTo(rig.idp.issuer).length;
    expect(view(await browser.navigate(`${rig.app}/patients/1/chart`)).authTime).toBe(first.authTime);
    expect(browser.hitsTo(rig.idp.issuer)).toHaveLength(idpHits);

    rig.advanceAll(60_000); // 659 s: past max_age + the 30 s clock tolerance
    const redirect = await browser.get(`${rig.app}/patients/1/chart`);
    expect(redirect.status).toBe(303);
    expect(new URL(redirect.location!).searchParams.get('max_age')).toBe('600');
    const codePage = await browser.follow(redirect);
    expect(asksCode(codePage)).toBe(true); // the IdP session still vouches for the password
    const again = view(await enterTotp(rig, browser, codePage));
    expect(again.page).toBe('chart');
    expect(again.authTime).toBeGreaterThanOrEqual(first.authTime! + 659);
    // The schedule (no max_age) never asked.
    expect(view(await browser.navigate(`${rig.app}/schedule`)).authTime).toBe(again.authTime);
  });

  it('maxAge with only the app clock moved: the IdP answers with the old auth_time → 403, no loop', async () => {
    const browser = new NavBrowser();
    view(await signInOwner(rig, browser, '/schedule'));
    rig.clock.offsetMs += 700_000; // the app is 700 s ahead of the IdP

    const page = await browser.navigate(`${rig.app}/patients/1/chart`);
    expect(page.status).toBe(403);
    expect(page.body).toContain('Please verify again');
    expect(page.body).toContain('needed within 600 s');
    expect(authorizationRequests(browser).filter((u) => u.searchParams.has('max_age'))).toHaveLength(1);
    // Still signed in for pages that need no fresh verification.
    expect(view(await browser.navigate(`${rig.app}/schedule`)).sub).toBe(rig.idp.staff.owner.id);
  });
});

describe('a 1fa answer to a 2fa route: 403 saying why, never a loop', () => {
  async function pauseFrontDesk() {
    const { idp } = rig;
    const paused = await idp.idp.twostep.admin.pause(
      { actorId: idp.staff.owner.id },
      idp.staff.frontDesk.id,
      {
        reason: 'lost phone',
        hours: 4,
      },
    );
    expect(paused.ok).toBe(true);
  }

  it('paused staff member opens the chart directly: unmet_authentication_requirements → 403', async () => {
    await pauseFrontDesk();
    const browser = new NavBrowser();
    const passwordPage = await browser.navigate(`${rig.app}/patients/1/chart`);
    const page = await enterPassword(browser, passwordPage, rig.idp.staff.frontDesk);
    expect(page.url.startsWith(`${rig.app}/auth/callback?`)).toBe(true);
    expect(new URL(page.url).searchParams.get('error')).toBe('unmet_authentication_requirements');
    expect(page.status).toBe(403);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).toContain('2-Step Verification required');
    expect(page.body).toContain('paused');
    expect(page.headers.get('location')).toBeNull();
    // One authorization request, one password post, one callback: nothing more.
    expect(authorizationRequests(browser)).toHaveLength(1);
    expect(browser.hitsTo(`${rig.app}/auth/callback`)).toHaveLength(1);
    expect(browser.cookie(rig.app, 'twostep')).toBeDefined();
    const api = await browser.request('GET', `${rig.app}/schedule`, {
      headers: { accept: 'application/json' },
    });
    expect(api.status).toBe(401); // not signed in by a refused answer
  });

  it('paused staff member signed in with the password (1fa) → chart → told at once, no password, audited', async () => {
    // The pause ends her sessions, at the core's time (the test IdP's core clock starts 60 s ahead
    // of oidc-provider's): in step here, and she signs in a little after it, as she would.
    rig.idp.clock.set(new Date(Date.now()));
    await pauseFrontDesk();
    rig.advanceAll(2_000);
    const browser = new NavBrowser();
    const notice = await enterPassword(
      browser,
      await browser.navigate(`${rig.app}/schedule`),
      rig.idp.staff.frontDesk,
    );
    expect(notice.body).toContain('2-Step Verification is paused for your account until');
    const schedule = view(await browser.submit(notice, '/continue'));
    expect(schedule).toMatchObject({ sub: rig.idp.staff.frontDesk.id, acr: ACR_1FA, amr: ['pwd'] });

    const before = browser.hits.length;
    const refused = await browser.navigate(`${rig.app}/patients/1/chart`);
    // The IdP's page, at once: why (until when, in the clinic's time), who can help, the way back.
    expect(refused.url.startsWith(`${rig.idp.issuer}/interaction/`)).toBe(true);
    expect(refused.status).toBe(403);
    expect(asksPassword(refused)).toBe(false);
    expect(asksCode(refused)).toBe(false);
    expect(testId(refused, 'paused-step-up')).toMatch(
      /^2-Step Verification is paused for your account until .+, and this page needs it/,
    );
    expect(refused.body).toContain('Ask a Full Access User of your clinic to resume');
    expect(refused.body).not.toContain('<form');
    const back = /<a class="button" href="([^"]+)">Back to ([^<]+)<\/a>/.exec(refused.body);
    expect(back?.[1]).toBe(`${rig.app}/`);
    const during = browser.hits.slice(before);
    expect(during.filter((h) => h.url.startsWith(`${rig.idp.issuer}/auth?`))).toHaveLength(1);
    expect(during.filter((h) => h.url.startsWith(`${rig.app}/auth/callback`))).toHaveLength(0);
    const denied = await rig.idp.stores.audit.list(rig.idp.clinic.id, { types: ['access.denied'] });
    expect(denied.map((e) => [e.actorId, e.targetId, e.details.reason, e.details.need])).toEqual([
      [rig.idp.staff.frontDesk.id, rig.idp.staff.frontDesk.id, 'paused', 'second_factor'],
    ]);

    // The way back: the 1fa session is kept for what it is good for.
    expect(view(await browser.navigate(back![1]!.replace(/\/$/, '/schedule'))).acr).toBe(ACR_1FA);
  });
});
