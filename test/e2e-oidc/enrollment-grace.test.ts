// Enrollment grace period (issue 17): in a clinic that requires 2-Step Verification, new staff get
// the clinic's N days (from their record's creation) before it applies; sign-in says so and offers
// "Later", audited with the deadline; after it, setup is required. Time moves on core's clock.
import { ACR } from '@twostep/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser, findForm, testId } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { submitPassword } from '../helpers/sign-in.ts';

const DAY = 86_400_000;
let idp: TestIdp;
let rp: Rp;

beforeEach(async () => {
  idp = await startTestIdp();
  rp = await relyingParty(idp);
});
afterEach(() => idp.close());

describe('enrollment grace period', () => {
  it('a new staff member may set up later, told how long; after the deadline setup is required', async () => {
    const admin = idp.idp.twostep.admin;
    expect(await admin.setEnrollmentGrace({ actorId: idp.staff.owner.id }, '14')).toEqual({ ok: true });
    const pat = (await idp.stores.staff.get(idp.staff.practitioner.id))!;
    const deadline = new Date(pat.createdAt.getTime() + 14 * DAY);
    expect(deadline.getTime()).toBeGreaterThan(idp.clock.now().getTime());

    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    const choice = await submitPassword(browser, page, idp.staff.practitioner);
    expect(choice.body).toContain('Maple Street Physio requires 2-Step Verification');
    expect(testId(choice, 'enroll-grace')).toMatch(
      /^You are new here: you have 14 days left to set this up \(until .+\)\. After that, you will need it to sign in\.$/,
    );
    expect(choice.body).toContain('Later (14 days left)');
    const later = await browser.submit(choice, '/enroll/later');
    const claims = (await redeem(rp, request, later)).claims()!;
    expect(claims.acr).toBe(ACR.oneFactor);
    expect(claims.amr).toEqual(['pwd']);
    const signIns = await idp.stores.audit.list(idp.clinic.id, { types: ['sign_in.succeeded'] });
    expect(signIns.at(-1)).toMatchObject({
      targetId: pat.id,
      details: { method: 'password', enrollment: 'later', until: deadline.toISOString() },
    });

    // One day before the deadline: "1 day".
    idp.clock.set(new Date(deadline.getTime() - DAY + 1));
    const second = new Browser();
    const soon = await submitPassword(second, (await begin(second, rp)).page, idp.staff.practitioner);
    expect(soon.body).toContain('Later (1 day left)');

    // The deadline passes while the page is open: its "Later" is not taken any more.
    idp.clock.set(deadline);
    const refused = await second.submit(soon, '/enroll/later');
    expect(refused.leftTo).toBeUndefined();
    expect(new URL(refused.url).pathname).toMatch(/\/enroll$/);
    expect(testId(refused, 'enroll-grace')).toBeUndefined();
    expect(() => findForm(refused, '/enroll/later')).toThrow();
    expect(await idp.stores.audit.list(idp.clinic.id, { types: ['sign_in.succeeded'] })).toHaveLength(
      signIns.length,
    );

    // A new sign-in after the deadline: setup, no "Later".
    const third = new Browser();
    const due = await submitPassword(third, (await begin(third, rp)).page, idp.staff.practitioner);
    expect(due.body).toContain('Maple Street Physio requires 2-Step Verification');
    expect(testId(due, 'enroll-grace')).toBeUndefined();
  });

  it('not offered when the app requires 2-Step Verification, nor when the clinic gives no grace', async () => {
    await idp.idp.twostep.admin.setEnrollmentGrace({ actorId: idp.staff.owner.id }, 14);
    const browser = new Browser();
    const { page } = await begin(browser, rp, { acr_values: ACR.twoFactor });
    const choice = await submitPassword(browser, page, idp.staff.practitioner);
    expect(choice.body).toContain('requires 2-Step Verification');
    expect(testId(choice, 'enroll-grace')).toBeUndefined();

    await idp.idp.twostep.admin.setEnrollmentGrace({ actorId: idp.staff.owner.id }, 0);
    const other = new Browser();
    const none = await submitPassword(other, (await begin(other, rp)).page, idp.staff.practitioner);
    expect(none.body).toContain('requires 2-Step Verification');
    expect(testId(none, 'enroll-grace')).toBeUndefined();
  });
});
