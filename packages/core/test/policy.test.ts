import {
  COMPLIANCE_WARNING,
  type Pause,
  parseCoreConfig,
  type RequirementInput,
  type StoredFactor,
  signInRequirement,
} from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { auditOf, enrollTotp, setup } from './fixtures.ts';

const now = new Date('2026-03-02T09:00:00Z');
const throttleConfig = parseCoreConfig().throttle;

const factor = (kind: 'totp' | 'sms', status: 'active' | 'pending' = 'active'): StoredFactor =>
  kind === 'totp'
    ? {
        id: `f-${kind}-${status}`,
        kind,
        secret: 'sealed',
        lastStep: null,
        createdAt: now,
        staffId: 's',
        clinicId: 'c',
        status,
        confirmedAt: null,
      }
    : {
        id: `f-${kind}-${status}`,
        kind,
        phone: '+14169671111',
        createdAt: now,
        staffId: 's',
        clinicId: 'c',
        status,
        confirmedAt: null,
      };

const pause = (until: Date): Pause => ({
  staffId: 's',
  clinicId: 'c',
  until,
  reason: 'lost phone',
  pausedBy: 'a',
  createdAt: now,
});

function input(overrides: Partial<RequirementInput> = {}): RequirementInput {
  return {
    clinic: { enforceTwoStep: false, allowTrustedDevices: true },
    factors: [],
    hasRecoveryCode: false,
    pause: null,
    throttle: { failures: 0, lastFailureAt: null },
    trustedDevice: false,
    freshRequired: false,
    now,
    throttleConfig,
    ...overrides,
  };
}
const enforced = { enforceTwoStep: true, allowTrustedDevices: true };
const enrolled = { factors: [factor('totp')], hasRecoveryCode: true };

describe('signInRequirement (pure)', () => {
  it('not enrolled + not enforced → none/not_enrolled', () => {
    expect(signInRequirement(input())).toEqual({ kind: 'none', reason: 'not_enrolled', pausedUntil: null });
  });

  it('not enrolled + enforced → enroll (a pending factor does not count)', () => {
    expect(signInRequirement(input({ clinic: enforced }))).toEqual({ kind: 'enroll' });
    expect(signInRequirement(input({ clinic: enforced, factors: [factor('totp', 'pending')] }))).toEqual({
      kind: 'enroll',
    });
  });

  it('enrolled → second_factor with its methods, enforced or not', () => {
    expect(signInRequirement(input(enrolled))).toEqual({
      kind: 'second_factor',
      methods: ['totp', 'recovery'],
    });
    expect(signInRequirement(input({ ...enrolled, clinic: enforced }))).toEqual({
      kind: 'second_factor',
      methods: ['totp', 'recovery'],
    });
    expect(
      signInRequirement(input({ factors: [factor('sms'), factor('totp')], hasRecoveryCode: true })),
    ).toEqual({
      kind: 'second_factor',
      methods: ['totp', 'sms', 'recovery'],
    });
    expect(signInRequirement(input({ factors: [factor('sms')] }))).toEqual({
      kind: 'second_factor',
      methods: ['sms'],
    });
  });

  it('a recovery code alone is not a factor', () => {
    expect(signInRequirement(input({ hasRecoveryCode: true, clinic: enforced }))).toEqual({ kind: 'enroll' });
  });

  it('paused → none/paused, also when enrolled, enforced or locked; an expired pause does not count', () => {
    const until = new Date(now.getTime() + 3_600_000);
    const paused = { kind: 'none', reason: 'paused', pausedUntil: until };
    expect(signInRequirement(input({ pause: pause(until) }))).toEqual(paused);
    expect(signInRequirement(input({ ...enrolled, clinic: enforced, pause: pause(until) }))).toEqual(paused);
    expect(
      signInRequirement(
        input({ ...enrolled, pause: pause(until), throttle: { failures: 100, lastFailureAt: now } }),
      ),
    ).toEqual(paused);
    expect(signInRequirement(input({ ...enrolled, pause: pause(now) }))).toMatchObject({
      kind: 'second_factor',
    });
  });

  it('trusted device → trusted_device, unless fresh verification is required or the clinic disallows devices', () => {
    expect(signInRequirement(input({ ...enrolled, trustedDevice: true }))).toEqual({
      kind: 'trusted_device',
    });
    expect(signInRequirement(input({ ...enrolled, trustedDevice: true, freshRequired: true }))).toEqual({
      kind: 'second_factor',
      methods: ['totp', 'recovery'],
    });
    expect(
      signInRequirement(
        input({
          ...enrolled,
          trustedDevice: true,
          clinic: { enforceTwoStep: false, allowTrustedDevices: false },
        }),
      ),
    ).toEqual({ kind: 'second_factor', methods: ['totp', 'recovery'] });
    // A device never stands in for enrollment.
    expect(signInRequirement(input({ trustedDevice: true, clinic: enforced }))).toEqual({ kind: 'enroll' });
  });

  it('backing off → locked with retryAt; 100 failures → locked with null', () => {
    const lastFailureAt = new Date(now.getTime() - 10_000);
    expect(signInRequirement(input({ ...enrolled, throttle: { failures: 5, lastFailureAt } }))).toEqual({
      kind: 'locked',
      retryAt: new Date(lastFailureAt.getTime() + 30_000),
    });
    expect(signInRequirement(input({ ...enrolled, throttle: { failures: 4, lastFailureAt } }))).toMatchObject(
      {
        kind: 'second_factor',
      },
    );
    // Back-off over → open again.
    expect(
      signInRequirement(
        input({ ...enrolled, throttle: { failures: 5, lastFailureAt: new Date(now.getTime() - 30_000) } }),
      ),
    ).toMatchObject({ kind: 'second_factor' });
    expect(
      signInRequirement(input({ ...enrolled, throttle: { failures: 100, lastFailureAt: new Date(0) } })),
    ).toEqual({
      kind: 'locked',
      retryAt: null,
    });
    // A trusted device does not bypass a lock.
    expect(
      signInRequirement(
        input({ ...enrolled, trustedDevice: true, throttle: { failures: 100, lastFailureAt: now } }),
      ),
    ).toEqual({ kind: 'locked', retryAt: null });
  });
});

describe('enrollment grace period (new staff, enforced clinic)', () => {
  const day = 86_400_000;
  const enforced = (enrollmentGraceDays?: number) => ({
    enforceTwoStep: true,
    allowTrustedDevices: true,
    ...(enrollmentGraceDays === undefined ? {} : { enrollmentGraceDays }),
  });

  it('within N days of their creation: enroll, skippable until creation + N days; after that: enroll', () => {
    const createdAt = new Date(now.getTime() - 3 * day);
    const within = signInRequirement(input({ clinic: enforced(14), staffCreatedAt: createdAt }));
    expect(within).toEqual({ kind: 'enroll', graceUntil: new Date(createdAt.getTime() + 14 * day) });
    // The last millisecond counts as inside, the deadline itself as after.
    const deadline = new Date(createdAt.getTime() + 14 * day);
    expect(
      signInRequirement(
        input({ clinic: enforced(14), staffCreatedAt: createdAt, now: new Date(deadline.getTime() - 1) }),
      ),
    ).toEqual({ kind: 'enroll', graceUntil: deadline });
    expect(
      signInRequirement(input({ clinic: enforced(14), staffCreatedAt: createdAt, now: deadline })),
    ).toEqual({
      kind: 'enroll',
    });
  });

  it('no grace when the clinic gives none (unset or 0), or the creation time is unknown', () => {
    const createdAt = new Date(now.getTime() - day);
    expect(signInRequirement(input({ clinic: enforced(), staffCreatedAt: createdAt }))).toEqual({
      kind: 'enroll',
    });
    expect(signInRequirement(input({ clinic: enforced(0), staffCreatedAt: createdAt }))).toEqual({
      kind: 'enroll',
    });
    expect(signInRequirement(input({ clinic: enforced(14) }))).toEqual({ kind: 'enroll' });
  });

  it('changes nothing for the enrolled, the paused, or a clinic that does not require 2-Step', () => {
    const createdAt = now;
    expect(
      signInRequirement(
        input({ clinic: enforced(14), staffCreatedAt: createdAt, factors: [factor('totp')] }),
      ),
    ).toEqual({ kind: 'second_factor', methods: ['totp'] });
    expect(
      signInRequirement(
        input({
          clinic: enforced(14),
          staffCreatedAt: createdAt,
          pause: pause(new Date(now.getTime() + day)),
        }),
      ).kind,
    ).toBe('none');
    expect(
      signInRequirement(
        input({ clinic: { ...enforced(14), enforceTwoStep: false }, staffCreatedAt: createdAt }),
      ),
    ).toEqual({ kind: 'none', reason: 'not_enrolled', pausedUntil: null });
  });

  it('through core, on the clinic clock: a new member gets the days, then must set up', async () => {
    const f = await setup({ enforce: true });
    const newcomer = { ...f.bob, id: 'staff-new-a', email: 'new@maple.example', createdAt: f.clock.now() };
    await f.stores.staff.create(newcomer);
    expect(await f.twostep.admin.setEnrollmentGrace(f.actor(f.owner), '7')).toEqual({ ok: true });
    expect(await f.twostep.secondFactor.requirement(newcomer)).toEqual({
      kind: 'enroll',
      graceUntil: new Date(newcomer.createdAt.getTime() + 7 * day),
    });
    // Someone created long before is past the grace period: set up now.
    const veteran = { ...f.bob, id: 'staff-old-a', email: 'old@maple.example', createdAt: new Date(0) };
    await f.stores.staff.create(veteran);
    expect(await f.twostep.secondFactor.requirement(veteran)).toEqual({ kind: 'enroll' });
    f.clock.advance(7 * day);
    expect(await f.twostep.secondFactor.requirement(newcomer)).toEqual({ kind: 'enroll' });
  });
});

describe('admin.setEnforcement', () => {
  it('on is refused until the acting admin has a factor, then ok and audited', async () => {
    const f = await setup();
    expect(await f.twostep.admin.setEnforcement(f.actor(f.owner), true)).toEqual({
      ok: false,
      reason: 'actor_not_enrolled',
    });
    expect((await f.stores.clinics.get('clinic-a'))?.enforceTwoStep).toBe(false);
    expect(await f.twostep.secondFactor.requirement(f.alice)).toMatchObject({ kind: 'none' });

    await enrollTotp(f, f.owner);
    expect(await f.twostep.admin.setEnforcement(f.actor(f.owner), true)).toEqual({ ok: true, warning: null });
    expect((await f.stores.clinics.get('clinic-a'))?.enforceTwoStep).toBe(true);
    expect(await f.twostep.secondFactor.requirement(f.alice)).toEqual({ kind: 'enroll' });
    const last = (await auditOf(f)).at(-1);
    expect(last).toMatchObject({ type: 'policy.enforcement_on', actorId: f.owner.id, clinicId: 'clinic-a' });
  });

  it('off requires a reason and returns the compliance warning; audited', async () => {
    const f = await setup({ enforce: true });
    expect(await f.twostep.admin.setEnforcement(f.actor(f.owner), false)).toEqual({
      ok: false,
      reason: 'reason_required',
    });
    expect(await f.twostep.admin.setEnforcement(f.actor(f.owner), false, { reason: '   ' })).toEqual({
      ok: false,
      reason: 'reason_required',
    });
    expect((await f.stores.clinics.get('clinic-a'))?.enforceTwoStep).toBe(true);
    const off = await f.twostep.admin.setEnforcement(f.actor(f.owner), false, {
      reason: 'moving to SSO next week',
    });
    expect(off).toEqual({ ok: true, warning: COMPLIANCE_WARNING });
    expect(COMPLIANCE_WARNING).toMatch(/compliance/i);
    expect((await f.stores.clinics.get('clinic-a'))?.enforceTwoStep).toBe(false);
    expect((await auditOf(f)).at(-1)).toMatchObject({
      type: 'policy.enforcement_off',
      actorId: f.owner.id,
      details: { reason: 'moving to SSO next week', warningShown: true },
    });
  });

  it('a non-admin is forbidden (audited as access.denied), and the policy is unchanged', async () => {
    const f = await setup();
    await enrollTotp(f, f.alice);
    expect(await f.twostep.admin.setEnforcement(f.actor(f.alice), true)).toEqual({
      ok: false,
      reason: 'forbidden',
    });
    expect((await f.stores.clinics.get('clinic-a'))?.enforceTwoStep).toBe(false);
    expect((await auditOf(f)).at(-1)).toMatchObject({ type: 'access.denied', actorId: f.alice.id });
  });
});
