import { ACR, parseRecoveryCode } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { auditOf, codeAt, enrollSms, enrollTotp, setup, wrongCode } from './fixtures.ts';

describe('TOTP enrollment', () => {
  it('starts with a ≥160-bit secret, an otpauth URI for the clinic and staff email, an SVG QR code', async () => {
    const f = await setup();
    const e = await f.twostep.enrollment.startTotp(f.alice);
    expect(e.secret).toMatch(/^[A-Z2-7]+$/);
    expect(e.secret.length).toBeGreaterThanOrEqual(32); // 32 base32 chars = 160 bits
    expect(e.groupedSecret).toBe(e.secret.match(/.{1,4}/g)!.join(' '));
    expect(e.groupedSecret.replaceAll(' ', '')).toBe(e.secret);

    const uri = new URL(e.uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe(`/${f.clinicA.name}:${f.alice.email}`);
    expect(uri.searchParams.get('secret')).toBe(e.secret);
    expect(uri.searchParams.get('issuer')).toBe(f.clinicA.name);
    expect(e.qrSvg.startsWith('<svg') || e.qrSvg.includes('<svg')).toBe(true);
    expect(e.qrSvg).toContain('</svg>');

    // Two enrollments never share a secret.
    const again = await f.twostep.enrollment.startTotp(f.alice);
    expect(again.secret).not.toBe(e.secret);
  });

  it('shows the enrollment in progress again (same key and QR), none before a start or after confirming', async () => {
    const f = await setup();
    expect(await f.twostep.enrollment.pendingTotp(f.alice)).toBeNull();
    await f.twostep.enrollment.startTotp(f.alice);
    const e = await f.twostep.enrollment.startTotp(f.alice);
    const again = await f.twostep.enrollment.pendingTotp(f.alice);
    expect(again).toEqual(e);
    const confirmed = await f.twostep.enrollment.confirmTotp(
      f.actor(f.alice),
      f.alice,
      codeAt(e.secret, f.clock),
    );
    expect(confirmed.ok).toBe(true);
    expect(await f.twostep.enrollment.pendingTotp(f.alice)).toBeNull();
  });

  it('stores the secret sealed (no plaintext), bound to the staff member', async () => {
    const f = await setup();
    const e = await f.twostep.enrollment.startTotp(f.alice);
    const [pending] = await f.stores.factors.list(f.alice.id);
    expect(pending?.status).toBe('pending');
    expect(pending?.kind).toBe('totp');
    expect(JSON.stringify(pending)).not.toContain(e.secret);
    expect(JSON.stringify(pending)).not.toContain(e.groupedSecret);
    if (pending?.kind !== 'totp') throw new Error('expected a TOTP factor');
    expect(f.secretBox.open(pending.secret, f.alice.id)).toBe(e.secret);
    expect(() => f.secretBox.open(pending.secret, f.bob.id)).toThrow(
      expect.objectContaining({ code: 'decrypt_failed' }),
    );
    // Still pending: not yet a sign-in method.
    expect(await f.twostep.secondFactor.requirement(f.alice)).toMatchObject({ kind: 'none' });
  });

  it('confirms with a valid code: active, first recovery code issued once, audited, notified', async () => {
    const f = await setup();
    const e = await f.twostep.enrollment.startTotp(f.alice);
    const result = await f.twostep.enrollment.confirmTotp(
      f.actor(f.alice),
      f.alice,
      codeAt(e.secret, f.clock),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.recoveryCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(parseRecoveryCode(result.recoveryCode)).not.toBeNull();

    const [active] = await f.stores.factors.list(f.alice.id);
    expect(active).toMatchObject({ kind: 'totp', status: 'active' });
    expect(active?.confirmedAt).toEqual(f.clock.now());
    expect(await f.twostep.secondFactor.requirement(f.alice)).toEqual({
      kind: 'second_factor',
      methods: ['totp', 'recovery'],
    });
    const types = (await auditOf(f)).map((a) => a.type);
    expect(types).toEqual(['second_factor.succeeded', 'recovery_code.issued', 'factor.enrolled']);
    expect(f.notifier.sent.map((n) => [n.kind, n.to.staffId])).toEqual([['factor_added', f.alice.id]]);

    // A second factor enrolled later gets no new recovery code; the first one still stands.
    const before = await f.stores.recoveryCodes.get(f.alice.id);
    f.clock.advance(30_000);
    const sms = await enrollSms(f, f.alice);
    expect(sms.recoveryCode).toBeNull();
    expect(await f.stores.recoveryCodes.get(f.alice.id)).toEqual(before);
  });

  it('a new app (or phone) in place of an active one is told as replaced, audited with replaced: true', async () => {
    const f = await setup();
    await enrollTotp(f, f.alice);
    await enrollSms(f, f.alice);
    f.clock.advance(30_000);
    await enrollTotp(f, f.alice);
    f.clock.advance(61_000);
    await enrollSms(f, f.alice, '+14165550100');
    // Newest first.
    expect(f.notifier.sent.map((n) => [n.kind, n.params.factor])).toEqual([
      ['factor_replaced', 'text message (SMS)'],
      ['factor_replaced', 'authenticator app'],
      ['factor_added', 'text message (SMS)'],
      ['factor_added', 'authenticator app'],
    ]);
    const enrolled = (await auditOf(f)).filter((e) => e.type === 'factor.enrolled').map((e) => e.details);
    expect(enrolled).toEqual([
      { factor: 'totp' },
      { factor: 'sms' },
      { factor: 'totp', replaced: true },
      { factor: 'sms', replaced: true },
    ]);
  });

  it('a confirmed app is still second in line to an SMS enrolled first: recoveryCode null', async () => {
    const f = await setup();
    const sms = await enrollSms(f, f.bob);
    expect(sms.recoveryCode).not.toBeNull();
    const app = await enrollTotp(f, f.bob);
    expect(app.recoveryCode).toBeNull();
  });

  it('refuses a wrong code and leaves the factor pending', async () => {
    const f = await setup();
    const e = await f.twostep.enrollment.startTotp(f.alice);
    const result = await f.twostep.enrollment.confirmTotp(
      f.actor(f.alice),
      f.alice,
      wrongCode(e.secret, f.clock),
    );
    expect(result).toEqual({ ok: false, reason: 'invalid' });
    const [factor] = await f.stores.factors.list(f.alice.id);
    expect(factor?.status).toBe('pending');
    expect(await f.stores.recoveryCodes.get(f.alice.id)).toBeNull();
    expect((await f.stores.throttles.get(`second-factor:${f.alice.id}`)).failures).toBe(1);
  });

  it('confirming without a pending app → not_enrolled', async () => {
    const f = await setup();
    const result = await f.twostep.enrollment.confirmTotp(f.actor(f.alice), f.alice, '123456');
    expect(result).toEqual({ ok: false, reason: 'not_enrolled' });
  });

  it('verifies later codes with 2fa claims; a code reused in the same step is replayed', async () => {
    const f = await setup();
    const e = await f.twostep.enrollment.startTotp(f.alice);
    const first = codeAt(e.secret, f.clock);
    expect((await f.twostep.enrollment.confirmTotp(f.actor(f.alice), f.alice, first)).ok).toBe(true);
    // The confirming code cannot sign in within its step.
    expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', first)).toEqual({
      ok: false,
      reason: 'replayed',
      retryAt: null,
    });

    f.clock.advance(30_000);
    const code = codeAt(e.secret, f.clock);
    expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', code)).toEqual({
      ok: true,
      method: 'totp',
      acr: ACR.twoFactor,
      amr: ['pwd', 'otp', 'mfa'],
      newRecoveryCode: null,
    });
    expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', code)).toMatchObject({
      ok: false,
      reason: 'replayed',
    });
    // The previous step's code is also refused once a later step was used.
    expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', first)).toMatchObject({
      ok: false,
    });
    // The next step's code is fine.
    f.clock.advance(30_000);
    expect(
      (await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', codeAt(e.secret, f.clock))).ok,
    ).toBe(true);
  });

  it('a replacement app keeps the old one working until it is confirmed', async () => {
    const f = await setup();
    const old = await enrollTotp(f, f.alice);
    const next = await f.twostep.enrollment.startTotp(f.alice);
    expect(
      (await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', codeAt(old.secret, f.clock)))
        .ok,
    ).toBe(true);
    f.clock.advance(30_000);
    expect(
      (await f.twostep.enrollment.confirmTotp(f.actor(f.alice), f.alice, codeAt(next.secret, f.clock))).ok,
    ).toBe(true);
    f.clock.advance(30_000);
    expect(
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', codeAt(old.secret, f.clock)),
    ).toMatchObject({ ok: false });
    f.clock.advance(30_000);
    expect(
      (await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', codeAt(next.secret, f.clock)))
        .ok,
    ).toBe(true);
    expect((await f.stores.factors.list(f.alice.id)).filter((x) => x.kind === 'totp')).toHaveLength(1);
  });

  it('50 concurrent verifies of one TOTP code → exactly one ok, the rest replayed or held at the gate', async () => {
    const f = await setup();
    const { secret } = await enrollTotp(f, f.alice);
    const code = codeAt(secret, f.clock);
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', code),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    // The throttle gate lets 5 attempts in at once (the free failures, taken in advance); the
    // others are held there unchecked. Neither kind is counted as a guess.
    const replayed = results.filter((r) => !r.ok && r.reason === 'replayed').length;
    expect(replayed).toBe(4);
    expect(results.filter((r) => !r.ok && r.reason === 'throttled')).toHaveLength(45);
    expect((await f.stores.throttles.get('second-factor:staff-alice-a')).failures).toBe(0);
    expect((await f.twostep.audit.verify('clinic-a')).ok).toBe(true);
  });

  it('50 concurrent confirmations of one enrollment → exactly one ok, one recovery code', async () => {
    const f = await setup();
    const e = await f.twostep.enrollment.startTotp(f.alice);
    const code = codeAt(e.secret, f.clock);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => f.twostep.enrollment.confirmTotp(f.actor(f.alice), f.alice, code)),
    );
    const ok = results.filter((r) => r.ok);
    expect(ok).toHaveLength(1);
    expect(ok[0]?.ok && ok[0].recoveryCode).toBeTruthy();
    expect((await auditOf(f)).filter((a) => a.type === 'recovery_code.issued')).toHaveLength(1);
  });
});
