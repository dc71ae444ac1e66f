import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBearer } from '../src/index.ts';
import { ACR_1FA, ACR_2FA, API_AUDIENCE } from './fixtures/idp.ts';
import { accessToken, Browser, parseWwwAuthenticate, type Rig, send, startRig } from './helpers.ts';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig.close();
});

const seconds = () => Math.floor(Date.now() / 1000);

async function call(path: string, token?: string) {
  const res = await send('GET', `${rig.rp}${path}`, {
    accept: 'application/json',
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  });
  const header = res.headers.get('www-authenticate');
  return { ...res, challenge: header === null ? undefined : parseWwwAuthenticate(header)[0] };
}

/** A token signed like the IdP's, with claims of our choosing. */
function idpToken(claims: Record<string, unknown>, key = rig.idp.signingKey) {
  const now = seconds();
  return new SignJWT({
    iss: rig.idp.issuer,
    aud: API_AUDIENCE,
    sub: 'alice',
    iat: now,
    exp: now + 300,
    client_id: 'api-client',
    scope: 'patients:read',
    acr: ACR_2FA,
    auth_time: now,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: rig.idp.kid })
    .sign(key);
}

describe('requireBearer', () => {
  it('accepts a 2fa access token issued by the IdP', async () => {
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] };
    const token = await accessToken(rig.idp);
    const res = await call('/api/chart', token);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ sub: 'alice', acr: ACR_2FA });
  });

  it('answers a 1fa token with 401 insufficient_user_authentication (RFC 9470)', async () => {
    rig.idp.nextLogin = { sub: 'bob', acr: ACR_1FA, amr: ['pwd'] };
    const token = await accessToken(rig.idp);
    const res = await call('/api/chart', token);
    expect(res.status).toBe(401);
    expect(res.challenge).toEqual({
      scheme: 'Bearer',
      params: {
        error: 'insufficient_user_authentication',
        error_description: 'A different authentication level is required',
        acr_values: ACR_2FA,
        max_age: '600',
      },
    });
  });

  it('answers a token from an old verification with "More recent authentication is required"', async () => {
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'], authTime: seconds() - 700 };
    const token = await accessToken(rig.idp, new Browser());
    const res = await call('/api/chart', token);
    expect(res.status).toBe(401);
    expect(res.challenge?.params).toMatchObject({
      error: 'insufficient_user_authentication',
      error_description: 'More recent authentication is required',
      max_age: '600',
    });
  });

  it('answers a missing token with a bare challenge (RFC 6750 §3.1)', async () => {
    const res = await call('/api/chart');
    expect(res.status).toBe(401);
    expect(res.challenge).toEqual({ scheme: 'Bearer', params: { realm: 'twostep' } });
  });

  it('answers a malformed Authorization header with 400 invalid_request', async () => {
    const res = await send('GET', `${rig.rp}/api/chart`, { authorization: 'Bearer a b' });
    expect(res.status).toBe(400);
    expect(parseWwwAuthenticate(res.headers.get('www-authenticate')!)[0]?.params.error).toBe(
      'invalid_request',
    );
  });

  it('refuses a bad signature, an expired token, a wrong audience and an ID Token as invalid_token', async () => {
    const { privateKey: otherKey } = await generateKeyPair('RS256');
    const cases = [
      await idpToken({}, otherKey),
      await idpToken({ exp: seconds() - 120, iat: seconds() - 600 }),
      await idpToken({ aud: 'https://other-api.test' }),
      await new SignJWT({ acr: ACR_2FA, auth_time: seconds() })
        .setProtectedHeader({ alg: 'RS256', kid: rig.idp.kid }) // no typ at+jwt: e.g. an ID Token
        .setIssuer(rig.idp.issuer)
        .setAudience(API_AUDIENCE)
        .setSubject('alice')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(rig.idp.signingKey),
      'not.a.jwt',
    ];
    for (const token of cases) {
      const res = await call('/api/chart', token);
      expect(res.status).toBe(401);
      expect(res.challenge?.params).toMatchObject({ realm: 'twostep', error: 'invalid_token' });
    }
    const expired = await call('/api/chart', cases[1]);
    expect(expired.challenge?.params.error_description).toBe('The access token expired');
  });

  it('answers a token without the needed scope with 403 insufficient_scope', async () => {
    const res = await call('/api/notes', await idpToken({}));
    expect(res.status).toBe(403);
    expect(res.challenge?.params).toMatchObject({ error: 'insufficient_scope', scope: 'patients:write' });
  });

  it('works standalone, given only the issuer', async () => {
    const app = express();
    app.get(
      '/x',
      requireBearer({ issuer: rig.idp.issuer, audience: API_AUDIENCE, acr: ACR_2FA }),
      (req, res) => {
        res.json({ sub: req.twostepBearer?.claims.sub });
      },
    );
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
      const ok = await send('GET', url, { authorization: `Bearer ${await idpToken({})}` });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toEqual({ sub: 'alice' });
      const weak = await send('GET', url, { authorization: `Bearer ${await idpToken({ acr: ACR_1FA })}` });
      expect(weak.status).toBe(401);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
