/**
 * Data survives an IdP restart: the process is killed (SIGKILL, a crash) and
 * a new one started on the same database, behind the same issuer. Enrolled
 * factors, recovery codes, audit events, SSO sessions and even a sign-in in
 * progress are in MongoDB, not in the process.
 */
import { ACR, type AuditEvent, verifyAuditChain } from '@twostep/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Browser, testId } from '../helpers/browser.ts';
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

describe.skipIf(!mongoAvailable())('an IdP restart loses nothing', () => {
  let db: SharedDatabase;
  let balancer: Balancer;
  let current: IdpProcess | undefined;
  let idp: TestIdp;
  let rp: Rp;
  let generation = 0;
  const steps = new TotpSteps();
  /** Carried from the first test to the second. */
  const practitioner = { secret: '', recoveryCode: '' };

  /** Kills the running process (if any) and starts a new one behind the same issuer. */
  async function restart() {
    await current?.kill('SIGKILL');
    generation += 1;
    current = await startIdpProcess(db.processConfig(balancer.url, `P${generation}`), db.dir);
    balancer.targets[0] = current.url;
  }

  const auditEvents = (): Promise<AuditEvent[]> => db.seed.stores.audit.list(idp.clinic.id, { order: 'asc' });

  beforeAll(async () => {
    db = await seedSharedDatabase('restart');
    balancer = await startBalancer();
    balancer.mode = 0;
    await restart();
    idp = { ...db.seed, issuer: balancer.url, url: balancer.url };
    rp = await relyingParty(idp);
    const totp = (await db.seed.stores.factors.list(idp.staff.owner.id)).find((f) => f.kind === 'totp');
    steps.used(idp.staff.owner.totpSecret!, totp?.lastStep ?? null);
  });
  afterAll(async () => {
    await killAllIdpProcesses();
    await balancer?.close();
    await db?.drop();
  });
  afterEach((context) => {
    if (context.task.result?.state === 'fail' && current)
      console.error(`--- ${current.label}\n${current.output.slice(-30).join('\n')}`);
  });

  it('enrollment (forced, TOTP through the pages), the recovery code, the session and the audit log survive', async () => {
    const who = idp.staff.practitioner;
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    const choice = await submitPassword(browser, page, who);
    expect(choice.body).toContain('Maple Street Physio requires 2-Step Verification');
    const setup = await browser.submit(choice, '/enroll/totp');
    practitioner.secret = testId(setup, 'totp-secret')!.replace(/\s/g, '');
    const shown = await browser.submit(setup, '/enroll/totp/confirm', {
      code: await steps.next(practitioner.secret),
    });
    practitioner.recoveryCode = testId(shown, 'recovery-code')!;
    expect(practitioner.recoveryCode).toMatch(/\w{4}-/);
    const enrolled = (
      await redeem(rp, request, await browser.submit(shown, '/acknowledge', { ack: 'yes' }))
    ).claims()!;
    expect(enrolled).toMatchObject({ acr: ACR.twoFactor, amr: ['pwd', 'otp', 'mfa'] });
    const before = await auditEvents();
    expect(before.some((e) => e.type === 'factor.enrolled' && e.targetId === who.id)).toBe(true);

    await restart();

    // The SSO session made by the dead process is still valid.
    const sso = await begin(browser, rp);
    expect(sso.page.leftTo).toBeDefined();
    expect((await redeem(rp, sso.request, sso.page)).claims()!.auth_time).toBe(enrolled.auth_time);

    // The same authenticator, on a new browser.
    const again = new Browser();
    const second = await begin(again, rp);
    const codePage = await submitPassword(again, second.page, who);
    expect(codePage.body).toContain('Verification code');
    const done = await submitTotp(again, codePage, await steps.next(practitioner.secret));
    expect((await redeem(rp, second.request, done)).claims()).toMatchObject({
      sub: who.id,
      acr: ACR.twoFactor,
      amr: ['pwd', 'otp', 'mfa'],
    });

    // Every audit event from before the restart is still there, in one intact chain.
    const after = await auditEvents();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(verifyAuditChain(after)).toMatchObject({ ok: true, count: after.length });
    expect(after.slice(before.length).map((e) => e.type)).toContain('sign_in.succeeded');

    // The recovery code issued before the restart works after it.
    const third = new Browser();
    const r = await begin(third, rp);
    await submitPassword(third, r.page, who);
    const recoveryPage = await third.get(`${r.page.url}/verify?method=recovery`);
    const shownAgain = await third.submit(recoveryPage, '/verify', {
      method: 'recovery',
      code: practitioner.recoveryCode,
    });
    practitioner.recoveryCode = testId(shownAgain, 'recovery-code')!;
    expect(practitioner.recoveryCode).toBeTruthy();
    const ok = await acknowledgeRecoveryCode(third, shownAgain);
    expect((await redeem(rp, r.request, ok)).claims()!.amr).toEqual(['pwd', 'recovery', 'mfa']);
  });

  it('killed mid-sign-in (after the password): the sign-in goes on or restarts cleanly, nothing lost', async () => {
    const owner = idp.staff.owner;
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    const codePage = await submitPassword(browser, page, owner);
    expect(codePage.body).toContain('Verification code');

    const snapshot = async () => ({
      audit: await auditEvents(),
      factors: [
        ...(await db.seed.stores.factors.list(owner.id)),
        ...(await db.seed.stores.factors.list(idp.staff.practitioner.id)),
      ].map((f) => ({ id: f.id, kind: f.kind, status: f.status, staffId: f.staffId })),
      recovery: [
        await db.seed.stores.recoveryCodes.get(owner.id),
        await db.seed.stores.recoveryCodes.get(idp.staff.practitioner.id),
      ],
    });
    const before = await snapshot();
    expect(before.factors.filter((f) => f.status === 'active')).toHaveLength(2);

    await current!.kill('SIGKILL');
    // Down: the balancer has no process to send the code to.
    const code = await steps.next(owner.totpSecret!);
    const down = await submitTotp(browser, codePage, code);
    expect(down.status).toBe(502);
    expect(down.leftTo).toBeUndefined();
    await restart();

    // The interaction is in MongoDB: the same code page goes on with the new process.
    const done = await submitTotp(browser, codePage, code);
    expect((await redeem(rp, request, done)).claims()).toMatchObject({
      sub: owner.id,
      acr: ACR.twoFactor,
      amr: ['pwd', 'otp', 'mfa'],
    });

    // Starting over from the app works too, with the recovery code issued at seeding.
    const fresh = new Browser();
    const f = await begin(fresh, rp);
    await submitPassword(fresh, f.page, owner);
    const recoveryPage = await fresh.get(`${f.page.url}/verify?method=recovery`);
    const shown = await fresh.submit(recoveryPage, '/verify', {
      method: 'recovery',
      code: owner.recoveryCode!,
    });
    const acked = await acknowledgeRecoveryCode(fresh, shown);
    expect((await redeem(rp, f.request, acked)).claims()!.amr).toEqual(['pwd', 'recovery', 'mfa']);

    // The practitioner enrolled in the first test is asked for the code, not sent to enrollment.
    const p = new Browser();
    const pp = await begin(p, rp);
    const pCode = await submitPassword(p, pp.page, idp.staff.practitioner);
    expect(pCode.body).toContain('Verification code');

    const after = await snapshot();
    expect(after.factors).toEqual(before.factors);
    expect(after.audit.slice(0, before.audit.length)).toEqual(before.audit);
    expect(verifyAuditChain(after.audit)).toMatchObject({ ok: true });
    expect(after.recovery[1]).toEqual(before.recovery[1]); // the practitioner's, untouched
    expect(after.recovery[0]?.hash).not.toBe(before.recovery[0]?.hash); // the owner's, used and replaced
  });
});
