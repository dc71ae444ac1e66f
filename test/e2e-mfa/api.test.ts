import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseWwwAuthenticate } from '../../packages/express-mfa/test/helpers.ts';
import { API_AUDIENCE } from '../helpers/idp.ts';
import { NavBrowser, type NavPage } from '../helpers/nav-browser.ts';
import { ACR_1FA, ACR_2FA, type ClinicRig, startClinicRig } from './clinic-app.ts';
import { apiAccessToken, apiTokens, jwtPayload, signInRelaxed, view } from './flows.ts';

let rig: ClinicRig;
beforeEach(async () => {
  rig = await startClinicRig();
});
afterEach(() => rig.close());

const api = (browser: NavBrowser, path: string, headers: Record<string, string> = {}) =>
  browser.request('GET', `${rig.app}${path}`, { headers: { accept: 'application/json', ...headers } });

/** The single Bearer challenge of a 401, parsed strictly (RFC 9110 §11.6.1 grammar, RFC 6750 / 9470 params). */
function bearerChallenge(page: NavPage): Record<string, string> {
  expect(page.status).toBe(401);
  const header = page.headers.get('www-authenticate');
  expect(header).not.toBeNull();
  const challenges = parseWwwAuthenticate(header!);
  expect(challenges).toHaveLength(1);
  expect(challenges[0]!.scheme).toBe('Bearer');
  return challenges[0]!.params;
}

describe('requireBearer with JWT access tokens from the IdP', () => {
  it('a token from a loa:2fa sign-in → 200', async () => {
    const token = await apiAccessToken(rig, 'owner');
    const claims = jwtPayload(token);
    expect(claims).toMatchObject({ aud: API_AUDIENCE, acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] });
    const page = await api(new NavBrowser(), '/api/chart', { authorization: `Bearer ${token}` });
    expect(page.status).toBe(200);
    expect(JSON.parse(page.body)).toEqual({
      sub: rig.idp.staff.owner.id,
      acr: ACR_2FA,
      amr: ['pwd', 'otp', 'mfa'],
    });
  });

  it('a token from a 1fa sign-in → 401 insufficient_user_authentication with acr_values and max_age', async () => {
    const token = await apiAccessToken(rig, 'relaxed');
    expect(jwtPayload(token).acr).toBe(ACR_1FA);
    const page = await api(new NavBrowser(), '/api/chart', { authorization: `Bearer ${token}` });
    const header = page.headers.get('www-authenticate')!;
    expect(header).toMatch(/^Bearer error="insufficient_user_authentication", /);
    const params = bearerChallenge(page);
    expect(params).toMatchObject({
      error: 'insufficient_user_authentication',
      acr_values: ACR_2FA,
      max_age: '600',
    });
    expect(params.error_description).toBeTruthy();
    expect(JSON.parse(page.body)).toMatchObject({ error: 'insufficient_user_authentication' });
  });

  it('an expired token (app clock 700 s ahead, access tokens live 600 s) → invalid_token', async () => {
    const token = await apiAccessToken(rig, 'owner');
    rig.clock.offsetMs += 700_000;
    const page = await api(new NavBrowser(), '/api/chart', { authorization: `Bearer ${token}` });
    expect(bearerChallenge(page).error).toBe('invalid_token');
  });

  it('a refreshed token keeps the old auth_time: a fresh token for a stale sign-in → max_age challenge', async () => {
    const { rp, tokens } = await apiTokens(rig, 'owner');
    const authTime = jwtPayload(tokens.access_token).auth_time as number;
    rig.advanceAll(700_000);
    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!, {
      resource: API_AUDIENCE,
    });
    const claims = jwtPayload(refreshed.access_token);
    expect(claims).toMatchObject({ acr: ACR_2FA, auth_time: authTime });
    const page = await api(new NavBrowser(), '/api/chart', {
      authorization: `Bearer ${refreshed.access_token}`,
    });
    expect(bearerChallenge(page)).toMatchObject({
      error: 'insufficient_user_authentication',
      acr_values: ACR_2FA,
      max_age: '600',
    });
  });

  it('tampered tokens, an ID token as bearer, or no token → invalid_token / a bare challenge', async () => {
    const { tokens } = await apiTokens(rig, 'owner');
    const token = tokens.access_token;
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forgedPayload = Buffer.from(JSON.stringify({ ...payload, sub: 'staff-someone-else' })).toString(
      'base64url',
    );
    const browser = new NavBrowser();
    const idToken = tokens.id_token!; // signed by the IdP, but typ JWT and aud = the client
    for (const bad of [
      `${h}.${forgedPayload}.${s}`,
      `${h}.${p}.${s.slice(0, -4)}AAAA`,
      idToken,
      'not-a-jwt',
    ]) {
      expect(
        bearerChallenge(await api(browser, '/api/chart', { authorization: `Bearer ${bad}` })).error,
      ).toBe('invalid_token');
    }
    const none = bearerChallenge(await api(browser, '/api/chart'));
    expect(none.error).toBeUndefined();
    expect(none.realm).toBe('twostep');
  });
});

describe('a session-guarded route called as an API', () => {
  it('non-navigation request to the chart with a 1fa session → the RFC 9470 challenge, not a redirect', async () => {
    const browser = new NavBrowser();
    expect(view(await signInRelaxed(rig, browser)).acr).toBe(ACR_1FA);
    const idpHits = browser.hitsTo(rig.idp.issuer).length;
    const variants: Record<string, string>[] = [
      { 'sec-fetch-mode': 'cors' },
      { 'sec-fetch-mode': 'same-origin', accept: 'text/html' },
      { accept: 'text/html', 'x-requested-with': 'XMLHttpRequest' },
      {},
    ];
    for (const headers of variants) {
      const page = await api(browser, '/patients/1/chart', headers);
      expect(page.location, JSON.stringify(headers)).toBeUndefined();
      expect(bearerChallenge(page)).toMatchObject({
        error: 'insufficient_user_authentication',
        acr_values: ACR_2FA,
        max_age: '600',
      });
    }
    // POST is never a navigation that can be redirected.
    const post = await browser.request('POST', `${rig.app}/patients/1/chart`, {
      headers: { 'sec-fetch-mode': 'navigate', accept: 'text/html' },
    });
    expect(post.status).not.toBe(303);
    expect(browser.hitsTo(rig.idp.issuer)).toHaveLength(idpHits);
  });

  it('not signed in: an API call gets `Bearer realm="twostep"`, a navigation the IdP', async () => {
    const browser = new NavBrowser();
    const page = await api(browser, '/patients/1/chart', { 'sec-fetch-mode': 'cors' });
    expect(bearerChallenge(page)).toEqual({ realm: 'twostep' });
    const nav = await browser.get(`${rig.app}/patients/1/chart`);
    expect(nav.status).toBe(303);
    expect(new URL(nav.location!).searchParams.get('acr_values')).toBe(ACR_2FA);
  });
});
