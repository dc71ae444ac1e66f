/**
 * Property-based tests (fast-check) of every parser: core `parseSixDigitCode`,
 * `parseRecoveryCode`, `normalizePhone`, the trusted-device token check,
 * `fromJsonLines` (+ `verifyAuditChain`), and express-mfa `safeReturnTo`.
 * Each runs on arbitrary values (never throws, never returns something of the
 * wrong shape) and on generated valid inputs (accepted, normalised).
 */
import {
  createMemoryStores,
  formatRecoveryCode,
  fromJsonLines,
  isTwostepError,
  normalizePhone,
  parseRecoveryCode,
  parseSixDigitCode,
  toJsonLines,
  verifyAuditChain,
} from '@twostep/core';
import { safeReturnTo } from '@twostep/express-mfa';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coreFixture, snapshot } from './fixtures.ts';

const RUNS = { numRuns: 200 };
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Strings an attacker would try, mixed with arbitrary ones. */
const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom(
    '١٢٣٤٥٦', // Arabic-Indic digits
    '１２３４５６', // full-width digits
    '𝟏𝟐𝟑𝟒𝟓𝟔', // mathematical digits
    '123\u0000456',
    '123456\u0000',
    '12345６',
    '{"$gt":""}',
    '__proto__',
    '%C3%28',
    '0x1E240',
    '1e5',
    ' 123456 ',
    '123-456',
    '123 456',
    '12\t34\n56',
    'x'.repeat(100_000),
  ),
);
const anyValue = fc.oneof(hostile, fc.anything());

describe('parseSixDigitCode', () => {
  it('returns null or exactly six ASCII digits, for anything', () => {
    fc.assert(
      fc.property(anyValue, (input) => {
        const out = parseSixDigitCode(input);
        expect(out === null || /^[0-9]{6}$/.test(out)).toBe(true);
        // Only ASCII digits ever come through: a result is made of the input's own ASCII digits.
        if (out !== null) expect(String(input).replace(/[^0-9]/g, '')).toBe(out);
      }),
      RUNS,
    );
  });

  it('accepts six ASCII digits with spaces and dashes as separators', () => {
    const sep = fc.constantFrom('', ' ', '-', '  ', ' - ');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 6, maxLength: 6 }), sep, (d, s) => {
        const code = d.join('');
        expect(parseSixDigitCode(`${code.slice(0, 3)}${s}${code.slice(3)}`)).toBe(code);
      }),
      RUNS,
    );
  });

  it('refuses non-ASCII digits of every script', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0x0660, 0x06f0, 0x0966, 0xff10, 0x1d7ce, 0x09e6),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 6, maxLength: 6 }),
        (zero, d) => {
          expect(parseSixDigitCode(d.map((n) => String.fromCodePoint(zero + n)).join(''))).toBeNull();
        },
      ),
      RUNS,
    );
  });
});

describe('parseRecoveryCode', () => {
  it('returns null or 16 symbols of the recovery alphabet, for anything', () => {
    fc.assert(
      fc.property(anyValue, (input) => {
        const out = parseRecoveryCode(input);
        expect(out === null || (out.length === 16 && [...out].every((c) => ALPHABET.includes(c)))).toBe(true);
      }),
      RUNS,
    );
  });

  it('round-trips a formatted code, in any case, and reads I/L as 1 and O as 0', () => {
    const code = fc
      .array(fc.constantFrom(...ALPHABET), { minLength: 16, maxLength: 16 })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(code, fc.boolean(), (c, lower) => {
        const shown = formatRecoveryCode(c);
        expect(parseRecoveryCode(lower ? shown.toLowerCase() : shown)).toBe(c);
        expect(parseRecoveryCode(c.replace(/1/g, 'l').replace(/0/g, 'O'))).toBe(c);
      }),
      RUNS,
    );
  });
});

describe('normalizePhone', () => {
  it('never throws; a result is E.164 and normalising it again gives itself', () => {
    fc.assert(
      fc.property(
        anyValue,
        fc.oneof(fc.constant(undefined), fc.string(), fc.constantFrom('CA', 'US', 'FR', 'ca', 'XX')),
        (input, country) => {
          const out = normalizePhone(input, country);
          if (out.ok) {
            expect(out.e164).toMatch(/^\+[1-9][0-9]{6,14}$/);
            expect(normalizePhone(out.e164)).toEqual(out);
          } else {
            expect(out).toEqual({ ok: false, reason: 'invalid_phone' });
          }
        },
      ),
      RUNS,
    );
  });

  it('accepts North-American numbers however they are typed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.constantFrom('(416) 555-', '416-555-', '416 555 ', '+1 416 555 '),
        (n, prefix) => {
          const line = String(n).padStart(4, '0');
          expect(normalizePhone(`${prefix}${line}`, 'CA')).toEqual({ ok: true, e164: `+1416555${line}` });
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('trusted-device token check', () => {
  it('random and hostile tokens find nothing, change nothing, never throw; a real token works', async () => {
    const f = await coreFixture(createMemoryStores());
    const trusted = await f.twostep.devices.trust(f.actor(f.alice), f.alice, 'Mozilla/5.0 Firefox/120.0');
    if (!trusted.ok) throw new Error('trust failed');
    f.clock.advance(60_000);
    const before = await snapshot(f, f.alice);
    const [id, secret] = trusted.token.split('.') as [string, string];
    const mutated = fc
      .tuple(fc.nat({ max: secret.length - 1 }), fc.constantFrom(...'ABCxyz019-_'))
      .map(([i, c]) => `${id}.${secret.slice(0, i)}${c}${secret.slice(i + 1)}`)
      .filter((t) => t !== trusted.token);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyValue,
          mutated,
          fc.string().map((s) => `${id}.${s}`),
          fc.constant(`${id}.${secret}x`),
        ),
        async (token) => {
          expect(await f.twostep.devices.check(token, f.alice.id)).toBeNull();
          // Somebody else's staff id with the real token: nothing either.
          if (token === trusted.token) return;
        },
      ),
      RUNS,
    );
    expect(await f.twostep.devices.check(trusted.token, f.bob.id)).toBeNull();
    expect(await snapshot(f, f.alice)).toEqual(before);
    expect(await f.twostep.devices.check(trusted.token, f.alice.id)).toMatchObject({ id });
  });
});

describe('fromJsonLines and verifyAuditChain', () => {
  it('arbitrary text: events, or invalid_input naming a line; the verifier then never throws', () => {
    const line = fc.oneof(
      fc.string(),
      fc.json(),
      fc.constantFrom(
        '{"__proto__":{"polluted":1},"at":"2026-01-01T00:00:00Z","details":{}}',
        '{"at":"x","details":{}}',
        'null',
        '[]',
        '1',
      ),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
        let events: ReturnType<typeof fromJsonLines>;
        try {
          events = fromJsonLines(lines.join('\n'));
        } catch (error) {
          expect(isTwostepError(error) && error.code === 'invalid_input').toBe(true);
          expect(String((error as Error).message)).toMatch(/line \d+/);
          return;
        }
        const check = verifyAuditChain(events);
        expect(typeof check.ok).toBe('boolean');
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('regression: a JSON line that is not an event is refused as invalid_input (the verifier used to throw a TypeError)', () => {
    for (const text of [
      '1',
      'null',
      '"x"',
      '[]',
      '{}',
      '{"at":"nope","details":{}}',
      '{"at":"2026-01-01T00:00:00Z"}',
    ]) {
      expect(() => fromJsonLines(text), text).toThrow(/not an audit event/);
    }
  });

  it('a real export round-trips, and any one-character edit of it is caught', async () => {
    const f = await coreFixture(createMemoryStores());
    for (let i = 0; i < 4; i++) {
      await f.twostep.audit.record(f.actor(f.owner), {
        clinicId: f.clinic.id,
        type: 'policy.enforcement_on',
      });
    }
    const text = await f.twostep.audit.exportJsonLines(f.clinic.id);
    expect(verifyAuditChain(fromJsonLines(text))).toEqual({ ok: true, count: 4 });
    expect(toJsonLines(fromJsonLines(text))).toBe(text);
    fc.assert(
      fc.property(fc.nat({ max: text.length - 1 }), fc.constantFrom('0', 'a', 'Z', '"', '}', ' '), (i, c) => {
        if (text[i] === c || text[i] === '\n') return;
        const edited = `${text.slice(0, i)}${c}${text.slice(i + 1)}`;
        let ok: boolean;
        try {
          ok = verifyAuditChain(fromJsonLines(edited)).ok;
        } catch (error) {
          expect(isTwostepError(error)).toBe(true);
          return;
        }
        // The chain covers every field an event has: when it still verifies, what it covers is
        // unchanged (the edit hit JSON syntax, or renamed a key whose value was null, which reads
        // back as null: the hash does not cover unknown extra keys).
        if (ok) expect(fromJsonLines(edited).map(covered)).toEqual(fromJsonLines(text).map(covered));
      }),
      RUNS,
    );
  });
});

/** The fields the audit hash covers, as the verifier reads them. */
const covered = (e: ReturnType<typeof fromJsonLines>[number]) => [
  e.id,
  e.clinicId,
  e.seq,
  e.type,
  e.actorId ?? null,
  e.targetId ?? null,
  e.at.toISOString(),
  e.ip ?? null,
  e.userAgent ?? null,
  e.details,
  e.prevHash,
  e.hash,
];

describe('safeReturnTo', () => {
  it('returns undefined or a same-origin path that stays on the origin after browser parsing', () => {
    const tricky = fc.constantFrom(
      '//evil.example',
      '/\\evil.example',
      '/%2F%2Fevil.example',
      '/\t/evil.example',
      'https://evil.example',
      'javascript:alert(1)',
      '/ok?next=//evil',
      '/ok#//evil',
      '/..//evil',
      '/./\\evil',
      '\u0000/x',
      '/x\u2028y',
    );
    fc.assert(
      fc.property(fc.oneof(anyValue, tricky, fc.webPath(), fc.webUrl()), (input) => {
        const out = safeReturnTo(input);
        if (out === undefined) return;
        expect(out.startsWith('/')).toBe(true);
        expect(out.startsWith('//')).toBe(false);
        expect(out.includes('\\')).toBe(false);
        expect([...out].some((c) => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f)).toBe(false);
        const base = 'https://app.clinic.test';
        expect(new URL(out, base).origin).toBe(base);
      }),
      RUNS,
    );
  });
});
