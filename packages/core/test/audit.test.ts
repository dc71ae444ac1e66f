import {
  type AuditEvent,
  createAuditLog,
  createMemoryStores,
  fromJsonLines,
  hashAuditEvent,
  manualClock,
  systemRandom,
  toJsonLines,
  TwostepError,
  verifyAuditChain,
} from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { auditOf, enrollSms, enrollTotp, type Fixture, lastSmsCode, setup, wrongCode } from './fixtures.ts';

/** A little of everything, in both clinics. */
async function busyDay(f: Fixture) {
  const { secret, recoveryCode } = await enrollTotp(f, f.alice);
  await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', wrongCode(secret, f.clock));
  await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'recovery', recoveryCode);
  await enrollSms(f, f.bob);
  await f.twostep.secondFactor.sendSmsCode(f.actor(f.bob), f.bob);
  await f.twostep.secondFactor.verify(f.actor(f.bob), f.bob, 'sms', lastSmsCode(f));
  await f.twostep.devices.trust(f.actor(f.alice), f.alice, 'Mozilla/5.0 Chrome/120.0');
  await f.twostep.devices.trust(f.actor(f.bob), f.bob, 'Mozilla/5.0 Chrome/120.0');
  await enrollTotp(f, f.owner);
  await f.twostep.admin.setEnforcement(f.actor(f.owner), true);
  await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason: 'phone lost' });
  await f.twostep.admin.resume(f.actor(f.owner), f.alice.id);
  await f.twostep.admin.reset(f.actor(f.owner), f.bob.id, { reason: 'new phone' });
  await f.twostep.admin.pause(f.actor(f.bob), f.alice.id, { reason: 'nope' });
  await enrollTotp(f, f.carol);
  await f.twostep.admin.pause(f.actor(f.ownerB), f.carol.id, { reason: 'holiday' });
  return { secret };
}

describe('audit log', () => {
  it('every action writes an event with actor, target, clinic, time, ip and user agent', async () => {
    const f = await setup();
    await busyDay(f);
    const events = await auditOf(f);
    const types = new Set(events.map((e) => e.type));
    for (const t of [
      'factor.enrolled',
      'recovery_code.issued',
      'recovery_code.used',
      'second_factor.succeeded',
      'second_factor.failed',
      'sms.sent',
      'device.trusted',
      'device.revoked',
      'policy.enforcement_on',
      'two_step.paused',
      'two_step.resumed',
      'two_step.reset',
      'access.denied',
    ] as const) {
      expect(types, t).toContain(t);
    }
    for (const e of events) {
      expect(e.clinicId).toBe('clinic-a');
      expect(e.ip).toBe('203.0.113.7');
      expect(e.userAgent).toBe('vitest/agent');
      expect(e.at).toBeInstanceOf(Date);
      expect(typeof e.actorId).toBe('string');
    }
    const reset = events.find((e) => e.type === 'two_step.reset');
    expect(reset).toMatchObject({ actorId: f.owner.id, targetId: f.bob.id });
    expect(reset!.at.getTime()).toBeLessThan(f.clock.now().getTime());
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    // No secrets in the log: no SMS code, no recovery code, no phone number in full.
    expect(JSON.stringify(events)).not.toContain('+14169671111');
  });

  it('the chain verifies, also after a JSON Lines export and import', async () => {
    const f = await setup();
    await busyDay(f);
    expect(await f.twostep.audit.verify('clinic-a')).toEqual({ ok: true, count: (await auditOf(f)).length });
    const text = await f.twostep.audit.exportJsonLines('clinic-a');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength((await auditOf(f)).length);
    const back = fromJsonLines(text);
    expect(back).toEqual(await auditOf(f));
    expect(verifyAuditChain(back)).toEqual({ ok: true, count: lines.length });
    expect(toJsonLines(back)).toBe(text);
  });

  it.each([
    ['actorId', (e: Record<string, unknown>) => ({ ...e, actorId: 'staff-mallory' })],
    ['targetId', (e: Record<string, unknown>) => ({ ...e, targetId: 'staff-someone-else' })],
    ['type', (e: Record<string, unknown>) => ({ ...e, type: 'sign_in.succeeded' })],
    ['at', (e: Record<string, unknown>) => ({ ...e, at: '2020-01-01T00:00:00.000Z' })],
    ['ip', (e: Record<string, unknown>) => ({ ...e, ip: '198.51.100.1' })],
    ['userAgent', (e: Record<string, unknown>) => ({ ...e, userAgent: 'curl' })],
    [
      'details',
      (e: Record<string, unknown>) => ({ ...e, details: { ...(e.details as object), reason: 'edited' } }),
    ],
    ['clinicId', (e: Record<string, unknown>) => ({ ...e, clinicId: 'clinic-b' })],
    [
      'hash',
      (e: Record<string, unknown>) => ({
        ...e,
        hash: `${String(e.hash).slice(0, -1)}${String(e.hash).endsWith('A') ? 'B' : 'A'}`,
      }),
    ],
  ])('editing %s of one exported line breaks the chain at that seq', async (_field, edit) => {
    const f = await setup();
    await busyDay(f);
    const lines = (await f.twostep.audit.exportJsonLines('clinic-a')).trimEnd().split('\n');
    const index = 7;
    const original = JSON.parse(lines[index]!) as Record<string, unknown>;
    const edited = edit(original);
    expect(edited).not.toEqual(original);
    lines[index] = JSON.stringify(edited);
    const check = verifyAuditChain(fromJsonLines(lines.join('\n')));
    expect(check).toMatchObject({ ok: false, brokenAtSeq: index + 1, count: index });
  });

  it('a deleted or reordered line breaks the chain', async () => {
    const f = await setup();
    await busyDay(f);
    const events = await auditOf(f);
    expect(verifyAuditChain([...events.slice(0, 4), ...events.slice(5)])).toMatchObject({
      ok: false,
      brokenAtSeq: 6,
    });
    const swapped = [...events];
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!];
    expect(verifyAuditChain(swapped)).toMatchObject({ ok: false, brokenAtSeq: 4 });
    // A forged first event with a prevHash is refused.
    const first = { ...events[0]!, prevHash: 'x' };
    expect(verifyAuditChain([{ ...first, hash: hashAuditEvent(first) }])).toMatchObject({
      ok: false,
      brokenAtSeq: 1,
    });
  });

  it('fromJsonLines names the bad line', () => {
    expect(() => fromJsonLines('{"seq":1}\nnot json\n')).toThrow(/line 2/);
    expect(() => fromJsonLines('not json')).toThrow(TwostepError);
  });

  it('clinics chain independently', async () => {
    const f = await setup();
    await busyDay(f);
    const a = await auditOf(f, 'clinic-a');
    const b = await auditOf(f, 'clinic-b');
    expect(b.length).toBeGreaterThan(2);
    expect(a[0]?.prevHash).toBe('');
    expect(b[0]?.prevHash).toBe('');
    expect(b.map((e) => e.seq)).toEqual(b.map((_, i) => i + 1));
    expect(b.every((e) => e.clinicId === 'clinic-b')).toBe(true);
    expect(verifyAuditChain(a).ok).toBe(true);
    expect(verifyAuditChain(b).ok).toBe(true);
    // Interleaving them is not one chain.
    expect(verifyAuditChain([...a, ...b]).ok).toBe(false);
  });

  it('100 concurrent records to one clinic all land, in one unbroken chain', async () => {
    const clock = manualClock(new Date('2026-03-02T09:00:00Z'));
    const stores = createMemoryStores();
    const log = createAuditLog({ store: stores.audit, clock, random: systemRandom });
    const written: AuditEvent[] = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        log.record({ actorId: `s${i}` }, { clinicId: 'c', type: 'sign_in.succeeded', targetId: `s${i}` }),
      ),
    );
    expect(new Set(written.map((e) => e.seq)).size).toBe(100);
    expect(await log.verify('c')).toEqual({ ok: true, count: 100 });
  });
});
