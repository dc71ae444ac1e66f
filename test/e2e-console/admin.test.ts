/** /admin: every action and every refusal, with its audit event and notification. */
import {
  DEFAULTS,
  fromJsonLines,
  hashPassword,
  type StaffMember,
  secondFactorThrottleKey,
  verifyAuditChain,
} from '@twostep/core';
import { formatLocalTime, renderNotification } from '@twostep/oidc-server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { alertText, Browser, testId } from '../helpers/browser.ts';
import { begin, relyingParty } from '../helpers/oidc-client.ts';
import { submitPassword } from '../helpers/sign-in.ts';
import { startTestIdp, type TestIdp, type TestStaff } from '../helpers/idp.ts';
import { csrfOf, postRaw, refusedTo, signIn } from './helpers.ts';

let idp: TestIdp;
/** A second Full Access User of Maple Street (enrolled), to receive colleague notifications. */
let second: TestStaff;

beforeEach(async () => {
  idp = await startTestIdp();
  second = await addAdmin(idp, idp.clinic.id, 'staff-admin2', 'manager@maple.test', true);
});
afterEach(() => idp.close());

async function addAdmin(t: TestIdp, clinicId: string, id: string, email: string, enroll: boolean) {
  const password = `pw-${id}-secret`;
  const member: StaffMember = {
    id,
    clinicId,
    email,
    name: `Morgan ${id}`,
    role: 'full_access',
    passwordHash: await hashPassword(password, { N: 2 ** 10, r: 8, p: 1 }),
    active: true,
    createdAt: t.clock.now(),
  };
  await t.stores.staff.create(member);
  const info: TestStaff = { id, email, password };
  if (enroll) {
    const setup = await t.idp.twostep.enrollment.startTotp(member);
    const ok = await t.idp.twostep.enrollment.confirmTotp(
      { actorId: null },
      member,
      t.totpCode(setup.secret),
    );
    if (!ok.ok) throw new Error(ok.reason);
    info.totpSecret = setup.secret;
  }
  return info;
}

const events = (type: string) =>
  idp.stores.audit.list(idp.clinic.id, { types: [type as never], order: 'desc' });
const notified = (kind: string, staffId: string) =>
  idp.notifier.sent.filter((n) => n.kind === kind && n.to.staffId === staffId);

describe('access', () => {
  it('anyone but a Full Access User gets 403 and an access.denied event', async () => {
    const { browser, page } = await signIn(idp, idp.staff.frontDesk);
    expect(page.body).not.toContain('href="/admin"');
    const denied = await browser.get(`${idp.url}/admin`);
    expect(denied.status).toBe(403);
    expect(alertText(denied)).toContain('Only Full Access Users');
    const audit = await events('access.denied');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: idp.staff.frontDesk.id, details: { need: 'full_access' } });

    // A POST with the staff member's own valid token: 403, audited, nothing changed.
    const post = await postRaw(browser, idp, `/admin/staff/${idp.staff.practitioner.id}/reset`, {
      csrf: csrfOf(page),
      reason: 'x',
    });
    expect(post.status).toBe(403);
    expect(await events('access.denied')).toHaveLength(2);
    expect(await events('two_step.reset')).toHaveLength(0);
    for (const path of ['/admin/audit', '/admin/audit/export.jsonl', `/admin/staff/${idp.staff.owner.id}`]) {
      expect((await browser.request('GET', `${idp.url}${path}`)).status).toBe(403);
    }
  });

  it("another clinic's staff member is not found (404) and nothing changes", async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    const other = idp.staff.relaxed.id;
    expect((await browser.request('GET', `${idp.url}/admin/staff/${other}`)).status).toBe(404);
    for (const action of ['pause', 'reset', 'resume', 'unlock', 'revoke-devices']) {
      const res = await postRaw(browser, idp, `/admin/staff/${other}/${action}`, {
        csrf: csrfOf(page),
        reason: 'test',
        hours: '24',
      });
      expect(res.status).toBe(404);
    }
    expect(await idp.stores.pauses.get(other)).toBeNull();
    const birch = await idp.stores.audit.list(idp.relaxedClinic.id, {});
    expect(birch.filter((e) => e.type !== 'sign_in.succeeded')).toHaveLength(0);
    expect(idp.notifier.sent.filter((n) => n.to.staffId === other)).toHaveLength(0);
    // Not listed, not findable by search either.
    const list = await browser.get(`${idp.url}/admin?q=birch`);
    expect(testId(list, 'staff-range')).toBe('Staff 0–0 of 0');
  });

  it('a Full Access User cannot pause or reset their own 2-Step: another Full Access User must', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, `/admin/staff/${idp.staff.owner.id}`);
    expect(page.body).toContain('another Full Access User must do this');
    expect(page.body).not.toContain('/pause"');
    for (const action of ['pause', 'reset']) {
      const res = await postRaw(browser, idp, `/admin/staff/${idp.staff.owner.id}/${action}`, {
        csrf: csrfOf(page),
        reason: 'travelling',
        hours: '24',
      });
      const page403 = `/admin/staff/${idp.staff.owner.id}`;
      expect(await refusedTo(browser, res, page403)).toContain('another Full Access User must do this');
    }
    expect(await idp.stores.pauses.get(idp.staff.owner.id)).toBeNull();
    expect((await idp.stores.factors.list(idp.staff.owner.id)).length).toBeGreaterThan(0);
    expect(await events('two_step.paused')).toHaveLength(0);
    expect(await events('two_step.reset')).toHaveLength(0);
  });
});

describe('actions on a colleague', () => {
  it('pause (default 24 h, max 168, reason required), then resume; audited and notified', async () => {
    const path = `/admin/staff/${idp.staff.frontDesk.id}`;
    const { browser, page } = await signIn(idp, idp.staff.owner, path);
    expect(page.body).toContain('value="24"');
    const csrf = csrfOf(page);
    const tooLong = await postRaw(browser, idp, `${path}/pause`, { csrf, hours: '169', reason: 'x' });
    expect(await refusedTo(browser, tooLong, path)).toContain('between 1 and 168');
    const noReason = await postRaw(browser, idp, `${path}/pause`, { csrf, hours: '24', reason: '  ' });
    expect(await refusedTo(browser, noReason, path)).toContain('Enter a reason');
    expect(await idp.stores.pauses.get(idp.staff.frontDesk.id)).toBeNull();

    const paused = await browser.post(`${idp.url}${path}/pause`, { csrf, hours: '', reason: 'lost phone' });
    expect(paused.body).toContain('2-Step Verification is paused.');
    const pause = (await idp.stores.pauses.get(idp.staff.frontDesk.id))!;
    expect(pause.until.getTime() - idp.clock.now().getTime()).toBe(24 * 3_600_000);
    expect((await events('two_step.paused'))[0]).toMatchObject({
      actorId: idp.staff.owner.id,
      targetId: idp.staff.frontDesk.id,
      details: { reason: 'lost phone', hours: 24 },
    });
    expect(notified('two_step_paused', idp.staff.frontDesk.id)).toHaveLength(1);
    expect(notified('colleague_paused', second.id)).toHaveLength(1);
    expect(notified('colleague_paused', idp.staff.owner.id)).toHaveLength(0);
    expect(paused.body).toMatch(/badge paused">Paused until/);

    const resumed = await browser.post(`${idp.url}${path}/resume`, { csrf });
    expect(resumed.body).toContain('2-Step Verification is back on.');
    expect(await idp.stores.pauses.get(idp.staff.frontDesk.id)).toBeNull();
    expect((await events('two_step.resumed'))[0]?.targetId).toBe(idp.staff.frontDesk.id);
    expect(notified('two_step_resumed', idp.staff.frontDesk.id)).toHaveLength(1);
    const again = await postRaw(browser, idp, `${path}/resume`, { csrf });
    expect(await refusedTo(browser, again, path)).toBeDefined();
  });

  it('reset (reason required): every method, the recovery code and devices removed; audited and notified', async () => {
    const path = `/admin/staff/${idp.staff.frontDesk.id}`;
    const { browser, page } = await signIn(idp, idp.staff.owner, path);
    const missing = await postRaw(browser, idp, `${path}/reset`, { csrf: csrfOf(page), reason: '' });
    expect(await refusedTo(browser, missing, path)).toContain('Enter a reason');
    expect((await idp.stores.factors.list(idp.staff.frontDesk.id)).length).toBe(1);

    const done = await browser.post(`${idp.url}${path}/reset`, { csrf: csrfOf(page), reason: 'new phone' });
    expect(done.body).toContain('2-Step Verification was reset.');
    expect(await idp.stores.factors.list(idp.staff.frontDesk.id)).toHaveLength(0);
    expect(await idp.stores.recoveryCodes.get(idp.staff.frontDesk.id)).toBeNull();
    expect((await events('two_step.reset'))[0]).toMatchObject({
      targetId: idp.staff.frontDesk.id,
      details: { reason: 'new phone' },
    });
    expect(notified('two_step_reset', idp.staff.frontDesk.id)).toHaveLength(1);
    expect(notified('colleague_reset', second.id)).toHaveLength(1);
  });

  it('unlock after too many wrong codes, and forget remembered devices; audited', async () => {
    const desk = (await idp.stores.staff.get(idp.staff.frontDesk.id))!;
    // 100 failures in a row (rules without back-off, so every attempt is let through and counted).
    const noBackoff = { ...DEFAULTS.throttle, freeFailures: 100 };
    for (let i = 0; i < 100; i++) {
      await idp.stores.throttles.take(secondFactorThrottleKey(desk.id), idp.clock.now(), noBackoff);
    }
    expect((await idp.idp.twostep.admin.status(desk)).throttle).toBe('locked');
    const path = `/admin/staff/${desk.id}`;
    const { browser } = await signIn(idp, idp.staff.owner, '/admin');
    const list = await browser.get(`${idp.url}/admin?q=dana`);
    expect(list.body).toContain('badge locked">Locked');
    const detail = await browser.get(`${idp.url}${path}`);
    const unlocked = await browser.post(`${idp.url}${path}/unlock`, { csrf: csrfOf(detail) });
    expect(unlocked.body).toContain('The account was unlocked.');
    expect((await idp.idp.twostep.admin.status(desk)).throttle).toBe('open');
    expect((await events('account.unlocked'))[0]?.targetId).toBe(desk.id);

    const trusted = await idp.idp.twostep.devices.trust(
      { actorId: desk.id },
      desk,
      'Mozilla/5.0 Firefox/130.0',
    );
    expect(trusted.ok).toBe(true);
    const withDevice = await browser.get(`${idp.url}${path}`);
    const revoked = await browser.post(`${idp.url}${path}/revoke-devices`, { csrf: csrfOf(withDevice) });
    expect(revoked.body).toContain('Their remembered devices were forgotten.');
    expect(await idp.idp.twostep.devices.list(desk.id)).toHaveLength(0);
    expect((await events('device.revoked'))[0]?.details).toMatchObject({ count: 1, cause: 'admin' });
  });
});

describe('clinic settings', () => {
  it('turning enforcement off shows the compliance warning, needs the confirmation word and a reason; audited', async () => {
    const { browser } = await signIn(idp, idp.staff.owner, '/admin');
    const confirm = await browser.get(`${idp.url}/admin/enforcement/off`);
    expect(confirm.body).toContain('compliance or regulatory implications');
    expect(confirm.body).toContain('cybersecurity-insurance claim');
    const csrf = csrfOf(confirm);
    const wrongWord = await postRaw(browser, idp, '/admin/enforcement/off', {
      csrf,
      confirm: 'yes',
      reason: 'audit',
    });
    expect(await refusedTo(browser, wrongWord, '/admin/enforcement/off')).toContain('Type TURN OFF exactly');
    const noReason = await postRaw(browser, idp, '/admin/enforcement/off', {
      csrf,
      confirm: 'TURN OFF',
      reason: '',
    });
    expect(await refusedTo(browser, noReason, '/admin/enforcement/off')).toContain('Enter a reason');
    expect((await idp.stores.clinics.get(idp.clinic.id))?.enforceTwoStep).toBe(true);
    expect(await events('policy.enforcement_off')).toHaveLength(0);

    const off = await browser.post(`${idp.url}/admin/enforcement/off`, {
      csrf,
      confirm: 'turn off',
      reason: 'Migrating phones this week',
    });
    expect(off.body).toContain('2-Step Verification is no longer required.');
    expect((await idp.stores.clinics.get(idp.clinic.id))?.enforceTwoStep).toBe(false);
    expect((await events('policy.enforcement_off'))[0]).toMatchObject({
      actorId: idp.staff.owner.id,
      details: { reason: 'Migrating phones this week', warningShown: true },
    });
    expect(testId(off, 'readiness')).toContain('If you require 2-Step Verification, 1 staff member will');

    const on = await browser.post(`${idp.url}/admin/enforcement/on`, { csrf });
    expect(on.body).toContain('2-Step Verification is now required for everyone.');
    expect(await events('policy.enforcement_on')).toHaveLength(1);
  });

  it('enforcement cannot be turned on by a Full Access User without a method (actor_not_enrolled)', async () => {
    const birch = await addAdmin(idp, idp.relaxedClinic.id, 'birch-admin', 'admin@birch.test', true);
    const { browser, page } = await signIn(idp, birch, '/account');
    await browser.post(`${idp.url}/account/remove`, {
      csrf: csrfOf(page),
      kind: 'totp',
      confirm: 'yes',
      reason: 'testing',
    });
    const refused = await postRaw(browser, idp, '/admin/enforcement/on', { csrf: csrfOf(page) });
    expect(await refusedTo(browser, refused, '/admin')).toContain(
      'Set up 2-Step Verification for your own account first',
    );
    expect((await idp.stores.clinics.get(idp.relaxedClinic.id))?.enforceTwoStep).toBe(false);
  });

  it('allows or disallows "Remember this device"; audited', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    const off = await browser.post(`${idp.url}/admin/trusted-devices`, { csrf: csrfOf(page), allow: 'no' });
    expect(off.body).toContain('Not allowed');
    expect((await idp.stores.clinics.get(idp.clinic.id))?.allowTrustedDevices).toBe(false);
    expect((await events('policy.trusted_devices_changed'))[0]?.details).toEqual({ allowed: false });
    const bad = await postRaw(browser, idp, '/admin/trusted-devices', { csrf: csrfOf(page), allow: 'maybe' });
    expect(bad.status).toBe(400);
  });

  it('sets the grace period for new staff and the clinic contact; the help page shows the contact; bad values change nothing', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    expect(testId(page, 'enrollment-grace')).toBe(
      'None: new staff set up 2-Step Verification at their first sign-in.',
    );
    const csrf = csrfOf(page);
    for (const days of ['91', '-1', 'a week']) {
      const bad = await postRaw(browser, idp, '/admin/enrollment-grace', { csrf, days });
      expect(await refusedTo(browser, bad, '/admin')).toBe('Enter a whole number of days from 0 to 90.');
    }
    const tooLong = await postRaw(browser, idp, '/admin/contact', { csrf, contact: 'x'.repeat(201) });
    expect(await refusedTo(browser, tooLong, '/admin')).toContain('at most 200 characters');
    expect(await idp.stores.clinics.get(idp.clinic.id)).not.toHaveProperty('enrollmentGraceDays');
    expect(await idp.stores.clinics.get(idp.clinic.id)).not.toHaveProperty('contact');

    const graced = await browser.post(`${idp.url}/admin/enrollment-grace`, { csrf, days: '14' });
    expect(graced.body).toContain('The time for new staff to set up was saved.');
    expect(testId(graced, 'enrollment-grace')).toContain('New staff get 14 days after they are added');
    const saved = await browser.post(`${idp.url}/admin/contact`, {
      csrf,
      contact: 'Front desk: 613-555-0100',
    });
    expect(saved.body).toContain('The clinic’s contact was saved.');
    expect(saved.body).toContain('value="Front desk: 613-555-0100"');
    const updates = (await events('clinic.updated')).map((e) => e.details);
    expect(updates).toEqual([{ contact: 'Front desk: 613-555-0100' }, { enrollmentGraceDays: 14 }]); // newest first

    // "Having trouble?" during a sign-in: the clinic's contact, next to its Full Access Users.
    const other = new Browser();
    const { page: start } = await begin(other, await relyingParty(idp));
    const codePage = await submitPassword(other, start, idp.staff.frontDesk);
    const help = await other.get(`${codePage.url.replace(/\/verify.*$/, '')}/help`);
    expect(testId(help, 'clinic-contact')).toBe('Contact Maple Street Physio: Front desk: 613-555-0100');
  });

  it('sets the time zone and phone country; times on pages and in emails follow; bad values change nothing', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    const bad = await postRaw(browser, idp, '/admin/region', {
      csrf: csrfOf(page),
      timeZone: 'Mars/Olympus_Mons',
      country: 'CA',
    });
    expect(await refusedTo(browser, bad, '/admin')).toContain(
      'Choose a time zone and a country from the lists.',
    );
    const before = await idp.stores.clinics.get(idp.clinic.id);
    expect(before?.timeZone).toBeUndefined();
    expect(before?.country).toBeUndefined();

    const saved = await browser.post(`${idp.url}/admin/region`, {
      csrf: csrfOf(page),
      timeZone: 'America/Toronto',
      country: 'CA',
    });
    expect(saved.body).toContain('The time zone and phone country were saved.');
    expect(testId(saved, 'region')).toContain('America/Toronto');
    expect(testId(saved, 'region')).toContain('numbers from Canada');
    const clinic = await idp.stores.clinics.get(idp.clinic.id);
    expect(clinic).toMatchObject({ timeZone: 'America/Toronto', country: 'CA' });
    expect((await events('clinic.updated'))[0]?.details).toEqual({
      timeZone: 'America/Toronto',
      country: 'CA',
    });

    await browser.post(`${idp.url}/admin/staff/${idp.staff.frontDesk.id}/pause`, {
      csrf: csrfOf(page),
      hours: '2',
      reason: 'lost phone',
    });
    const member = await idp.stores.staff.get(idp.staff.frontDesk.id);
    const until = (await idp.idp.twostep.admin.status(member!)).pausedUntil!;
    const local = formatLocalTime(until, 'America/Toronto');
    expect(local).toMatch(/ [AP]M E[SD]T$/);
    const staffPage = await browser.get(`${idp.url}/admin/staff/${idp.staff.frontDesk.id}`);
    expect(staffPage.body).toContain(local);
    expect(staffPage.body).not.toContain(formatLocalTime(until, 'UTC'));
    const [mail] = notified('two_step_paused', idp.staff.frontDesk.id);
    expect(mail?.timeZone).toBe('America/Toronto');
    expect(renderNotification(mail!).text).toContain(`Until ${local}`);
  });
});

describe('audit log', () => {
  it('the JSON Lines export round-trips through the verifier; an edited line is detected', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    await browser.post(`${idp.url}/admin/staff/${idp.staff.frontDesk.id}/pause`, {
      csrf: csrfOf(page),
      hours: '2',
      reason: 'lost phone',
    });
    const res = await browser.request('GET', `${idp.url}/admin/audit/export.jsonl`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-clinic-maple-/);
    const exported = fromJsonLines(res.body);
    expect(exported.length).toBeGreaterThan(5);
    expect(exported.every((e) => e.clinicId === idp.clinic.id)).toBe(true);
    expect(verifyAuditChain(exported)).toEqual({ ok: true, count: exported.length });

    const lines = res.body.trimEnd().split('\n');
    const index = lines.findIndex((l) => l.includes('"two_step.paused"'));
    lines[index] = lines[index]!.replace('lost phone', 'found phone');
    const check = verifyAuditChain(fromJsonLines(lines.join('\n')));
    expect(check.ok).toBe(false);
    expect(check.ok === false && check.brokenAtSeq).toBe(exported[index]!.seq);

    const verified = await browser.post(`${idp.url}/admin/audit/verify`, { csrf: csrfOf(page) });
    expect(testId(verified, 'chain-result')).toMatch(/^The audit log is intact: \d+ events checked/);
  });

  it('the CSV export is escaped and neutralises formulas', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    await browser.post(`${idp.url}/admin/staff/${idp.staff.frontDesk.id}/pause`, {
      csrf: csrfOf(page),
      hours: '2',
      reason: '=HYPERLINK("http://evil.test","click"), really',
    });
    const res = await browser.request('GET', `${idp.url}/admin/audit/export.csv?type=two_step.paused`);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('seq,at,type,actorId,targetId,ip,userAgent,details,id,prevHash,hash');
    expect(lines).toHaveLength(2);
    // details is JSON: quoted, inner quotes doubled.
    expect(lines[1]).toContain('"{""until"":');
    expect(lines[1]).toContain('=HYPERLINK(\\""http://evil.test\\"",');
    const { csvCell } = await import('../../packages/oidc-server/src/console/export.ts');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('=a,b')).toBe(`"'=a,b"`);
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell(null)).toBe('');
  });

  it('filters by staff member, event type and date range', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    await browser.post(`${idp.url}/admin/staff/${idp.staff.frontDesk.id}/pause`, {
      csrf: csrfOf(page),
      hours: '2',
      reason: 'lost phone',
    });
    const byType = await browser.get(`${idp.url}/admin/audit?type=two_step.paused`);
    const rows = (b: string) => [...b.matchAll(/<tr><td[^>]*>(\d+)<\/td>/g)].length;
    expect(rows(byType.body)).toBe(1);
    const byStaff = await browser.get(`${idp.url}/admin/audit?staff=desk%40maple.test`);
    expect(byStaff.body).toContain('2-Step Verification paused');
    expect(byStaff.body).not.toMatch(/<td[^>]*>Signed in<\/td>/);
    const unknown = await browser.get(`${idp.url}/admin/audit?staff=rob%40birch.test`);
    expect(alertText(unknown)).toContain('No staff member of this clinic matches');
    expect(rows(unknown.body)).toBe(0);
    const today = idp.clock.now().toISOString().slice(0, 10);
    const inRange = await browser.get(
      `${idp.url}/admin/audit?type=two_step.paused&from=${today}&to=${today}`,
    );
    expect(rows(inRange.body)).toBe(1);
    const past = await browser.get(
      `${idp.url}/admin/audit?type=two_step.paused&from=2001-01-01&to=2001-01-02`,
    );
    expect(rows(past.body)).toBe(0);
  });
});

describe('staff list', () => {
  it('2,000 staff: 25 per page, search and paging correct, readiness counted', async () => {
    const now = idp.clock.now();
    const pad = (n: number) => String(n).padStart(4, '0');
    for (let i = 0; i < 2000; i++) {
      await idp.stores.staff.create({
        id: `bulk-${pad(i)}`,
        clinicId: idp.clinic.id,
        email: `person${pad(i)}@maple.test`,
        name: `Person ${pad(i)}`,
        role: 'staff',
        passwordHash: 'x',
        active: true,
        createdAt: now,
      });
    }
    // Every 4th one has an authenticator app.
    for (let i = 0; i < 2000; i += 4) {
      const staffId = `bulk-${pad(i)}`;
      await idp.stores.factors.savePending({
        id: `f-${staffId}`,
        kind: 'totp',
        secret: 'sealed',
        lastStep: null,
        createdAt: now,
        staffId,
        clinicId: idp.clinic.id,
        status: 'pending',
        confirmedAt: null,
      });
      await idp.stores.factors.activate(staffId, 'totp', `f-${staffId}`, now, null);
    }
    const { browser } = await signIn(idp, idp.staff.owner, '/admin');
    const first = await browser.get(`${idp.url}/admin`);
    expect(testId(first, 'staff-range')).toBe('Staff 1–25 of 2,004');
    expect([...first.body.matchAll(/data-testid="staff-state"/g)]).toHaveLength(25);
    // Not enrolled: 1500 bulk + Pat Practitioner.
    expect(testId(first, 'readiness')).toBe(
      '1,501 staff members will be asked to set up 2-Step Verification at their next sign-in.',
    );
    expect(first.body).toContain('Page 1 of 81');
    expect(first.body).toContain('href="/admin?page=2" rel="next"');

    // A page's work is its 25 rows, not the clinic's 2,004 staff (the readiness count is cached):
    // what keeps thousands of staff fast, checked without a stopwatch.
    const factorReads = vi.spyOn(idp.stores.factors, 'list');
    const p3 = await browser.get(`${idp.url}/admin?page=3`);
    const readFor = new Set(factorReads.mock.calls.map(([staffId]) => staffId));
    factorReads.mockRestore();
    expect(readFor.size).toBe(25);
    expect(testId(p3, 'staff-range')).toBe('Staff 51–75 of 2,004');
    expect(p3.body).toContain('Person 0048');
    expect(p3.body).toContain('rel="prev"');
    const last = await browser.get(`${idp.url}/admin?page=81`);
    expect(testId(last, 'staff-range')).toBe('Staff 2,001–2,004 of 2,004');
    expect(last.body).not.toContain('rel="next"');
    const beyond = await browser.get(`${idp.url}/admin?page=9999`);
    expect(testId(beyond, 'staff-range')).toBe('Staff 2,001–2,004 of 2,004');

    const one = await browser.get(`${idp.url}/admin?q=person1236`);
    expect(testId(one, 'staff-range')).toBe('Staff 1–1 of 1');
    expect(one.body).toContain('Person 1236');
    expect(one.body).toContain('badge on">On');
    const many = await browser.get(`${idp.url}/admin?q=Person%2019&page=2`);
    expect(testId(many, 'staff-range')).toBe('Staff 26–50 of 100');
    expect(many.body).toContain('href="/admin?page=3&amp;q=Person+19"');
    const none = await browser.get(`${idp.url}/admin?q=%3Cscript%3E`);
    expect(testId(none, 'staff-range')).toBe('Staff 0–0 of 0');
    expect(none.body).toContain('value="&lt;script&gt;"');
  });
});
