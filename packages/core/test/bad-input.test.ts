import { type CodeMethod, parseSixDigitCode } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { enrollSms, enrollTotp, setup, snapshot } from './fixtures.ts';

const MALFORMED: [string, unknown][] = [
  ['letters', 'abcdef'],
  ['mixed', '12a456'],
  ['5 digits', '12345'],
  ['7 digits', '1234567'],
  ['empty', ''],
  ['spaces only', '      '],
  ['10 KB string', '1'.repeat(10_240)],
  ['10 KB of a valid-looking code', '123456'.repeat(1_707)],
  ['Arabic-Indic digits', '١٢٣٤٥٦'],
  ['fullwidth digits', '１２３４５６'],
  ['Devanagari digits', '१२३४५६'],
  ['null byte', '12345\0'],
  ['null byte after six digits', '123456\0'],
  ['sign', '+12345'],
  ['decimal', '1234.5'],
  ['operator object', { $gt: '' }],
  ['array', ['123456']],
  ['null', null],
  ['undefined', undefined],
  ['number', 123456],
  ['boolean', true],
];

describe('malformed codes', () => {
  it.each(MALFORMED)('parseSixDigitCode refuses %s', (_name, input) => {
    expect(parseSixDigitCode(input)).toBeNull();
  });

  it('parseSixDigitCode accepts separators people type', () => {
    expect(parseSixDigitCode('123456')).toBe('123456');
    expect(parseSixDigitCode('123 456')).toBe('123456');
    expect(parseSixDigitCode(' 123-456 ')).toBe('123456');
  });

  for (const method of ['totp', 'sms', 'recovery'] as CodeMethod[]) {
    it(`verify(${method}): malformed → 'malformed', no failure counted, no state change`, async () => {
      const f = await setup();
      await enrollTotp(f, f.alice);
      await enrollSms(f, f.alice);
      await f.twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice);
      const before = await snapshot(f, f.alice);
      const inputs =
        method === 'recovery' ? [...MALFORMED, ['short', 'ABCD-EFGH'] as [string, unknown]] : MALFORMED;
      for (const [name, input] of inputs) {
        const result = await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, method, input);
        expect(result, name).toEqual({ ok: false, reason: 'malformed', retryAt: null });
      }
      expect(await snapshot(f, f.alice)).toEqual(before);
    });
  }

  it('enrollment confirmations: malformed → malformed, nothing changes', async () => {
    const f = await setup();
    await f.twostep.enrollment.startTotp(f.alice);
    await f.twostep.enrollment.startSms(f.actor(f.alice), f.alice, '+44 7400 123456');
    const before = await snapshot(f, f.alice);
    for (const [name, input] of MALFORMED) {
      expect(await f.twostep.enrollment.confirmTotp(f.actor(f.alice), f.alice, input), name).toEqual({
        ok: false,
        reason: 'malformed',
      });
      expect(await f.twostep.enrollment.confirmSms(f.actor(f.alice), f.alice, input), name).toEqual({
        ok: false,
        reason: 'malformed',
      });
    }
    expect(await snapshot(f, f.alice)).toEqual(before);
  });

  it('1000 malformed attempts never start a back-off', async () => {
    const f = await setup();
    const { secret } = await enrollTotp(f, f.alice);
    for (let i = 0; i < 1000; i++)
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', 'x');
    expect(await f.twostep.secondFactor.requirement(f.alice)).toMatchObject({ kind: 'second_factor' });
    expect(secret).toBeTruthy();
  });

  it('device tokens and phone numbers of the wrong type are refused without throwing', async () => {
    const f = await setup();
    await enrollTotp(f, f.alice);
    for (const [, input] of MALFORMED) {
      expect(await f.twostep.devices.check(input, f.alice.id)).toBeNull();
      expect(await f.twostep.secondFactor.requirement(f.alice, { deviceToken: input })).toMatchObject({
        kind: 'second_factor',
      });
    }
    const before = await snapshot(f, f.bob);
    for (const [, input] of MALFORMED) {
      expect(await f.twostep.enrollment.startSms(f.actor(f.bob), f.bob, input)).toEqual({
        ok: false,
        reason: 'invalid_phone',
      });
    }
    expect(await snapshot(f, f.bob)).toEqual(before);
  });
});

describe('unknown and inactive staff in admin actions', () => {
  it('unknown target → not_found; inactive or unknown actor → forbidden; nothing written', async () => {
    const f = await setup();
    const before = await snapshot(f, f.alice);
    expect(await f.twostep.admin.pause(f.actor(f.owner), 'staff-ghost', { reason: 'x' })).toEqual({
      ok: false,
      reason: 'not_found',
    });
    expect(await f.twostep.admin.reset(f.actor(f.owner), 'a'.repeat(10_000), { reason: 'x' })).toEqual({
      ok: false,
      reason: 'not_found',
    });
    expect(await f.twostep.admin.unlock({ actorId: null }, f.alice.id)).toEqual({
      ok: false,
      reason: 'forbidden',
    });
    expect(await f.twostep.admin.unlock({ actorId: 'a'.repeat(200) }, f.alice.id)).toEqual({
      ok: false,
      reason: 'forbidden',
    });
    await f.stores.staff.update(f.owner.id, { active: false });
    expect(await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason: 'x' })).toEqual({
      ok: false,
      reason: 'forbidden',
    });
    expect(await f.twostep.admin.setEnforcement(f.actor(f.owner), false, { reason: 'x' })).toEqual({
      ok: false,
      reason: 'forbidden',
    });
    expect(await snapshot(f, f.alice)).toEqual(before);
    expect((await f.stores.clinics.get('clinic-a'))?.enforceTwoStep).toBe(false);
  });
});
