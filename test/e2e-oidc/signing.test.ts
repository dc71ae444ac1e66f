/**
 * Signing algorithms per client: a client registered with `id_token_signed_response_alg: 'ES256'`
 * (or EdDSA) gets ID tokens signed with the IdP's P-256 (Ed25519) key, at sign-in and at every
 * refresh, while other clients keep RS256. An API can take ES256 access tokens.
 */
import { generateSigningKey } from '@twostep/oidc-server';
import * as oidc from 'openid-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { API_AUDIENCE, startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { submitPassword } from '../helpers/sign-in.ts';

let idp: TestIdp;
afterEach(() => idp?.close());

const keys = [
  generateSigningKey('rsa-1'),
  generateSigningKey('ec-1', 'ES256'),
  generateSigningKey('ed-1', 'EdDSA'),
];

/** openid-client for `clinic-app`, expecting ID tokens signed with `alg` (it verifies them). */
async function rpExpecting(alg: string): Promise<Rp> {
  const config = await oidc.discovery(
    new URL(idp.issuer),
    idp.clientId,
    { client_secret: idp.clientSecret, id_token_signed_response_alg: alg },
    undefined,
    { execute: [oidc.allowInsecureRequests] },
  );
  return { config, redirectUri: idp.redirectUri };
}

async function signIn(rp: Rp, params: Record<string, string> = {}) {
  const browser = new Browser();
  const { request, page } = await begin(browser, rp, params);
  return redeem(rp, request, await submitPassword(browser, page, idp.staff.relaxed));
}

const header = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8')) as { alg: string; kid: string };

describe('signing algorithm per client', () => {
  it.each([['ES256', 'ec-1'] as const, ['EdDSA', 'ed-1'] as const])(
    'a client registered for %s gets %s ID tokens at sign-in and at each refresh',
    async (alg, kid) => {
      idp = await startTestIdp({ jwks: { keys }, clientMetadata: { id_token_signed_response_alg: alg } });
      const rp = await rpExpecting(alg);
      const tokens = await signIn(rp);
      expect(header(tokens.id_token!)).toMatchObject({ alg, kid });
      const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
      expect(header(refreshed.id_token!)).toMatchObject({ alg, kid });
      expect(refreshed.claims()?.sub).toBe(tokens.claims()?.sub);

      // The public client, registered without an algorithm, still gets RS256.
      const spa = await relyingParty(idp, 'public');
      expect(header((await signIn(spa)).id_token!)).toMatchObject({ alg: 'RS256', kid: 'rsa-1' });
      // Discovery offers all three; jwks_uri publishes the public halves only.
      expect(spa.config.serverMetadata().id_token_signing_alg_values_supported).toEqual(
        expect.arrayContaining(['RS256', 'ES256', 'EdDSA']),
      );
      const published = (await (await fetch(`${idp.issuer}/jwks`)).json()) as {
        keys: Record<string, unknown>[];
      };
      expect(published.keys.map((k) => k.kid)).toEqual(['rsa-1', 'ec-1', 'ed-1']);
      for (const key of published.keys) expect(key).not.toHaveProperty('d');
    },
  );

  it('an API can take ES256 access tokens (signingAlg)', async () => {
    idp = await startTestIdp({ jwks: { keys }, resourceServerSigningAlg: 'ES256' });
    const tokens = await signIn(await relyingParty(idp), {
      resource: API_AUDIENCE,
      scope: 'openid charts:read',
    });
    expect(header(tokens.access_token)).toMatchObject({ alg: 'ES256', kid: 'ec-1' });
  });

  it('refuses a client or an API asking for an algorithm no key signs with', async () => {
    await expect(
      startTestIdp({ jwks: { keys: [keys[0]!] }, clientMetadata: { id_token_signed_response_alg: 'ES256' } }),
    ).rejects.toThrow('clients[0].id_token_signed_response_alg: no key in jwks signs with this algorithm');
    await expect(
      startTestIdp({ jwks: { keys: [keys[0]!] }, resourceServerSigningAlg: 'EdDSA' }),
    ).rejects.toThrow(`resourceServers["${API_AUDIENCE}"].signingAlg`);
  });
});
