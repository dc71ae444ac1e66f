/**
 * The OIDC end-to-end flows (as in test/e2e-oidc) with the IdP on MongoDB: the
 * core stores from `createMongooseStores` and oidc-provider's models through
 * `createOidcAdapter`, one fresh database per test. One flow per row of the
 * claims table, then refresh, step-up, enrollment and replay.
 */
import { ACR } from '@twostep/core';
import { createMongooseStores, createOidcAdapter, oidcCollectionName } from '@twostep/store-mongoose';
import type { Connection } from 'mongoose';
import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertText, Browser, shownRefusal, testId } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { dropTestDatabase, getMongoUri, mongoAvailable, testDatabaseName } from '../helpers/mongo.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { acknowledgeRecoveryCode, submitPassword, submitTotp } from '../helpers/sign-in.ts';
import { connectMongo, syncIndexes } from '@twostep/store-mongoose';

describe.skipIf(!mongoAvailable())('OIDC flows with the IdP on MongoDB', () => {
  let connection: Connection;
  let idp: TestIdp;
  let rp: Rp;

  beforeEach(async () => {
    connection = await connectMongo(getMongoUri(), { dbName: testDatabaseName('oidc_on_mongo') });
    await syncIndexes(connection);
    idp = await startTestIdp({
      stores: createMongooseStores(connection),
      adapter: createOidcAdapter(connection),
    });
    rp = await relyingParty(idp);
  });
  afterEach(async () => {
    await idp?.close();
    await dropTestDatabase(connection);
  });

  const now = () => Math.floor(Date.now() / 1000);
  /** Documents in an oidc-provider model's collection. */
  const oidcCount = (model: string) => connection.collection(oidcCollectionName(model)).countDocuments({});

  async function passwordStep(
    browser: Browser,
    who: keyof TestIdp['staff'],
    params: Record<string, string> = {},
  ) {
    const { request, page } = await begin(browser, rp, params);
    const next = await submitPassword(browser, page, idp.staff[who]);
    return { request, first: page, page: next };
  }

  async function signInWithTotp(browser: Browser, params: Record<string, string> = {}, remember = false) {
    const { request, page } = await passwordStep(browser, 'owner', params);
    const done = await submitTotp(
      browser,
      page,
      idp.nextTotpCode(idp.staff.owner.totpSecret!),
      remember ? { remember: 'yes' } : {},
    );
    return redeem(rp, request, done);
  }

  describe('one flow per row of the claims table', () => {
    it('password only (clinic not enforcing): loa:1fa, ["pwd"]', async () => {
      const browser = new Browser();
      const before = now();
      const { request, page } = await passwordStep(browser, 'relaxed');
      const claims = (await redeem(rp, request, page)).claims()!;
      expect(claims).toMatchObject({ sub: idp.staff.relaxed.id, acr: ACR.oneFactor, amr: ['pwd'] });
      expect(claims.auth_time).toBeGreaterThanOrEqual(before);
    });

    it('password + authenticator code (code + PKCE): loa:2fa, ["pwd","otp","mfa"], state in MongoDB', async () => {
      const before = now();
      const tokens = await signInWithTotp(new Browser());
      const claims = tokens.claims()!;
      expect(claims).toMatchObject({
        sub: idp.staff.owner.id,
        acr: ACR.twoFactor,
        amr: ['pwd', 'otp', 'mfa'],
      });
      expect(claims.auth_time).toBeGreaterThanOrEqual(before);
      expect(claims.auth_time).toBeLessThanOrEqual(now());
      // oidc-provider's state went through the adapter, not memory (the finished interaction is destroyed).
      for (const model of ['Session', 'Grant', 'AuthorizationCode', 'AccessToken'])
        expect(await oidcCount(model), model).toBeGreaterThan(0);
      expect(await oidcCount('Interaction')).toBe(0);
      const events = await idp.stores.audit.list(idp.clinic.id, { types: ['sign_in.succeeded'] });
      expect(events.map((e) => e.targetId)).toEqual([idp.staff.owner.id]);
    });

    it('password + SMS code: loa:2fa, ["pwd","sms","mfa"]', async () => {
      const browser = new Browser();
      const { request, page } = await passwordStep(browser, 'frontDesk');
      const sent = await browser.submit(page, '/sms');
      expect(sent.body).toContain('We sent a code to');
      const done = await browser.submit(sent, '/verify', {
        method: 'sms',
        code: idp.lastSmsCode(idp.staff.frontDesk.phone!)!,
      });
      expect((await redeem(rp, request, done)).claims()).toMatchObject({
        acr: ACR.twoFactor,
        amr: ['pwd', 'sms', 'mfa'],
      });
    });

    it('password + recovery code: loa:2fa, ["pwd","recovery","mfa"]; the old code is then refused', async () => {
      const browser = new Browser();
      const { request, first } = await passwordStep(browser, 'owner');
      const recoveryPage = await browser.get(`${first.url}/verify?method=recovery`);
      const shown = await browser.submit(recoveryPage, '/verify', {
        method: 'recovery',
        code: idp.staff.owner.recoveryCode!,
      });
      const newCode = testId(shown, 'recovery-code');
      expect(newCode).toBeTruthy();
      expect(newCode).not.toBe(idp.staff.owner.recoveryCode);
      const done = await acknowledgeRecoveryCode(browser, shown);
      expect((await redeem(rp, request, done)).claims()).toMatchObject({
        acr: ACR.twoFactor,
        amr: ['pwd', 'recovery', 'mfa'],
      });

      const other = new Browser();
      const again = await passwordStep(other, 'owner');
      const reused = await other.submit(again.page, '/verify', {
        method: 'recovery',
        code: idp.staff.owner.recoveryCode!,
      });
      expect(reused.leftTo).toBeUndefined();
      expect(shownRefusal(reused)).toContain('not right');
    });

    it('password on a remembered device: loa:2fa, ["pwd","trusted_device","mfa"]', async () => {
      const browser = new Browser();
      await signInWithTotp(browser, {}, true);
      const device = browser.cookie('twostep_device')!;
      expect(device.httpOnly).toBe(true);
      expect(await idp.stores.trustedDevices.list(idp.staff.owner.id, idp.clock.now())).toHaveLength(1);

      const later = new Browser();
      later.setCookie('twostep_device', device.value, '/interaction');
      const { request, page } = await passwordStep(later, 'owner');
      expect((await redeem(rp, request, page)).claims()).toMatchObject({
        acr: ACR.twoFactor,
        amr: ['pwd', 'trusted_device', 'mfa'],
      });
    });
  });

  it('refresh token grant: keeps acr/amr/auth_time, rotates; a reused token revokes the grant', async () => {
    const tokens = await signInWithTotp(new Browser(), { scope: 'openid offline_access' });
    const original = tokens.claims()!;
    expect(await oidcCount('RefreshToken')).toBe(1);
    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({
      acr: ACR.twoFactor,
      amr: ['pwd', 'otp', 'mfa'],
      auth_time: original.auth_time,
    });
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    const info = await oidc.tokenIntrospection(rp.config, refreshed.access_token);
    expect(info).toMatchObject({ active: true, acr: ACR.twoFactor, auth_time: original.auth_time });
    // Reusing the rotated-out token fails, and oidc-provider revokes the whole grant
    // (the adapter's consume + revokeByGrantId): the new tokens die with it.
    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await oidc.tokenIntrospection(rp.config, refreshed.access_token)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(rp.config, refreshed.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('step-up: a 1fa session (paused) asked for loa:2fa asks only for the second factor', async () => {
    const browser = new Browser();
    const pausedAt = idp.clock.now();
    await idp.stores.pauses.set({
      staffId: idp.staff.owner.id,
      clinicId: idp.clinic.id,
      until: new Date(pausedAt.getTime() + 3_600_000),
      reason: 'lost phone',
      pausedBy: idp.staff.owner.id,
      createdAt: pausedAt,
    });
    const x = await passwordStep(browser, 'owner');
    expect(x.page.body).toContain('2-Step Verification is paused for your account until');
    const one = (await redeem(rp, x.request, await browser.submit(x.page, '/continue'))).claims()!;
    expect(one).toMatchObject({ acr: ACR.oneFactor, amr: ['pwd'] });
    await idp.stores.pauses.clear(idp.staff.owner.id);

    const second = await begin(browser, rp, { acr_values: ACR.twoFactor });
    expect(second.page.body).not.toContain('name="password"');
    const done = await submitTotp(browser, second.page, idp.nextTotpCode(idp.staff.owner.totpSecret!));
    const two = (await redeem(rp, second.request, done)).claims()!;
    expect(two).toMatchObject({ sub: one.sub, acr: ACR.twoFactor, amr: ['pwd', 'otp', 'mfa'] });
    expect(two.auth_time).toBeGreaterThanOrEqual(one.auth_time!);
  });

  it('forced enrollment with an authenticator app, then loa:2fa', async () => {
    const browser = new Browser();
    const { request, page } = await passwordStep(browser, 'practitioner');
    expect(page.body).toContain('Maple Street Physio requires 2-Step Verification');
    const setup = await browser.submit(page, '/enroll/totp');
    const secret = testId(setup, 'totp-secret')!.replace(/\s/g, '');
    const shown = await browser.submit(setup, '/enroll/totp/confirm', { code: idp.totpCode(secret) });
    expect(testId(shown, 'recovery-code')).toMatch(/\w{4}-/);
    const done = await browser.submit(shown, '/acknowledge', { ack: 'yes' });
    expect((await redeem(rp, request, done)).claims()).toMatchObject({
      acr: ACR.twoFactor,
      amr: ['pwd', 'otp', 'mfa'],
    });
    const factors = await idp.stores.factors.list(idp.staff.practitioner.id);
    expect(factors.map((f) => [f.kind, f.status])).toEqual([['totp', 'active']]);
  });

  it('a replayed authenticator code is refused', async () => {
    const code = idp.nextTotpCode(idp.staff.owner.totpSecret!);
    const first = new Browser();
    const a = await passwordStep(first, 'owner');
    await redeem(rp, a.request, await submitTotp(first, a.page, code));
    const second = new Browser();
    const b = await passwordStep(second, 'owner');
    const replay = await submitTotp(second, b.page, code);
    expect(replay.leftTo).toBeUndefined();
    expect(alertText(replay)).toContain('already used');
  });
});
