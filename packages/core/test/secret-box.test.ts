import { randomBytes } from 'node:crypto';
import { createAesGcmSecretBox, isTwostepError } from '@twostep/core';
import { describe, expect, it } from 'vitest';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: '2026-11', key: randomBytes(32) };
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isTwostepError(error) ? error.code : `not a TwostepError: ${String(error)}`;
  }
  return undefined;
}

describe('AES-GCM SecretBox', () => {
  it('seal/open roundtrip; the sealed value hides the plaintext and differs every time', () => {
    const box = createAesGcmSecretBox([k1]);
    const sealed = box.seal(SECRET, 'staff-1');
    expect(sealed).not.toContain(SECRET);
    expect(sealed.startsWith('v1.k1.')).toBe(true);
    expect(box.open(sealed, 'staff-1')).toBe(SECRET);
    expect(box.seal(SECRET, 'staff-1')).not.toBe(sealed);
    expect(box.open(box.seal('', 'staff-1'), 'staff-1')).toBe('');
    expect(box.open(box.seal('ünïcødé ✓', 'x'), 'x')).toBe('ünïcødé ✓');
  });

  it('the wrong context (another staff id) fails with decrypt_failed', () => {
    const box = createAesGcmSecretBox([k1]);
    const sealed = box.seal(SECRET, 'staff-1');
    expect(codeOf(() => box.open(sealed, 'staff-2'))).toBe('decrypt_failed');
    expect(codeOf(() => box.open(sealed, ''))).toBe('decrypt_failed');
  });

  it('tampering, truncation and garbage fail with decrypt_failed', () => {
    const box = createAesGcmSecretBox([k1]);
    const sealed = box.seal(SECRET, 'staff-1');
    const parts = sealed.split('.');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const i of [2, 3, 4]) {
      const bad = [...parts];
      bad[i] = flip(bad[i]!);
      expect(codeOf(() => box.open(bad.join('.'), 'staff-1'))).toBe('decrypt_failed');
    }
    expect(codeOf(() => box.open(parts.slice(0, 4).join('.'), 'staff-1'))).toBe('decrypt_failed');
    expect(codeOf(() => box.open('garbage', 'staff-1'))).toBe('decrypt_failed');
    expect(codeOf(() => box.open(`v2.${parts.slice(1).join('.')}`, 'staff-1'))).toBe('decrypt_failed');
    // Another key with the same id cannot open it.
    const impostor = createAesGcmSecretBox([{ id: 'k1', key: randomBytes(32) }]);
    expect(codeOf(() => impostor.open(sealed, 'staff-1'))).toBe('decrypt_failed');
  });

  it('key rotation: the newest key seals, older keys still open; needsRotation tells which', () => {
    const old = createAesGcmSecretBox([k1]);
    const sealedOld = old.seal(SECRET, 'staff-1');
    const rotated = createAesGcmSecretBox([k2, k1]);
    expect(rotated.open(sealedOld, 'staff-1')).toBe(SECRET);
    expect(rotated.needsRotation(sealedOld)).toBe(true);
    const sealedNew = rotated.seal(SECRET, 'staff-1');
    expect(sealedNew.startsWith('v1.2026-11.')).toBe(true);
    expect(rotated.needsRotation(sealedNew)).toBe(false);
    expect(old.needsRotation(sealedOld)).toBe(false);
    // A process that only knows k1 cannot open values sealed with k2.
    expect(codeOf(() => old.open(sealedNew, 'staff-1'))).toBe('unknown_key');
  });

  it('a sealed value naming an unconfigured key → unknown_key', () => {
    const box = createAesGcmSecretBox([k1]);
    const sealed = box.seal(SECRET, 's').replace('v1.k1.', 'v1.k9.');
    expect(codeOf(() => box.open(sealed, 's'))).toBe('unknown_key');
  });

  it.each([
    ['no keys', []],
    ['a 16-byte key', [{ id: 'k1', key: randomBytes(16) }]],
    ['a 31-byte key', [{ id: 'k1', key: randomBytes(31) }]],
    ['a 33-byte key', [{ id: 'k1', key: randomBytes(33) }]],
    ['an empty key', [{ id: 'k1', key: new Uint8Array(0) }]],
    ['a bad id', [{ id: 'k.1', key: randomBytes(32) }]],
    ['an empty id', [{ id: '', key: randomBytes(32) }]],
    ['a repeated id', [k1, { id: 'k1', key: randomBytes(32) }]],
  ])('%s → invalid_config', (_name, keys) => {
    expect(codeOf(() => createAesGcmSecretBox(keys))).toBe('invalid_config');
  });
});
