/** /account: every action, its audit event and its notification. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertText, Browser, testId } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { submitPassword, submitTotp } from '../helpers/sign-in.ts';
import { csrfOf, expectOnPage, postRaw, signIn } from './helpers.ts';

let idp: TestIdp;
beforeEach(async () => {
  idp = await startTestIdp();
});
afterEach(() => idp.close());

const events = (type: string, clinicId = idp.clinic.id) =>
  idp.stores.audit.list(clinicId, { types: [type as never], order: 'desc' });
const notified = (kind: string, staffId: string) =>
  idp.notifier.sent.filter((n) => n.kind === kind && n.to.staffId === staffId);
const active = async (staffId: string, kind: 'totp' | 'sms') =>
  (await idp.stores.factors.list(staffId)).find((f) => f.kind === kind && f.status === 'active');

describe('account page', () => {
  it('shows status, methods, enforcement, devices and recent events (newest first, at most 20)', async () => {
    const { page } = await signIn(idp, idp.staff.owner);
    expect(page.body).toContain('Authenticator app, Recovery code');
    expect(page.body).toContain('Maple Street Physio requires 2-Step Verification for every staff member.');
    expect(page.body).toMatch(/<span class="badge on">On<\/span>/);
    expect(page.body).toContain('Recent security events');
    const rows = [...page.body.matchAll(/<tr><td[^>]*>([^<]+)<\/td><td[^>]*>([^<]+)<\/td>/g)].map(
      (m) => m[2],
    );
    expect(rows[0]).toBe('Signed in');
    expect(rows.length).toBeLessThanOrEqual(20);
    // Labels are tied to their fields; one h1; the alert region is used for errors only.
    expect(page.body).toContain('<label for="phone">');
    expect(page.body.match(/<h1>/g)).toHaveLength(1);
  });

  it('replaces the authenticator app: QR + key, confirmed with a code; audited and notified', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner);
    const before = notified('factor_replaced', idp.staff.owner.id).length;
    const added = notified('factor_added', idp.staff.owner.id).length;
    const oldFactor = await active(idp.staff.owner.id, 'totp');
    const setup = await browser.post(`${idp.url}/account/totp`, { csrf: csrfOf(page) });
    expectOnPage(setup, '/account/totp');
    expect(setup.body).toContain('<svg');
    const secret = testId(setup, 'totp-secret')!.replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // The old app keeps working until the new one is confirmed.
    expect((await active(idp.staff.owner.id, 'totp'))?.id).toBe(oldFactor?.id);

    const wrong = await browser.post(`${idp.url}/account/totp/confirm`, {
      csrf: csrfOf(setup),
      code: '000000',
    });
    // Post/Redirect/Get: back at the setup page, same key, the refusal shown once.
    expectOnPage(wrong, '/account/totp');
    expect(alertText(wrong)).toContain('not right');
    expect(testId(wrong, 'totp-secret')!.replace(/\s/g, '')).toBe(secret);
    const reloaded = await browser.get(`${idp.url}/account/totp`);
    expect(alertText(reloaded)).toBeUndefined();
    expect(testId(reloaded, 'totp-secret')!.replace(/\s/g, '')).toBe(secret);

    idp.clock.advance(30_000);
    const done = await browser.post(`${idp.url}/account/totp/confirm`, {
      csrf: csrfOf(setup),
      code: idp.totpCode(secret),
    });
    expect(done.status).toBe(200);
    expect(new URL(done.url).searchParams.get('done')).toBe('totp_added');
    expect(done.body).toContain('Your authenticator app is set up.');
    expect((await active(idp.staff.owner.id, 'totp'))?.id).not.toBe(oldFactor?.id);
    expect((await events('factor.enrolled'))[0]).toMatchObject({
      actorId: idp.staff.owner.id,
      targetId: idp.staff.owner.id,
      details: { factor: 'totp', replaced: true },
    });
    // A replacement is told as one ("was replaced"), not as a method added.
    expect(notified('factor_replaced', idp.staff.owner.id)).toHaveLength(before + 1);
    expect(notified('factor_added', idp.staff.owner.id)).toHaveLength(added);
  });

  it('adds a phone: code by SMS, resend with cooldown, confirm; audited and notified', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner);
    const before = notified('factor_added', idp.staff.owner.id).length;
    const bad = await browser.post(`${idp.url}/account/sms`, { csrf: csrfOf(page), phone: '12' });
    expectOnPage(bad, '/account');
    expect(alertText(bad)).toContain('That is not a mobile number we can text');

    // Typed the national way: read with the clinic's country, shown back in full E.164 to check.
    const national = await browser.post(`${idp.url}/account/sms`, {
      csrf: csrfOf(page),
      phone: '613-555-0199',
    });
    expectOnPage(national, '/account');
    expect(alertText(national)).toContain('That is not a mobile number we can text');
    await idp.stores.clinics.update(idp.clinic.id, { country: 'CA' });
    const phone = '+16135550199';
    const sent = await browser.post(`${idp.url}/account/sms`, { csrf: csrfOf(page), phone: '613-555-0199' });
    expectOnPage(sent, '/account');
    expect(alertText(sent)).toBeUndefined();
    expect(sent.body).toContain('We sent a code to');
    expect(sent.body).toContain('Enter the code we sent to +16135550199');
    const firstCode = idp.lastSmsCode(phone)!;

    const tooSoon = await browser.post(`${idp.url}/account/sms/resend`, { csrf: csrfOf(sent) });
    expectOnPage(tooSoon, '/account');
    expect(alertText(tooSoon)).toContain('you can ask for a new code after');
    idp.clock.advance(61_000);
    const resent = await browser.post(`${idp.url}/account/sms/resend`, { csrf: csrfOf(sent) });
    expectOnPage(resent, '/account');
    expect(alertText(resent)).toBeUndefined();
    const code = idp.lastSmsCode(phone)!;
    expect(idp.sms.messages.filter((m) => m.to === phone)).toHaveLength(2);

    if (code !== firstCode) {
      const old = await browser.post(`${idp.url}/account/sms/confirm`, {
        csrf: csrfOf(resent),
        code: firstCode,
      });
      expectOnPage(old, '/account');
      expect(alertText(old)).toContain('not right');
    }
    const done = await browser.post(`${idp.url}/account/sms/confirm`, { csrf: csrfOf(resent), code });
    expect(done.body).toContain('Your mobile number is set up.');
    const factor = await active(idp.staff.owner.id, 'sms');
    expect(factor?.kind === 'sms' && factor.phone).toBe(phone);
    expect((await events('factor.enrolled'))[0]?.details).toEqual({ factor: 'sms' });
    expect(notified('factor_added', idp.staff.owner.id)).toHaveLength(before + 1);
    expect(done.body).toContain('•••• 0199');
  });

  it('removing the last method is refused when the clinic enforces 2-Step; removing another one works', async () => {
    const desk = await signIn(idp, idp.staff.frontDesk);
    const refused = await postRaw(desk.browser, idp, '/account/remove', {
      csrf: csrfOf(desk.page),
      kind: 'sms',
    });
    // Post/Redirect/Get: a 303 back to the account page, which says why once.
    expect(refused.status).toBe(303);
    expect(refused.headers.get('location')).toBe('/account');
    const said = await desk.browser.follow(refused);
    expectOnPage(said, '/account');
    expect(alertText(said)).toContain('you cannot remove your last method');
    expect(alertText(await desk.browser.get(`${idp.url}/account`))).toBeUndefined();
    expect(await active(idp.staff.frontDesk.id, 'sms')).toBeDefined();
    expect(await events('factor.removed')).toHaveLength(0);
    expect(notified('factor_removed', idp.staff.frontDesk.id)).toHaveLength(0);

    // Owner: add SMS, then remove the authenticator app.
    const { browser, page } = await signIn(idp, idp.staff.owner);
    const phone = '+16135550177';
    const sent = await browser.post(`${idp.url}/account/sms`, { csrf: csrfOf(page), phone });
    await browser.post(`${idp.url}/account/sms/confirm`, {
      csrf: csrfOf(sent),
      code: idp.lastSmsCode(phone)!,
    });
    const removed = await browser.post(`${idp.url}/account/remove`, { csrf: csrfOf(page), kind: 'totp' });
    expect(removed.body).toContain('The method was removed.');
    expect(await active(idp.staff.owner.id, 'totp')).toBeUndefined();
    expect((await events('factor.removed'))[0]).toMatchObject({
      actorId: idp.staff.owner.id,
      details: { factor: 'totp' },
    });
    expect(notified('factor_removed', idp.staff.owner.id)).toHaveLength(1);
  });

  it('in a clinic that does not enforce 2-Step, the last method can be removed (confirmed, with a reason)', async () => {
    const birchOwner = await addEnrolledAdmin(idp.relaxedClinic.id, 'birch-admin', 'admin@birch.test');
    const { browser, page } = await signIn(idp, birchOwner);
    const asked = await browser.post(`${idp.url}/account/remove`, { csrf: csrfOf(page), kind: 'totp' });
    expectOnPage(asked, '/account/turn-off');
    expect(asked.body).toContain('Turn off your 2-Step Verification?');
    expect(await active(birchOwner.id, 'totp')).toBeDefined();
    const removed = await browser.post(`${idp.url}/account/remove`, {
      csrf: csrfOf(page),
      kind: 'totp',
      confirm: 'yes',
      reason: 'testing',
    });
    expect(removed.body).toContain('The method was removed.');
    expect(removed.body).toContain('does not require it yet');
    expect(await active(birchOwner.id, 'totp')).toBeUndefined();
    expect(await idp.stores.recoveryCodes.get(birchOwner.id)).toBeNull();
  });

  it('a new recovery code is shown once and the old one stops working', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner);
    const shown = await browser.post(`${idp.url}/account/recovery`, { csrf: csrfOf(page) });
    expectOnPage(shown, '/account/recovery-code');
    const code = testId(shown, 'recovery-code')!;
    expect(code).toBeTruthy();
    expect(code).not.toBe(idp.staff.owner.recoveryCode);
    expect((await events('recovery_code.issued'))[0]?.targetId).toBe(idp.staff.owner.id);
    const again = await browser.get(`${idp.url}/account`);
    expect(again.body).not.toContain(code);
    // Shown once: Back (or a reload) of the code's page goes to the account page, without the code.
    const back = await browser.get(`${idp.url}/account/recovery-code`);
    expectOnPage(back, '/account');
    expect(back.body).not.toContain(code);

    const twostep = idp.idp.twostep;
    const owner = (await idp.stores.staff.get(idp.staff.owner.id))!;
    const old = await twostep.secondFactor.verify(
      { actorId: null },
      owner,
      'recovery',
      idp.staff.owner.recoveryCode,
    );
    expect(old.ok).toBe(false);
    const fresh = await twostep.secondFactor.verify({ actorId: null }, owner, 'recovery', code);
    expect(fresh.ok).toBe(true);
  });

  it('lists remembered devices and forgets one or all; audited', async () => {
    // Two remembered browsers.
    const devices: Browser[] = [];
    for (let i = 0; i < 2; i++) {
      const b = new Browser();
      let p = await b.get(`${idp.url}/account`);
      p = await submitPassword(b, p, idp.staff.owner);
      await submitTotp(b, p, idp.nextTotpCode(idp.staff.owner.totpSecret!), { remember: 'yes' });
      devices.push(b);
    }
    const { browser, page } = await signIn(idp, idp.staff.owner);
    expect(page.body).toContain('Safari on macOS');
    const ids = [...page.body.matchAll(/name="device" value="([^"]+)"/g)].map((m) => m[1]!);
    expect(ids).toHaveLength(2);
    expect(page.body).toMatch(/Expires/);

    const one = await browser.post(`${idp.url}/account/devices/revoke`, {
      csrf: csrfOf(page),
      device: ids[0]!,
    });
    expect(one.body).toContain('The device was forgotten.');
    expect((await events('device.revoked'))[0]?.details).toMatchObject({ deviceId: ids[0], cause: 'user' });
    expect(await idp.stores.trustedDevices.get(ids[0]!)).toBeNull();

    // Another staff member's device id: not found, nothing removed.
    const notMine = await postRaw(browser, idp, '/account/devices/revoke', {
      csrf: csrfOf(page),
      device: 'nope',
    });
    expect(notMine.status).toBe(404);

    const all = await browser.post(`${idp.url}/account/devices/revoke-all`, { csrf: csrfOf(page) });
    expect(all.body).toContain('All remembered devices were forgotten.');
    expect(await idp.idp.twostep.devices.list(idp.staff.owner.id)).toHaveLength(0);
    expect((await events('device.revoked'))[0]?.details).toMatchObject({ count: 1, cause: 'user' });
  });
});

/** A Full Access User with an authenticator app, in `clinicId`. */
export async function addEnrolledAdmin(clinicId: string, id: string, email: string) {
  const { hashPassword } = await import('@twostep/core');
  const password = `pw-${id}-secret`;
  const member = {
    id,
    clinicId,
    email,
    name: `Admin ${id}`,
    role: 'full_access' as const,
    passwordHash: await hashPassword(password, { N: 2 ** 10, r: 8, p: 1 }),
    active: true,
    createdAt: idp.clock.now(),
  };
  await idp.stores.staff.create(member);
  const twostep = idp.idp.twostep;
  const setup = await twostep.enrollment.startTotp(member);
  const confirmed = await twostep.enrollment.confirmTotp(
    { actorId: null },
    member,
    idp.totpCode(setup.secret),
  );
  if (!confirmed.ok) throw new Error(confirmed.reason);
  return { id, email, password, totpSecret: setup.secret, recoveryCode: confirmed.recoveryCode ?? undefined };
}
