/**
 * Two IdP processes (real child processes) on one MongoDB database, behind one
 * issuer (a round-robin proxy, no sticky sessions). Whatever one process
 * accepts or changes, the other sees: one-time codes, pauses, and
 * oidc-provider's own state (interactions, sessions, codes, refresh tokens).
 */
import { ACR, verifyAuditChain } from '@twostep/core';
import * as oidc from 'openid-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alertText, Browser, type Page, shownRefusal, testId } from '../helpers/browser.ts';
import type { TestIdp } from '../helpers/idp.ts';
import { mongoAvailable } from '../helpers/mongo.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { acknowledgeRecoveryCode, submitPassword, submitTotp } from '../helpers/sign-in.ts';
import {
  type Balancer,
  type IdpProcess,
  killAllIdpProcesses,
  type SharedDatabase,
  seedSharedDatabase,
  startBalancer,
  startIdpProcess,
  TotpSteps,
} from './support.ts';

describe.skipIf(!mongoAvailable())('two IdP processes on one database', () => {
  let db: SharedDatabase;
  let balancer: Balancer;
  let a: IdpProcess;
  let b: IdpProcess;
  let idp: TestIdp; // the seed data, with the balancer as issuer
  let rp: Rp;
  const steps = new TotpSteps();
  let practitionerSecret: string;

  beforeAll(async () => {
    db = await seedSharedDatabase('two_processes');
    balancer = await startBalancer();
    [a, b] = await Promise.all([
      startIdpProcess(db.processConfig(balancer.url, 'A'), db.dir),
      startIdpProcess(db.processConfig(balancer.url, 'B'), db.dir),
    ]);
    balancer.targets.push(a.url, b.url);
    idp = { ...db.seed, issuer: balancer.url, url: balancer.url };
    rp = await relyingParty(idp);
    const owner = idp.staff.owner;
    const totp = (await db.seed.stores.factors.list(owner.id)).find((f) => f.kind === 'totp');
    steps.used(owner.totpSecret!, totp?.lastStep ?? null);
    // A second authenticator user, so that no test waits for the next 30-s step.
    practitionerSecret = await steps.enroll(db.core, db.seed.stores, idp.staff.practitioner.id);
  });
  afterAll(async () => {
    await killAllIdpProcesses();
    await balancer?.close();
    await db?.drop();
  });
  afterEach((context) => {
    if (context.task.result?.state === 'fail') {
      for (const p of [a, b]) if (p) console.error(`--- ${p.label}\n${p.output.slice(-30).join('\n')}`);
    }
  });

  beforeEach(() => {
    balancer.served.length = 0;
  });

  const on = (which: 0 | 1) => {
    balancer.mode = which;
  };
  const served = () => new Set(balancer.served.splice(0));

  async function passwordStep(
    browser: Browser,
    who: 'owner' | 'frontDesk' | 'practitioner',
    params: Record<string, string> = {},
  ) {
    const { request, page } = await begin(browser, rp, params);
    const next = await submitPassword(browser, page, idp.staff[who]);
    return { request, page: next };
  }

  /** Refused: still at the IdP, back on the code page saying why (Post/Redirect/Get). */
  const refused = (page: Page) => {
    expect(page.leftTo).toBeUndefined();
    expect(shownRefusal(page)).toBeDefined();
  };

  it('a TOTP code accepted by one process is refused by the other (replay)', async () => {
    const owner = idp.staff.owner;
    const code = await steps.next(owner.totpSecret!);

    on(0);
    const first = new Browser();
    const x = await passwordStep(first, 'owner');
    const done = await submitTotp(first, x.page, code);
    const claims = (await redeem(rp, x.request, done)).claims()!;
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);

    on(1);
    const second = new Browser();
    const y = await passwordStep(second, 'owner');
    const replay = await submitTotp(second, y.page, code);
    refused(replay);
    expect(alertText(replay)).toContain('already used');
    expect(served()).toEqual(new Set([0, 1]));
  });

  it('a recovery code consumed on one process is gone on the other; the new one works there', async () => {
    const owner = idp.staff.owner;
    on(0);
    const first = new Browser();
    const x = await passwordStep(first, 'owner');
    const shown = await first.submit(x.page, '/verify', { method: 'recovery', code: owner.recoveryCode! });
    const newCode = testId(shown, 'recovery-code')!;
    expect(newCode).toBeTruthy();
    const done = await acknowledgeRecoveryCode(first, shown);
    expect((await redeem(rp, x.request, done)).claims()!.amr).toEqual(['pwd', 'recovery', 'mfa']);

    on(1);
    const second = new Browser();
    const y = await passwordStep(second, 'owner');
    refused(await second.submit(y.page, '/verify', { method: 'recovery', code: owner.recoveryCode! }));
    const again = await second.submit(y.page, '/verify', { method: 'recovery', code: newCode });
    expect(testId(again, 'recovery-code')).toBeTruthy();
    const ok = await acknowledgeRecoveryCode(second, again);
    expect((await redeem(rp, y.request, ok)).claims()!.amr).toEqual(['pwd', 'recovery', 'mfa']);
    expect(served()).toEqual(new Set([0, 1]));
  });

  it('a pause set by a Full Access User applies on both processes: password only, loa:1fa', async () => {
    // The admin action runs through core on the shared database (as process A's admin page would).
    const admin = db.core;
    const desk = idp.staff.frontDesk;
    const paused = await admin.admin.pause({ actorId: idp.staff.owner.id }, desk.id, {
      reason: 'Lost phone',
      hours: 2,
    });
    expect(paused.ok).toBe(true);

    for (const which of [0, 1] as const) {
      on(which);
      const browser = new Browser();
      const x = await passwordStep(browser, 'frontDesk');
      expect(x.page.body).toContain('2-Step Verification is paused for your account until');
      const claims = (await redeem(rp, x.request, await browser.submit(x.page, '/continue'))).claims()!;
      expect(claims.acr).toBe(ACR.oneFactor);
      expect(claims.amr).toEqual(['pwd']);
    }
    expect(served()).toEqual(new Set([0, 1]));

    // Resumed (through core again): the code is asked on both; an SMS sent by B is accepted by A.
    expect((await admin.admin.resume({ actorId: idp.staff.owner.id }, desk.id)).ok).toBe(true);
    on(1);
    const browser = new Browser();
    const x = await passwordStep(browser, 'frontDesk');
    expect(x.page.body).not.toContain('paused');
    const sent = await browser.submit(x.page, '/sms');
    expect(sent.body).toContain('We sent a code to');
    const code = b.sms.find((m) => m.to === desk.phone)!.body.slice(0, 6);
    on(0);
    const done = await browser.submit(sent, '/verify', { method: 'sms', code });
    expect((await redeem(rp, x.request, done)).claims()!.amr).toEqual(['pwd', 'sms', 'mfa']);
  });

  it('a sign-in started on A is finished on B (state in MongoDB); tokens, refresh and introspection across both', async () => {
    const owner = idp.staff.practitioner;
    const browser = new Browser();
    on(0);
    const { request, page } = await begin(browser, rp, { scope: 'openid offline_access' });
    expect(served()).toEqual(new Set([0]));
    on(1);
    const codePage = await submitPassword(browser, page, owner);
    expect(codePage.body).toContain('Verification code');
    const before = Math.floor(Date.now() / 1000);
    on(0);
    const done = await submitTotp(browser, codePage, await steps.next(practitionerSecret));
    on(1);
    const tokens = await redeem(rp, request, done);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ sub: owner.id, acr: ACR.twoFactor, amr: ['pwd', 'otp', 'mfa'] });
    expect(claims.auth_time).toBeGreaterThanOrEqual(before - 1);
    expect(tokens.refresh_token).toBeDefined();

    on(0);
    const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ acr: ACR.twoFactor, auth_time: claims.auth_time });
    on(1);
    const info = await oidc.tokenIntrospection(rp.config, refreshed.access_token);
    expect(info).toMatchObject({ active: true, sub: owner.id, acr: ACR.twoFactor });
    // The rotated-out refresh token is dead on both.
    await expect(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    // The SSO session made on B is known to A: loa:2fa is met without any page.
    on(0);
    const sso = await begin(browser, rp, { acr_values: ACR.twoFactor });
    expect(sso.page.leftTo).toBeDefined();
    expect((await redeem(rp, sso.request, sso.page)).claims()!.auth_time).toBe(claims.auth_time);
    expect(served()).toEqual(new Set([0, 1]));
  });

  it('round-robin on every request: a whole sign-in alternates between the processes', async () => {
    balancer.mode = 'round-robin';
    const browser = new Browser();
    const x = await passwordStep(browser, 'practitioner');
    const done = await submitTotp(browser, x.page, await steps.next(practitionerSecret));
    expect((await redeem(rp, x.request, done)).claims()!.acr).toBe(ACR.twoFactor);
    expect(served()).toEqual(new Set([0, 1]));
    // Both processes appended to one audit chain.
    const events = await db.seed.stores.audit.list(idp.clinic.id, { order: 'asc' });
    expect(verifyAuditChain(events)).toMatchObject({ ok: true });
    expect(events.filter((e) => e.type === 'sign_in.succeeded').length).toBeGreaterThanOrEqual(6);
  });
});
