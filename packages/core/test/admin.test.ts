import { claimsFor } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { auditOf, codeAt, enrollTotp, type Fixture, setup, snapshot, wrongCode } from './fixtures.ts';

const REASON = 'Lost phone, IT ticket #123';

async function enrolledFixture(enforce = true) {
  const f = await setup({ enforce });
  const app = await enrollTotp(f, f.alice);
  f.notifier.sent.length = 0;
  return { f, app };
}

const kinds = (f: Fixture) => f.notifier.sent.map((n) => `${n.kind}→${n.to.staffId}`).sort();

describe('admin: pause / resume / reset / unlock — who may', () => {
  const actions = {
    pause: (f: Fixture, actorId: string, targetId: unknown) =>
      f.twostep.admin.pause({ actorId }, targetId, { reason: REASON }),
    resume: (f: Fixture, actorId: string, targetId: unknown) => f.twostep.admin.resume({ actorId }, targetId),
    reset: (f: Fixture, actorId: string, targetId: unknown) =>
      f.twostep.admin.reset({ actorId }, targetId, { reason: REASON }),
    unlock: (f: Fixture, actorId: string, targetId: unknown) => f.twostep.admin.unlock({ actorId }, targetId),
    revokeDevices: (f: Fixture, actorId: string, targetId: unknown) =>
      f.twostep.admin.revokeDevices({ actorId }, targetId),
  };

  it.each(Object.keys(actions) as (keyof typeof actions)[])(
    '%s: a non-admin → forbidden + access.denied, nothing changes',
    async (action) => {
      const { f } = await enrolledFixture();
      await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason: REASON });
      const before = await snapshot(f, f.alice);
      const result = await actions[action](f, f.bob.id, f.alice.id);
      expect(result).toEqual({ ok: false, reason: 'forbidden' });
      const after = await snapshot(f, f.alice);
      expect({ ...after, auditCount: before.auditCount }).toEqual(before);
      expect(after.auditCount).toBe(before.auditCount + 1);
      expect((await auditOf(f)).at(-1)).toMatchObject({
        type: 'access.denied',
        actorId: f.bob.id,
        targetId: f.alice.id,
        details: { need: 'full_access' },
      });
    },
  );

  it.each(Object.keys(actions) as (keyof typeof actions)[])(
    '%s: a target in another clinic → not_found, nothing changes there',
    async (action) => {
      const f = await setup();
      await enrollTotp(f, f.carol);
      await f.twostep.admin.pause(f.actor(f.ownerB), f.carol.id, { reason: REASON });
      const before = await snapshot(f, f.carol);
      expect(await actions[action](f, f.owner.id, f.carol.id)).toEqual({ ok: false, reason: 'not_found' });
      expect(await snapshot(f, f.carol)).toEqual(before);
    },
  );

  it.each(Object.keys(actions) as (keyof typeof actions)[])(
    '%s: unknown, malformed or missing target → not_found; unknown or inactive actor → forbidden',
    async (action) => {
      const { f } = await enrolledFixture();
      for (const target of ['no-such-staff', '', 42, null, { $ne: null }]) {
        expect(await actions[action](f, f.owner.id, target)).toEqual({ ok: false, reason: 'not_found' });
      }
      expect(await actions[action](f, 'no-such-admin', f.alice.id)).toEqual({
        ok: false,
        reason: 'forbidden',
      });
      await f.stores.staff.update(f.admin2.id, { active: false });
      const before = await snapshot(f, f.alice);
      expect(await actions[action](f, f.admin2.id, f.alice.id)).toEqual({ ok: false, reason: 'forbidden' });
      expect(await snapshot(f, f.alice)).toEqual(before);
    },
  );

  it('pause and reset of oneself → self', async () => {
    const f = await setup();
    await enrollTotp(f, f.owner);
    expect(await f.twostep.admin.pause(f.actor(f.owner), f.owner.id, { reason: REASON })).toEqual({
      ok: false,
      reason: 'self',
    });
    expect(await f.twostep.admin.reset(f.actor(f.owner), f.owner.id, { reason: REASON })).toEqual({
      ok: false,
      reason: 'self',
    });
    expect(await f.stores.pauses.get(f.owner.id)).toBeNull();
    expect(await f.stores.factors.list(f.owner.id)).toHaveLength(1);
  });
});

describe('admin.pause', () => {
  it('defaults to 24 h; requirement becomes none/paused; sign-in claims are 1fa/pwd; notified; audited', async () => {
    const { f } = await enrolledFixture();
    const result = await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason: `  ${REASON} ` });
    expect(result.ok).toBe(true);
    const until = new Date(f.clock.now().getTime() + 24 * 3_600_000);
    expect(result.ok && result.pause).toMatchObject({
      staffId: f.alice.id,
      until,
      reason: REASON,
      pausedBy: f.owner.id,
    });
    expect(await f.twostep.secondFactor.requirement(f.alice)).toEqual({
      kind: 'none',
      reason: 'paused',
      pausedUntil: until,
    });
    expect(claimsFor('password')).toEqual({ acr: 'urn:twostep:loa:1fa', amr: ['pwd'] });
    expect((await f.twostep.admin.status(f.alice)).pausedUntil).toEqual(until);

    // The staff member and the *other* Full Access User are told; the acting admin is not.
    expect(kinds(f)).toEqual([`colleague_paused→${f.admin2.id}`, `two_step_paused→${f.alice.id}`].sort());
    const colleague = f.notifier.sent.find((n) => n.kind === 'colleague_paused');
    expect(colleague?.params).toMatchObject({ reason: REASON, actor: f.owner.name, colleague: f.alice.name });
    expect(colleague?.clinicName).toBe(f.clinicA.name);
    // No zone chosen by the clinic or the server: UTC, for the email's times.
    expect(f.notifier.sent.map((n) => n.timeZone)).toEqual(['UTC', 'UTC']);

    expect((await auditOf(f)).at(-1)).toMatchObject({
      type: 'two_step.paused',
      actorId: f.owner.id,
      targetId: f.alice.id,
      clinicId: 'clinic-a',
      ip: '203.0.113.7',
      userAgent: 'vitest/agent',
      details: { until: until.toISOString(), reason: REASON, hours: 24 },
    });

    // It ends by itself.
    f.clock.advance(24 * 3_600_000);
    expect(await f.twostep.secondFactor.requirement(f.alice)).toMatchObject({ kind: 'second_factor' });
  });

  it('accepts up to 168 h; more, zero, negative or non-numbers → invalid_duration', async () => {
    const { f } = await enrolledFixture();
    for (const hours of [169, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, '24', null]) {
      expect(await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason: REASON, hours })).toEqual({
        ok: false,
        reason: 'invalid_duration',
      });
    }
    expect(await f.stores.pauses.get(f.alice.id)).toBeNull();
    const max = await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason: REASON, hours: 168 });
    expect(max.ok && max.pause.until).toEqual(new Date(f.clock.now().getTime() + 168 * 3_600_000));
  });

  it('a reason is required', async () => {
    const { f } = await enrolledFixture();
    for (const reason of [undefined, '', '   ', 42, 'x'.repeat(501)]) {
      expect(await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason })).toEqual({
        ok: false,
        reason: 'reason_required',
      });
    }
    expect(await f.stores.pauses.get(f.alice.id)).toBeNull();
    expect(f.notifier.sent).toHaveLength(0);
  });

  it('re-enrolling ends the pause early (audited as resumed)', async () => {
    const { f } = await enrolledFixture();
    await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason: REASON });
    const e = await f.twostep.enrollment.startTotp(f.alice);
    expect(
      (await f.twostep.enrollment.confirmTotp(f.actor(f.alice), f.alice, codeAt(e.secret, f.clock))).ok,
    ).toBe(true);
    expect(await f.stores.pauses.get(f.alice.id)).toBeNull();
    expect(await f.twostep.secondFactor.requirement(f.alice)).toMatchObject({ kind: 'second_factor' });
    const types = (await auditOf(f)).map((a) => a.type);
    expect(types.slice(-2)).toEqual(['two_step.resumed', 'factor.enrolled']);
  });

  it('resume ends it; resuming again → not_paused', async () => {
    const { f } = await enrolledFixture();
    await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason: REASON });
    f.notifier.sent.length = 0;
    expect(await f.twostep.admin.resume(f.actor(f.admin2), f.alice.id)).toEqual({ ok: true });
    expect(await f.twostep.secondFactor.requirement(f.alice)).toMatchObject({ kind: 'second_factor' });
    expect(kinds(f)).toEqual([`two_step_resumed→${f.alice.id}`]);
    expect((await auditOf(f)).at(-1)).toMatchObject({
      type: 'two_step.resumed',
      actorId: f.admin2.id,
      targetId: f.alice.id,
    });
    expect(await f.twostep.admin.resume(f.actor(f.admin2), f.alice.id)).toEqual({
      ok: false,
      reason: 'not_paused',
    });
  });
});

describe('admin.reset', () => {
  it('removes factors, recovery code, devices, pause, throttle → enroll when enforced; notified; audited', async () => {
    const { f, app } = await enrolledFixture(true);
    const device = await f.twostep.devices.trust(f.actor(f.alice), f.alice, 'Mozilla/5.0 Chrome/120.0');
    if (!device.ok) throw new Error('not trusted');
    await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', wrongCode(app.secret, f.clock));
    await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason: REASON });
    f.notifier.sent.length = 0;

    expect(await f.twostep.admin.reset(f.actor(f.owner), f.alice.id, { reason: '' })).toEqual({
      ok: false,
      reason: 'reason_required',
    });
    expect(await f.stores.factors.list(f.alice.id)).toHaveLength(1);

    expect(await f.twostep.admin.reset(f.actor(f.owner), f.alice.id, { reason: REASON })).toEqual({
      ok: true,
    });
    const events = await auditOf(f);
    expect(events.slice(-3).map((a) => a.type)).toEqual([
      'sessions.ended',
      'device.revoked',
      'two_step.reset',
    ]);
    expect(events.at(-1)).toMatchObject({
      actorId: f.owner.id,
      targetId: f.alice.id,
      details: { reason: REASON },
    });
    expect(await f.stores.factors.list(f.alice.id)).toEqual([]);
    expect(await f.stores.recoveryCodes.get(f.alice.id)).toBeNull();
    expect(await f.twostep.devices.list(f.alice.id)).toEqual([]);
    expect(await f.twostep.devices.check(device.token, f.alice.id)).toBeNull();
    expect(await f.stores.pauses.get(f.alice.id)).toBeNull();
    expect((await f.stores.throttles.get(`second-factor:${f.alice.id}`)).failures).toBe(0);
    expect(await f.twostep.secondFactor.requirement(f.alice)).toEqual({ kind: 'enroll' });
    expect(
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', codeAt(app.secret, f.clock)),
    ).toMatchObject({
      ok: false,
      reason: 'not_enrolled',
    });

    expect(kinds(f)).toEqual([`colleague_reset→${f.admin2.id}`, `two_step_reset→${f.alice.id}`].sort());
  });

  it('not enforced: after a reset the staff member signs in with the password only', async () => {
    const { f } = await enrolledFixture(false);
    await f.twostep.admin.reset(f.actor(f.owner), f.alice.id, { reason: REASON });
    expect(await f.twostep.secondFactor.requirement(f.alice)).toEqual({
      kind: 'none',
      reason: 'not_enrolled',
      pausedUntil: null,
    });
  });
});

describe('admin.unlock and revokeDevices', () => {
  it('unlock clears a back-off; audited', async () => {
    const { f, app } = await enrolledFixture();
    for (let i = 0; i < 5; i++)
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', wrongCode(app.secret, f.clock));
    expect((await f.twostep.admin.status(f.alice)).throttle).toBe('backoff');
    expect(await f.twostep.admin.unlock(f.actor(f.owner), f.alice.id)).toEqual({ ok: true });
    expect((await f.twostep.admin.status(f.alice)).throttle).toBe('open');
    expect((await auditOf(f)).at(-1)).toMatchObject({
      type: 'account.unlocked',
      actorId: f.owner.id,
      targetId: f.alice.id,
    });
  });

  it('revokeDevices removes a colleague’s devices and says how many', async () => {
    const { f } = await enrolledFixture();
    await f.twostep.devices.trust(f.actor(f.alice), f.alice, null);
    await f.twostep.devices.trust(f.actor(f.alice), f.alice, null);
    expect(await f.twostep.admin.revokeDevices(f.actor(f.owner), f.alice.id)).toEqual({
      ok: true,
      removed: 2,
    });
    expect((await auditOf(f)).at(-1)).toMatchObject({
      type: 'device.revoked',
      details: { count: 2, cause: 'admin' },
    });
  });
});

describe('clinic settings: enrollment grace period and the clinic contact', () => {
  it('setEnrollmentGrace takes 0–90 whole days, audits; bad values change nothing; non-admins refused', async () => {
    const f = await setup();
    for (const bad of ['-1', '91', '1.5', 'two', '', null, 7.5, 91]) {
      expect(await f.twostep.admin.setEnrollmentGrace(f.actor(f.owner), bad)).toEqual({
        ok: false,
        reason: 'invalid_grace',
      });
    }
    expect(await f.twostep.admin.setEnrollmentGrace(f.actor(f.alice), '7')).toMatchObject({
      ok: false,
      reason: 'forbidden',
    });
    expect(await f.stores.clinics.get(f.clinicA.id)).toEqual(f.clinicA);
    expect(await f.twostep.admin.setEnrollmentGrace(f.actor(f.owner), ' 14 ')).toEqual({ ok: true });
    expect((await f.stores.clinics.get(f.clinicA.id))?.enrollmentGraceDays).toBe(14);
    expect((await auditOf(f)).at(-1)).toMatchObject({
      type: 'clinic.updated',
      actorId: f.owner.id,
      details: { enrollmentGraceDays: 14 },
    });
    expect(await f.twostep.admin.setEnrollmentGrace(f.actor(f.owner), 0)).toEqual({ ok: true });
    expect((await f.stores.clinics.get(f.clinicA.id))?.enrollmentGraceDays).toBe(0);
  });

  it('setContact keeps one trimmed line of at most 200 characters, audits; empty clears it', async () => {
    const f = await setup();
    for (const bad of ['x'.repeat(201), 'line one\nline two', 'nul\u0000', 42, null]) {
      expect(await f.twostep.admin.setContact(f.actor(f.owner), bad)).toEqual({
        ok: false,
        reason: 'invalid_contact',
      });
    }
    expect(await f.twostep.admin.setContact(f.actor(f.alice), 'x')).toMatchObject({ reason: 'forbidden' });
    expect(await f.stores.clinics.get(f.clinicA.id)).toEqual(f.clinicA);
    expect(await f.twostep.admin.setContact(f.actor(f.owner), '  Front office: 613-555-0100  ')).toEqual({
      ok: true,
    });
    expect((await f.stores.clinics.get(f.clinicA.id))?.contact).toBe('Front office: 613-555-0100');
    expect((await auditOf(f)).at(-1)).toMatchObject({
      type: 'clinic.updated',
      details: { contact: 'Front office: 613-555-0100' },
    });
    expect(await f.twostep.admin.setContact(f.actor(f.owner), '')).toEqual({ ok: true });
    expect(await f.stores.clinics.get(f.clinicA.id)).not.toHaveProperty('contact');
  });
});

describe('clinic region (time zone, phone country)', () => {
  it('setRegion saves both and audits; a bad zone or country changes nothing; non-admins refused', async () => {
    const f = await setup();
    expect(await f.twostep.admin.setRegion(f.actor(f.owner), { timeZone: 'Eastern', country: 'CA' })).toEqual(
      {
        ok: false,
        reason: 'invalid_region',
      },
    );
    expect(
      await f.twostep.admin.setRegion(f.actor(f.owner), { timeZone: 'America/Toronto', country: 'Canada' }),
    ).toEqual({ ok: false, reason: 'invalid_region' });
    expect(
      await f.twostep.admin.setRegion(f.actor(f.alice), { timeZone: 'America/Toronto', country: 'CA' }),
    ).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(await f.stores.clinics.get(f.clinicA.id)).toEqual(f.clinicA);

    expect(
      await f.twostep.admin.setRegion(f.actor(f.owner), { timeZone: 'America/Toronto', country: 'CA' }),
    ).toEqual({ ok: true });
    expect(await f.stores.clinics.get(f.clinicA.id)).toMatchObject({
      timeZone: 'America/Toronto',
      country: 'CA',
    });
    expect((await auditOf(f)).at(-1)).toMatchObject({
      type: 'clinic.updated',
      details: { timeZone: 'America/Toronto', country: 'CA' },
    });

    // Notifications carry the clinic's zone (the email renders its times in it).
    f.notifier.sent.length = 0;
    await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason: 'lost phone' });
    expect(f.notifier.sent.map((n) => n.timeZone)).toEqual(['America/Toronto', 'America/Toronto']);
  });
});
