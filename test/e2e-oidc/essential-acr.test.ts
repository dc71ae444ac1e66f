/**
 * Essential `acr` through the `claims` parameter (OIDC Core §5.5.1.1): the ID token's acr is one of
 * the requested values — the highest the sign-in meets — and the request fails with
 * `unmet_authentication_requirements` only when none is met. openid-client is the app, over real HTTP.
 */
import { ACR } from '@twostep/core';
import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { signInWithTotp, submitPassword } from '../helpers/sign-in.ts';

let idp: TestIdp;
let rp: Rp;
beforeEach(async () => {
  idp = await startTestIdp();
  rp = await relyingParty(idp);
});
afterEach(() => idp.close());

const essential = (acr: { value?: string; values?: string[] }) =>
  JSON.stringify({ id_token: { acr: { essential: true, ...acr } } });

/** A browser whose IdP session is a 2-Step sign-in of the owner. */
async function twoStepSession(): Promise<Browser> {
  const browser = new Browser();
  const { request, page } = await begin(browser, rp);
  const done = await signInWithTotp(browser, page, idp, idp.staff.owner);
  expect((await redeem(rp, request, done)).claims()!.acr).toBe(ACR.twoFactor);
  return browser;
}

describe('essential acr', () => {
  it('values [1fa] on a 2-Step sign-in: the ID token (and the refreshed one) says 1fa', async () => {
    const browser = new Browser();
    const { request, page } = await begin(browser, rp, { claims: essential({ values: [ACR.oneFactor] }) });
    const done = await signInWithTotp(browser, page, idp, idp.staff.owner);
    const tokens = await redeem(rp, request, done);
    expect(tokens.claims()!.acr).toBe(ACR.oneFactor);
    expect(tokens.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
    expect(refreshed.claims()!.acr).toBe(ACR.oneFactor);
  });

  it('values [1fa] on an existing 2-Step session (single sign-on, no page): 1fa', async () => {
    const browser = await twoStepSession();
    const { request, page } = await begin(browser, rp, { claims: essential({ values: [ACR.oneFactor] }) });
    expect(page.leftTo).toBeDefined();
    expect((await redeem(rp, request, page)).claims()!.acr).toBe(ACR.oneFactor);
  });

  it('values [1fa, 2fa] on a 2-Step session: the highest met, 2fa', async () => {
    const browser = await twoStepSession();
    const { request, page } = await begin(browser, rp, {
      claims: essential({ values: [ACR.oneFactor, ACR.twoFactor] }),
    });
    expect((await redeem(rp, request, page)).claims()!.acr).toBe(ACR.twoFactor);
  });

  it('value 2fa on a 2-Step session: 2fa', async () => {
    const browser = await twoStepSession();
    const { request, page } = await begin(browser, rp, { claims: essential({ value: ACR.twoFactor }) });
    expect((await redeem(rp, request, page)).claims()!.acr).toBe(ACR.twoFactor);
  });

  it('values [2fa, 1fa] for a password-only sign-in (clinic without 2-Step): 1fa, not a demand for 2-Step', async () => {
    const browser = new Browser();
    const { request, page } = await begin(browser, rp, {
      claims: essential({ values: [ACR.twoFactor, ACR.oneFactor] }),
    });
    const done = await submitPassword(browser, page, idp.staff.relaxed);
    expect((await redeem(rp, request, done)).claims()!.acr).toBe(ACR.oneFactor);
  });

  it('only values we do not offer: unmet_authentication_requirements at the redirect_uri, no code', async () => {
    for (const fresh of [true, false]) {
      const browser = fresh ? new Browser() : await twoStepSession();
      const { request, page } = await begin(browser, rp, {
        claims: essential({ values: ['urn:example:gold'] }),
      });
      const back = fresh
        ? await signInWithTotp(browser, page, idp, idp.staff.owner)
        : await reauth(browser, page);
      const url = back.leftTo!;
      expect(url.origin + url.pathname).toBe(idp.redirectUri);
      expect(url.searchParams.get('error')).toBe('unmet_authentication_requirements');
      expect(url.searchParams.get('state')).toBe(request.state);
      expect(url.searchParams.get('code')).toBeNull();
    }
  });

  it('acr_values stays a wish list: unknown values are ignored and the sign-in says what it was', async () => {
    const browser = await twoStepSession();
    const { request, page } = await begin(browser, rp, { acr_values: `urn:example:gold ${ACR.oneFactor}` });
    expect((await redeem(rp, request, page)).claims()!.acr).toBe(ACR.twoFactor);
  });
});

/** On an existing session the IdP asks again (code only, or password then code); answers what it asks. */
async function reauth(browser: Browser, page: Awaited<ReturnType<typeof begin>>['page']) {
  if (page.leftTo) return page;
  if (page.body.includes('name="password"')) return signInWithTotp(browser, page, idp, idp.staff.owner);
  return browser.submit(page, '/verify', {
    method: 'totp',
    code: idp.nextTotpCode(idp.staff.owner.totpSecret!),
  });
}
