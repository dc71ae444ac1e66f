/** openid-client v6 as the relying party of the test IdP. */
import * as oidc from 'openid-client';
import type { Browser, Page } from './browser.ts';
import type { TestIdp } from './idp.ts';

export interface Rp {
  config: oidc.Configuration;
  redirectUri: string;
}

export async function relyingParty(
  idp: TestIdp,
  kind: 'confidential' | 'public' | 'third-party' = 'confidential',
): Promise<Rp> {
  const options = { execute: [oidc.allowInsecureRequests] };
  const issuer = new URL(idp.issuer);
  const config =
    kind === 'public'
      ? await oidc.discovery(issuer, idp.publicClientId, undefined, oidc.None(), options)
      : await oidc.discovery(
          issuer,
          kind === 'confidential' ? idp.clientId : idp.thirdPartyClientId,
          idp.clientSecret,
          undefined,
          options,
        );
  return { config, redirectUri: idp.redirectUri };
}

export interface AuthRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
  maxAge?: number;
}

export async function authorizationRequest(
  rp: Rp,
  params: Record<string, string> = {},
): Promise<AuthRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce, ...(params.max_age ? { maxAge: Number(params.max_age) } : {}) };
}

/** Exchanges the code the browser brought back. */
export async function redeem(
  rp: Rp,
  request: AuthRequest,
  page: Page,
  tokenParams: Record<string, string> = {},
) {
  if (!page.leftTo)
    throw new Error(`no redirect to the app (status ${page.status}):\n${page.body.slice(0, 1500)}`);
  return oidc.authorizationCodeGrant(
    rp.config,
    page.leftTo,
    {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
      ...(request.maxAge !== undefined ? { maxAge: request.maxAge } : {}),
    },
    tokenParams,
  );
}

/** Starts an authorization request in `browser`; returns the first IdP page. */
export async function begin(browser: Browser, rp: Rp, params: Record<string, string> = {}) {
  const request = await authorizationRequest(rp, params);
  const page = await browser.get(request.url);
  return { request, page };
}
