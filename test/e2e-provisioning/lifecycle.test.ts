import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAesGcmSecretBox, createMemoryStores, outboxNotifier, outboxSmsSender } from '@twostep/core';
import { ADMIN_SCOPE, adminAudience, createIdp, IdpConfigError, parseIdpOptions } from '@twostep/oidc-server';
import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertText, Browser } from '../helpers/browser.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { signInWithTotp, submitPassword } from '../helpers/sign-in.ts';
import { adminToken, api, type ProvisioningIdp, startProvisioningIdp, tokenRequest } from './support.ts';

let idp: ProvisioningIdp;
let rp: Rp;
let token: string;

beforeEach(async () => {
  idp = await startProvisioningIdp();
  rp = await relyingParty(idp);
  token = await adminToken(idp, idp.maple);
});
afterEach(() => idp.close());

async function signInOwner(browser: Browser) {
  const { request, page } = await begin(browser, rp);
  const done = await signInWithTotp(browser, page, idp, idp.staff.owner);
  return redeem(rp, request, done);
}

describe('deactivation', () => {
  it('stops sign-in, refresh, userinfo and introspection, and revokes trusted devices', async () => {
    // Another Full Access User first: the last one cannot be deactivated.
    const other = await api(idp, token, 'POST', '/staff', {
      body: { name: 'Second Admin', email: 'second@maple.test', role: 'full_access' },
    });
    expect(other.status).toBe(201);
    const tokens = await signInOwner(new Browser());
    expect(tokens.refresh_token).toBeDefined();
    expect((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(true);
    const owner = (await idp.stores.staff.get(idp.staff.owner.id))!;
    await idp.idp.twostep.devices.trust({ actorId: owner.id }, owner, 'Safari');

    const res = await api(idp, token, 'POST', '/staff/{id}/deactivate', { params: { id: owner.id } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: owner.id, active: false });
    const again = await api(idp, token, 'POST', '/staff/{id}/deactivate', { params: { id: owner.id } });
    expect(again.body.active).toBe(false); // idempotent

    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await oidc.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(false);
    await expect(oidc.fetchUserInfo(rp.config, tokens.access_token, owner.id)).rejects.toBeDefined();
    expect(await idp.stores.trustedDevices.list(owner.id, idp.clock.now())).toEqual([]);

    // A new sign-in is refused at the password step, with the same message as a wrong password.
    const browser = new Browser();
    const { page } = await begin(browser, rp);
    const refused = await submitPassword(browser, page, idp.staff.owner);
    expect(alertText(refused)).toBeDefined();
    expect(refused.leftTo).toBeUndefined();

    const events = (await idp.stores.audit.list(idp.clinic.id)).map((e) => [e.type, e.details]);
    expect(events).toContainEqual(['staff.deactivated', { client: idp.maple.clientId }]);
    expect(events).toContainEqual(['device.revoked', { count: 1, cause: 'deactivated' }]);
    expect(events).toContainEqual(['sign_in.failed', { reason: 'inactive' }]);
  });
});

describe('a provisioning client from createIdp({ clients })', () => {
  it('is validated: clinic_id needs the client_credentials grant only, and no firstParty', () => {
    const base = {
      issuer: 'http://127.0.0.1:1',
      stores: createMemoryStores(),
      secretBox: createAesGcmSecretBox([{ id: 'k', key: new Uint8Array(32) }]),
      hashKey: new Uint8Array(32),
      smsSender: outboxSmsSender(),
    };
    const client = {
      client_id: 'hr',
      client_secret: 'x'.repeat(32),
      grant_types: ['client_credentials'],
      clinic_id: 'c1',
      firstParty: false,
    };
    expect(() => parseIdpOptions({ ...base, clients: [client] })).not.toThrow();
    expect(() =>
      parseIdpOptions({ ...base, clients: [{ ...client, grant_types: ['authorization_code'] }] }),
    ).toThrow(IdpConfigError);
    expect(() => parseIdpOptions({ ...base, clients: [{ ...client, firstParty: true }] })).toThrow(
      /clients\[0\]\.firstParty/,
    );
    expect(() => parseIdpOptions({ ...base, clients: [{ ...client, clinic_id: '' }] })).toThrow(
      /clients\[0\]\.clinic_id/,
    );
  });

  it('gets a token and reads its clinic', async () => {
    const stores = createMemoryStores();
    await stores.clinics.create({
      id: 'c1',
      name: 'Cedar Clinic',
      enforceTwoStep: true,
      allowTrustedDevices: true,
      createdAt: new Date(),
    });
    let handler: ((req: never, res: never) => void) | null = null;
    const server = createServer((req, res) => handler?.(req as never, res as never));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const idp2 = createIdp({
      issuer,
      stores,
      secretBox: createAesGcmSecretBox([{ id: 'k', key: new Uint8Array(32) }]),
      hashKey: new Uint8Array(32),
      smsSender: outboxSmsSender(),
      notifier: outboxNotifier(),
      logger: { warn() {}, error() {} },
      clients: [
        {
          client_id: 'cedar-hr',
          client_secret: 'cedar-secret-cedar-secret-cedar-secret',
          grant_types: ['client_credentials'],
          clinic_id: 'c1',
          firstParty: false,
        },
      ],
    });
    handler = idp2.app as never;
    try {
      const client = { clientId: 'cedar-hr', clientSecret: 'cedar-secret-cedar-secret-cedar-secret' };
      const { body } = await tokenRequest(issuer, client, { scope: ADMIN_SCOPE });
      expect(body.scope).toBe(ADMIN_SCOPE);
      const res = await api({ audience: adminAudience(issuer) }, String(body.access_token), 'GET', '/clinic');
      expect(res.body).toMatchObject({ id: 'c1', name: 'Cedar Clinic' });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
