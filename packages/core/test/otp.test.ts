import { hotp, type OtpAlgorithm, TOTP, totp, verifyTotp } from '@twostep/core';
import { describe, expect, it } from 'vitest';

const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'ascii'));

describe('HOTP (RFC 4226 Appendix D)', () => {
  const secret = ascii('12345678901234567890');
  const expected = [
    '755224',
    '287082',
    '359152',
    '969429',
    '338314',
    '254676',
    '287922',
    '162583',
    '399871',
    '520489',
  ];
  it.each(expected.map((code, counter) => [counter, code] as const))('counter %i → %s', (counter, code) => {
    expect(hotp(secret, counter, { algorithm: 'sha1', digits: 6 })).toBe(code);
  });
});

describe('TOTP (RFC 6238 Appendix B)', () => {
  const seeds: Record<OtpAlgorithm, Uint8Array> = {
    sha1: ascii('12345678901234567890'),
    sha256: ascii('12345678901234567890123456789012'),
    sha512: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
  };
  const vectors: [number, Record<OtpAlgorithm, string>][] = [
    [59, { sha1: '94287082', sha256: '46119246', sha512: '90693936' }],
    [1111111109, { sha1: '07081804', sha256: '68084774', sha512: '25091201' }],
    [1111111111, { sha1: '14050471', sha256: '67062674', sha512: '99943326' }],
    [1234567890, { sha1: '89005924', sha256: '91819424', sha512: '93441116' }],
    [2000000000, { sha1: '69279037', sha256: '90698825', sha512: '38618901' }],
    [20000000000, { sha1: '65353130', sha256: '77737706', sha512: '47863826' }],
  ];
  const rows = vectors.flatMap(([time, codes]) =>
    (['sha1', 'sha256', 'sha512'] as const).map((algorithm) => [algorithm, time, codes[algorithm]] as const),
  );
  it.each(rows)('%s at T=%i → %s', (algorithm, time, code) => {
    expect(seeds[algorithm].length).toBe({ sha1: 20, sha256: 32, sha512: 64 }[algorithm]);
    expect(totp(seeds[algorithm], time, { algorithm, digits: 8, period: 30 })).toBe(code);
  });
});

describe('verifyTotp', () => {
  // Base32 of "12345678901234567890".
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  const now = 1_700_000_015; // 15 s into its step
  const step = Math.floor(now / 30);
  const codeAt = (steps: number) => totp(secret, now + steps * 30, TOTP);
  const verify = (code: string, afterStep: number | null = null, at = now) =>
    verifyTotp(secret, code, at, { ...TOTP, window: 1, afterStep });

  it('the base32 secret and the raw bytes give the same code', () => {
    expect(totp(ascii('12345678901234567890'), now, TOTP)).toBe(codeAt(0));
  });

  it('accepts the current step and ±1 step, reporting the matching step', () => {
    expect(verify(codeAt(0))).toEqual({ valid: true, step });
    expect(verify(codeAt(-1))).toEqual({ valid: true, step: step - 1 });
    expect(verify(codeAt(1))).toEqual({ valid: true, step: step + 1 });
  });

  it('accepts ±1 step at both edges of the current step', () => {
    const start = step * 30;
    const end = step * 30 + 29;
    expect(verify(codeAt(-1), null, start)).toEqual({ valid: true, step: step - 1 });
    expect(verify(codeAt(1), null, end)).toEqual({ valid: true, step: step + 1 });
    expect(verify(codeAt(-2), null, start)).toEqual({ valid: false });
    expect(verify(codeAt(2), null, end)).toEqual({ valid: false });
  });

  it('refuses ±2 steps', () => {
    // A code may coincide across steps by chance; make sure these do not.
    expect(new Set([-2, -1, 0, 1, 2].map(codeAt)).size).toBe(5);
    expect(verify(codeAt(-2))).toEqual({ valid: false });
    expect(verify(codeAt(2))).toEqual({ valid: false });
  });

  it('window 0 accepts only the current step', () => {
    expect(verifyTotp(secret, codeAt(0), now, { ...TOTP, window: 0, afterStep: null }).valid).toBe(true);
    expect(verifyTotp(secret, codeAt(1), now, { ...TOTP, window: 0, afterStep: null }).valid).toBe(false);
  });

  it('afterStep refuses the used step and earlier ones, accepts later ones', () => {
    expect(verify(codeAt(0), step)).toEqual({ valid: false });
    expect(verify(codeAt(-1), step)).toEqual({ valid: false });
    expect(verify(codeAt(1), step)).toEqual({ valid: true, step: step + 1 });
    expect(verify(codeAt(0), step - 1)).toEqual({ valid: true, step });
  });

  it('refuses a wrong code', () => {
    const valid = new Set([-1, 0, 1].map(codeAt));
    const wrong = ['000000', '111111', '999999'].find((c) => !valid.has(c))!;
    expect(verify(wrong)).toEqual({ valid: false });
  });
});
