import { ACR, maskPhone, normalizePhone } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { auditOf, enrollSms, type Fixture, lastSmsCode, setup } from './fixtures.ts';

/** A six-digit code different from `code`. */
const other = (code: string) => (code === '000000' ? '111111' : '000000');

async function signInCode(f: Fixture, staff = f.alice): Promise<string> {
  const sent = await f.twostep.secondFactor.sendSmsCode(f.actor(staff), staff);
  if (!sent.ok) throw new Error(`send failed: ${sent.reason}`);
  return lastSmsCode(f);
}

describe('normalizePhone', () => {
  it.each([
    ['+44 7400 123456', undefined, '+447400123456'],
    ['(416) 967-1111', 'CA', '+14169671111'],
    ['416.967.1111', 'CA', '+14169671111'],
    ['+1 416 967 1111', 'GB', '+14169671111'],
    ['07400 123456', 'GB', '+447400123456'],
  ])('%s (%s) → %s', (input, country, e164) => {
    expect(normalizePhone(input, country)).toEqual({ ok: true, e164 });
  });

  it.each([
    ['(416) 967-1111', undefined],
    ['(416) 967-1111', 'ca'],
    ['12', 'CA'],
    ['not a phone', 'CA'],
    ['+1 555', undefined],
    ['+44 1', undefined],
    [`+1 416 967 1111${' '.repeat(40)}`, undefined],
    [4169671111, 'CA'],
    [null, 'CA'],
    [{ phone: '+14169671111' }, undefined],
  ])('refuses %j (%s)', (input, country) => {
    expect(normalizePhone(input, country)).toEqual({ ok: false, reason: 'invalid_phone' });
  });

  it('masks all but the last four digits', () => {
    expect(maskPhone('+14169671111')).toBe('•••• 1111');
  });
});

describe('SMS factor', () => {
  it('startSms refuses an invalid number and sends nothing', async () => {
    const f = await setup();
    expect(await f.twostep.enrollment.startSms(f.actor(f.alice), f.alice, '555')).toEqual({
      ok: false,
      reason: 'invalid_phone',
    });
    expect(f.sms.messages).toHaveLength(0);
    expect(await f.stores.factors.list(f.alice.id)).toEqual([]);
  });

  it('startSms reads a national number in the clinic country, else the server phoneCountry; refuses it with neither', async () => {
    const f = await setup();
    expect(await f.twostep.enrollment.startSms(f.actor(f.alice), f.alice, '613-555-0199')).toEqual({
      ok: false,
      reason: 'invalid_phone',
    });
    await f.stores.clinics.update(f.alice.clinicId, { country: 'CA' });
    const sent = await f.twostep.enrollment.startSms(f.actor(f.alice), f.alice, '613-555-0199');
    expect(sent).toMatchObject({ ok: true, e164: '+16135550199' });
    expect(f.sms.messages.at(-1)?.to).toBe('+16135550199');

    const server = await setup({ config: { phoneCountry: 'GB' } });
    expect(
      await server.twostep.enrollment.startSms(server.actor(server.alice), server.alice, '07400 123456'),
    ).toMatchObject({ ok: true, e164: '+447400123456' });
  });

  it('startSms texts a code to the E.164 number; the code is stored only hashed; confirm enrolls', async () => {
    const f = await setup();
    const sent = await f.twostep.enrollment.startSms(f.actor(f.alice), f.alice, '(416) 967-1111', 'CA');
    expect(sent).toEqual({
      ok: true,
      phone: '•••• 1111',
      expiresAt: new Date(f.clock.now().getTime() + 600_000),
      resendAt: new Date(f.clock.now().getTime() + 60_000),
      e164: '+14169671111',
    });
    expect(f.sms.messages).toHaveLength(1);
    expect(f.sms.messages[0]?.to).toBe('+14169671111');
    expect(f.sms.messages[0]?.body).toContain(f.clinicA.name);
    const code = lastSmsCode(f);

    const challenge = await f.stores.smsChallenges.current(f.alice.id, 'enroll');
    expect(challenge).toMatchObject({ phone: '+14169671111', failures: 0, consumedAt: null });
    expect(JSON.stringify(challenge)).not.toContain(code);
    expect(challenge?.codeHash).toMatch(/^[\w-]{43}$/);

    const [pending] = await f.stores.factors.list(f.alice.id);
    expect(pending).toMatchObject({ kind: 'sms', status: 'pending', phone: '+14169671111' });

    const confirmed = await f.twostep.enrollment.confirmSms(f.actor(f.alice), f.alice, code);
    expect(confirmed.ok).toBe(true);
    expect(confirmed.ok && confirmed.recoveryCode).toBeTruthy();
    const [active] = await f.stores.factors.list(f.alice.id);
    expect(active).toMatchObject({ kind: 'sms', status: 'active' });
    expect(await f.twostep.secondFactor.requirement(f.alice)).toEqual({
      kind: 'second_factor',
      methods: ['sms', 'recovery'],
    });
    // The same code cannot be used twice.
    expect(await f.twostep.enrollment.confirmSms(f.actor(f.alice), f.alice, code)).toMatchObject({
      ok: false,
      reason: 'no_code',
    });
    const sentEvent = (await auditOf(f)).find((a) => a.type === 'sms.sent');
    expect(sentEvent?.details).toEqual({ purpose: 'enroll', phone: '•••• 1111' });
  });

  it('a wrong enrollment code leaves the phone pending', async () => {
    const f = await setup();
    await f.twostep.enrollment.startSms(f.actor(f.alice), f.alice, '+44 7400 123456');
    const code = lastSmsCode(f);
    expect(await f.twostep.enrollment.confirmSms(f.actor(f.alice), f.alice, other(code))).toEqual({
      ok: false,
      reason: 'invalid',
    });
    expect((await f.stores.factors.list(f.alice.id))[0]?.status).toBe('pending');
  });

  it('sign-in: sendSmsCode then verify gives 2fa sms claims; the code works once', async () => {
    const f = await setup();
    await enrollSms(f, f.alice);
    const code = await signInCode(f);
    expect(f.sms.messages[0]?.to).toBe('+14169671111');
    expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', code)).toEqual({
      ok: true,
      method: 'sms',
      acr: ACR.twoFactor,
      amr: ['pwd', 'sms', 'mfa'],
      newRecoveryCode: null,
    });
    expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', code)).toMatchObject({
      ok: false,
      reason: 'no_code',
    });
  });

  it('sendSmsCode without an SMS factor → not_enrolled; verify without a code sent → no_code', async () => {
    const f = await setup();
    expect(await f.twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice)).toEqual({
      ok: false,
      reason: 'not_enrolled',
    });
    await enrollSms(f, f.alice);
    expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', '123456')).toMatchObject({
      ok: false,
      reason: 'no_code',
    });
  });

  it('a code expires after 10 minutes', async () => {
    const f = await setup();
    await enrollSms(f, f.alice);
    const code = await signInCode(f);
    f.clock.advance(600_000);
    expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', code)).toMatchObject({
      ok: false,
      reason: 'expired',
    });
  });

  it('a code is still good just before 10 minutes', async () => {
    const f = await setup();
    await enrollSms(f, f.alice);
    const code = await signInCode(f);
    f.clock.advance(599_000);
    expect((await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', code)).ok).toBe(true);
  });

  it('after 5 wrong tries even the right code is refused (too_many_attempts)', async () => {
    const f = await setup();
    await enrollSms(f, f.alice);
    const code = await signInCode(f);
    const reasons: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', other(code));
      reasons.push(r.ok ? 'ok' : r.reason);
    }
    expect(reasons).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'too_many_attempts']);
    expect((await f.stores.smsChallenges.current(f.alice.id, 'sign_in'))?.failures).toBe(5);
    // Wait out the account back-off (5 failures) so the SMS rule itself answers.
    f.clock.advance(31_000);
    expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', code)).toMatchObject({
      ok: false,
      reason: 'too_many_attempts',
    });
  });

  it('resend within 60 s → cooldown with retryAt; nothing sent', async () => {
    const f = await setup();
    await enrollSms(f, f.alice);
    const sentAt = f.clock.now();
    await signInCode(f);
    f.clock.advance(30_000);
    const count = f.sms.messages.length;
    expect(await f.twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice)).toEqual({
      ok: false,
      reason: 'cooldown',
      retryAt: new Date(sentAt.getTime() + 60_000),
    });
    expect(f.sms.messages).toHaveLength(count);
  });

  it('resend after the cooldown invalidates the old code and keeps the failure count', async () => {
    const f = await setup();
    await enrollSms(f, f.alice);
    const oldCode = await signInCode(f);
    for (let i = 0; i < 2; i++) {
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', other(oldCode));
    }
    f.clock.advance(60_000);
    const newCode = await signInCode(f);
    const challenge = await f.stores.smsChallenges.current(f.alice.id, 'sign_in');
    expect(challenge?.failures).toBe(2);
    if (newCode !== oldCode) {
      expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', oldCode)).toMatchObject({
        ok: false,
        reason: 'invalid',
      });
      // Three failures on the count now; two more exhaust the code.
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', other(newCode));
      const fifth = await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', other(newCode));
      expect(fifth).toMatchObject({ ok: false, reason: 'too_many_attempts' });
    } else {
      expect((await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', newCode)).ok).toBe(true);
    }
  });

  it('the new code works after a resend', async () => {
    const f = await setup();
    await enrollSms(f, f.alice);
    await signInCode(f);
    f.clock.advance(60_000);
    const newCode = await signInCode(f);
    expect((await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', newCode)).ok).toBe(true);
  });

  it('per-number daily quota → quota', async () => {
    const f = await setup({ config: { sms: { dailyPerNumber: 3 } } });
    await enrollSms(f, f.alice); // send 1
    await signInCode(f); // send 2
    f.clock.advance(60_000);
    await signInCode(f); // send 3
    f.clock.advance(60_000);
    const count = f.sms.messages.length;
    expect(await f.twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice)).toEqual({
      ok: false,
      reason: 'quota',
    });
    expect(f.sms.messages).toHaveLength(count);
    // The next UTC day the quota starts again.
    f.clock.set(new Date('2026-03-03T00:00:01Z'));
    expect((await f.twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice)).ok).toBe(true);
  });

  it('per-clinic daily quota → quota for everyone in the clinic, not for another clinic', async () => {
    const f = await setup({ config: { sms: { dailyPerClinic: 3 } } });
    await enrollSms(f, f.alice, '+1 416 967 1111'); // 1
    await enrollSms(f, f.bob, '+44 7400 123456'); // 2
    await signInCode(f, f.alice); // 3
    expect(await f.twostep.secondFactor.sendSmsCode(f.actor(f.bob), f.bob)).toEqual({
      ok: false,
      reason: 'quota',
    });
    const carol = await f.twostep.enrollment.startSms(f.actor(f.carol), f.carol, '+44 7400 654321');
    expect(carol.ok).toBe(true);
  });

  it('refusals on a number over its quota do not use up the clinic quota', async () => {
    const f = await setup({ config: { sms: { dailyPerNumber: 2, dailyPerClinic: 5 } } });
    await enrollSms(f, f.alice, '+1 416 967 1111'); // clinic 1
    await signInCode(f, f.alice); // clinic 2
    f.clock.advance(60_000);
    for (let i = 0; i < 20; i++) {
      expect(await f.twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice)).toMatchObject({
        reason: 'quota',
      });
    }
    const bob = await f.twostep.enrollment.startSms(f.actor(f.bob), f.bob, '+44 7400 123456');
    expect(bob.ok).toBe(true);
  });

  it('delivery failure → delivery_failed, logged, not audited as sent', async () => {
    const f = await setup();
    await enrollSms(f, f.alice);
    const before = (await auditOf(f)).length;
    f.sms.send = async () => {
      throw new Error('gateway down');
    };
    expect(await f.twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice)).toEqual({
      ok: false,
      reason: 'delivery_failed',
    });
    expect(f.logs.some((l) => l.level === 'error' && l.message === 'sms delivery failed')).toBe(true);
    expect((await auditOf(f)).length).toBe(before);
  });

  it('50 concurrent verifies of one SMS code → exactly one ok', async () => {
    const f = await setup();
    await enrollSms(f, f.alice);
    const code = await signInCode(f);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', code)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect((await f.twostep.audit.verify('clinic-a')).ok).toBe(true);
  });
});
