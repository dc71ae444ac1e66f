import { ACR } from '@twostep/core';
import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { API_AUDIENCE, startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { authorizationRequest, begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { signInWithTotp, submitPassword } from '../helpers/sign-in.ts';

let idp: TestIdp;
let rp: Rp;

beforeEach(async () => {
  idp = await startTestIdp();
  rp = await relyingParty(idp);
});
afterEach(() => idp.close());

async function signInOwner(
  browser: Browser,
  client: Rp,
  params: Record<string, string> = {},
  tokenParams = {},
) {
  const { request, page } = await begin(browser, client, params);
  const done = await signInWithTotp(browser, page, idp, idp.staff.owner);
  return redeem(client, request, done, tokenParams);
}

/** The relaxed clinic's user: the password is the whole sign-in. */
async function signInRelaxedUser(client: Rp, params: Record<string, string> = {}) {
  const browser = new Browser();
  const { request, page } = await begin(browser, client, params);
  return redeem(client, request, await submitPassword(browser, page, idp.staff.relaxed));
}

function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

describe('tokens', () => {
  it('discovery advertises the acr values and the claims', async () => {
    const metadata = rp.config.serverMetadata();
    expect(metadata.acr_values_supported).toEqual([ACR.oneFactor, ACR.twoFactor, ACR.phishingResistant]);
    expect(metadata.claims_supported).toEqual(
      expect.arrayContaining([
        ...['sub', 'acr', 'amr', 'auth_time'],
        ...['name', 'given_name', 'family_name', 'locale', 'email', 'email_verified'],
      ]),
    );
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.introspection_endpoint).toBeDefined();
    expect(metadata.revocation_endpoint).toBeDefined();
    expect(metadata.end_session_endpoint).toBeDefined();
  });

  it('a refresh keeps acr, amr and auth_time, and rotates the refresh token', async () => {
    const tokens = await signInOwner(new Browser(), rp);
    const original = tokens.claims()!;
    expect(tokens.refresh_token).toBeDefined();
    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
    const claims = refreshed.claims()!;
    expect(claims.acr).toBe(ACR.twoFactor);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.auth_time).toBe(original.auth_time);
    expect(refreshed.refresh_token).toBeDefined();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    const introspected = await oidc.tokenIntrospection(rp.config, refreshed.access_token);
    expect(introspected).toMatchObject({ active: true, acr: ACR.twoFactor, amr: ['pwd', 'otp', 'mfa'] });
    expect(introspected.auth_time).toBe(original.auth_time);
  });

  it('introspection shows acr/amr/auth_time; revocation ends the refresh token', async () => {
    const tokens = await signInOwner(new Browser(), rp);
    const auth_time = tokens.claims()!.auth_time;
    const info = await oidc.tokenIntrospection(rp.config, tokens.access_token);
    expect(info).toMatchObject({ active: true, sub: idp.staff.owner.id, acr: ACR.twoFactor, auth_time });
    expect(info.amr).toEqual(['pwd', 'otp', 'mfa']);

    await oidc.tokenRevocation(rp.config, tokens.refresh_token!);
    expect((await oidc.tokenIntrospection(rp.config, tokens.refresh_token!)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('userinfo answers with the profile and email claims (scope openid profile email)', async () => {
    const tokens = await signInOwner(new Browser(), rp, { scope: 'openid profile email' });
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, idp.staff.owner.id);
    expect(info).toMatchObject({
      sub: idp.staff.owner.id,
      name: 'Olivia Owner',
      given_name: 'Olivia',
      family_name: 'Owner',
      locale: 'en-CA',
      email: idp.staff.owner.email,
      email_verified: false,
    });
    // The code flow's ID Token keeps to sub, acr, amr, auth_time (OIDC Core §5.4: scope claims in userinfo).
    expect(tokens.claims()).not.toHaveProperty('name');
  });

  it('userinfo leaves out what is not known, and what the scopes do not ask for', async () => {
    const relaxed = await signInRelaxedUser(rp, { scope: 'openid profile' });
    const info = await oidc.fetchUserInfo(rp.config, relaxed.access_token, idp.staff.relaxed.id);
    expect(info).toMatchObject({ sub: idp.staff.relaxed.id, name: 'Rob Relaxed' });
    for (const claim of ['given_name', 'family_name', 'locale', 'email', 'email_verified'])
      expect(info).not.toHaveProperty(claim);
  });

  it('JWT access tokens for the API carry acr, amr and auth_time (RFC 9470)', async () => {
    const tokens = await signInOwner(
      new Browser(),
      rp,
      { resource: API_AUDIENCE, scope: 'openid charts:read' },
      { resource: API_AUDIENCE },
    );
    const payload = jwtPayload(tokens.access_token);
    expect(payload.aud).toBe(API_AUDIENCE);
    expect(payload.iss).toBe(idp.issuer);
    expect(payload.scope).toBe('charts:read');
    expect(payload).toMatchObject({ acr: ACR.twoFactor, amr: ['pwd', 'otp', 'mfa'] });
    expect(payload.auth_time).toBe(tokens.claims()!.auth_time);
    const header = JSON.parse(Buffer.from(tokens.access_token.split('.')[0]!, 'base64url').toString()) as {
      kid: string;
      typ: string;
    };
    expect(header).toMatchObject({ kid: 'test-key-1', typ: 'at+jwt' });
  });

  it('the public client signs in with PKCE and no secret; without PKCE it is refused', async () => {
    const spa = await relyingParty(idp, 'public');
    const tokens = await signInOwner(new Browser(), spa);
    expect(tokens.claims()!.acr).toBe(ACR.twoFactor);

    const request = await authorizationRequest(spa);
    request.url.searchParams.delete('code_challenge');
    request.url.searchParams.delete('code_challenge_method');
    const page = await new Browser().get(request.url);
    expect(page.leftTo?.searchParams.get('error')).toBe('invalid_request');
  });

  it('an unknown resource is refused', async () => {
    const request = await authorizationRequest(rp, { resource: 'https://evil.test' });
    const page = await new Browser().get(request.url);
    expect(page.leftTo?.searchParams.get('error')).toBe('invalid_target');
  });

  it('RP-initiated logout ends the session: the next sign-in asks for the password', async () => {
    const browser = new Browser();
    const tokens = await signInOwner(browser, rp);
    const endSession = oidc.buildEndSessionUrl(rp.config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: idp.redirectUri,
      state: 'bye',
    });
    const confirm = await browser.get(endSession);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('Do you want to sign out?');
    expect(confirm.body).not.toContain('<script');
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(confirm.body)!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(form[2]!)![1]!;
    const done = await browser.post(new URL(form[1]!, confirm.url), { xsrf, logout: 'yes' });
    expect(done.leftTo?.origin + done.leftTo!.pathname).toBe(idp.redirectUri);
    expect(done.leftTo?.searchParams.get('state')).toBe('bye');

    const { page } = await begin(browser, rp);
    expect(page.body).toContain('name="password"');
  });

  it('a third-party client gets the consent page; first-party ones never do', async () => {
    const partner = await relyingParty(idp, 'third-party');
    const browser = new Browser();
    const { request, page } = await begin(browser, partner);
    const consent = await signInWithTotp(browser, page, idp, idp.staff.owner);
    expect(consent.status).toBe(200);
    expect(consent.body).toContain('Partner Billing wants to access your account');
    const done = await browser.submit(consent, '/consent');
    const claims = (await redeem(partner, request, done)).claims()!;
    expect(claims.acr).toBe(ACR.twoFactor);
  });

  it('cancelling the sign-in sends access_denied to the app', async () => {
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    const back = await browser.submit(page, '/abort');
    expect(back.leftTo?.searchParams.get('error')).toBe('access_denied');
    expect(back.leftTo?.searchParams.get('state')).toBe(request.state);
  });
});
