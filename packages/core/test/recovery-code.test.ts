import { createHmac } from 'node:crypto';
import { ACR, formatRecoveryCode, hmacSha256, parseRecoveryCode } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { auditOf, enrollTotp, setup } from './fixtures.ts';

/**
 * The stored hash of a recovery code, computed here with node:crypto rather than core's
 * `hmacSha256`: HMAC-SHA256 keyed by the record's salt (its base64url text) over the code
 * without dashes, base64url.
 */
const expectedHash = (salt: string, code: string) =>
  createHmac('sha256', Buffer.from(salt, 'utf8'))
    .update(code.replaceAll('-', ''), 'utf8')
    .digest('base64url');

const CROCKFORD = /^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}(-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}){3}$/;

describe('recovery code', () => {
  it("core's hmacSha256 gives RFC 4231 test case 2 (as base64url)", () => {
    const hex = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    expect(hmacSha256('Jefe', 'what do ya want for nothing?')).toBe(
      Buffer.from(hex, 'hex').toString('base64url'),
    );
  });

  it('is 16 Crockford base32 characters in groups of four (80 bits), different every time', async () => {
    const f = await setup();
    const { recoveryCode } = await enrollTotp(f, f.alice);
    expect(recoveryCode).toMatch(CROCKFORD);
    expect(recoveryCode!.replaceAll('-', '')).toHaveLength(16); // 16 × 5 bits = 80 bits
    const codes = new Set<string>([recoveryCode!]);
    for (let i = 0; i < 20; i++)
      codes.add(await f.twostep.enrollment.regenerateRecoveryCode(f.actor(f.alice), f.alice));
    expect(codes.size).toBe(21);
    for (const c of codes) expect(c).toMatch(CROCKFORD);
  });

  it('is stored as a salted hash, never in plaintext', async () => {
    const f = await setup();
    const { recoveryCode } = await enrollTotp(f, f.alice);
    const { recoveryCode: bobCode } = await enrollTotp(f, f.bob);
    const record = await f.stores.recoveryCodes.get(f.alice.id);
    const compact = recoveryCode!.replaceAll('-', '');
    expect(record).not.toBeNull();
    expect(JSON.stringify(record)).not.toContain(compact);
    expect(JSON.stringify(record)).not.toContain(recoveryCode!);
    expect(record!.salt.length).toBeGreaterThanOrEqual(22); // ≥ 16 bytes base64url
    expect(record!.hash).toBe(expectedHash(record!.salt, compact));
    // Salted: the same code under another salt hashes differently.
    const bob = await f.stores.recoveryCodes.get(f.bob.id);
    expect(bob!.salt).not.toBe(record!.salt);
    expect(expectedHash(bob!.salt, compact)).not.toBe(record!.hash);
    expect(bobCode).not.toBe(recoveryCode);
  });

  it('using it signs in with recovery claims, returns a new code, and the old one stops working', async () => {
    const f = await setup();
    const { recoveryCode } = await enrollTotp(f, f.alice);
    const result = await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'recovery', recoveryCode);
    expect(result).toMatchObject({
      ok: true,
      method: 'recovery',
      acr: ACR.twoFactor,
      amr: ['pwd', 'recovery', 'mfa'],
    });
    if (!result.ok) return;
    expect(result.newRecoveryCode).toMatch(CROCKFORD);
    expect(result.newRecoveryCode).not.toBe(recoveryCode);

    expect(
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'recovery', recoveryCode),
    ).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
    const next = await f.twostep.secondFactor.verify(
      f.actor(f.alice),
      f.alice,
      'recovery',
      result.newRecoveryCode,
    );
    expect(next.ok).toBe(true);

    const types = (await auditOf(f)).map((a) => a.type);
    expect(types.filter((t) => t === 'recovery_code.used')).toHaveLength(2);
    expect(
      f.notifier.sent.filter((n) => n.kind === 'recovery_code_used' && n.to.staffId === f.alice.id),
    ).toHaveLength(2);
  });

  it('accepts lower case, spaces, no separators, and Crockford look-alikes (I/L→1, O→0)', async () => {
    const f = await setup();
    let { recoveryCode } = await enrollTotp(f, f.alice);
    const variants = [
      (c: string) => c.toLowerCase(),
      (c: string) => c.replaceAll('-', ' '),
      (c: string) => ` ${c.replaceAll('-', '')} `,
      (c: string) => c.replaceAll('1', 'l').replaceAll('0', 'O'),
    ];
    for (const variant of variants) {
      const result = await f.twostep.secondFactor.verify(
        f.actor(f.alice),
        f.alice,
        'recovery',
        variant(recoveryCode!),
      );
      expect(result.ok).toBe(true);
      recoveryCode = result.ok ? result.newRecoveryCode : null;
    }
  });

  it('parse/format helpers', () => {
    expect(parseRecoveryCode('abcd-efgh-jkmn-pqrs')).toBe('ABCDEFGHJKMNPQRS');
    expect(parseRecoveryCode('ABCD EFGH JKMN PQRU')).toBeNull(); // U is not in the alphabet
    expect(parseRecoveryCode('ABCD-EFGH-JKMN-PQR')).toBeNull();
    expect(formatRecoveryCode('ABCDEFGHJKMNPQRS')).toBe('ABCD-EFGH-JKMN-PQRS');
  });

  it('a staff member with no recovery code → not_enrolled', async () => {
    const f = await setup();
    expect(
      await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'recovery', 'ABCD-EFGH-JKMN-PQRS'),
    ).toMatchObject({ ok: false, reason: 'not_enrolled' });
  });

  it("another staff member's code does not work", async () => {
    const f = await setup();
    await enrollTotp(f, f.alice);
    const { recoveryCode: bobCode } = await enrollTotp(f, f.bob);
    expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'recovery', bobCode)).toMatchObject(
      {
        ok: false,
        reason: 'invalid',
      },
    );
  });

  it('50 concurrent uses of one code → exactly one ok; the survivor is the code it returned', async () => {
    const f = await setup();
    const { recoveryCode } = await enrollTotp(f, f.alice);
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'recovery', recoveryCode),
      ),
    );
    const ok = results.filter((r) => r.ok);
    expect(ok).toHaveLength(1);
    const winner = ok[0]!;
    const stored = await f.stores.recoveryCodes.get(f.alice.id);
    expect(stored!.hash).toBe(expectedHash(stored!.salt, winner.newRecoveryCode!));
    expect((await f.twostep.audit.verify('clinic-a')).ok).toBe(true);
  });
});
