/**
 * `reencryptSecrets`: after a secret-box rotation every stored authenticator
 * secret is re-sealed with the new key, so the old key can be removed and
 * every enrolled authenticator still signs in. (The same on MongoDB:
 * test/e2e-provisioning/keys-reencrypt.test.ts.)
 */
import { randomBytes } from 'node:crypto';
import {
  countSealedWith,
  createAesGcmSecretBox,
  createTwostep,
  reencryptSecrets,
  sealedKeyId,
  type SecretBox,
  type StoredFactor,
  TOTP,
} from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { codeAt, type Fixture, setup } from './fixtures.ts';

const totpOnly = (factor: StoredFactor) => {
  if (factor.kind !== 'totp') throw new Error('expected a TOTP factor');
  return factor;
};

const OLD = { id: 'k1', key: randomBytes(32) };
const NEW = { id: 'k2', key: randomBytes(32) };

/** Core on the fixture's stores with another secret box (a process after a reload). */
const withBox = (f: Fixture, secretBox: SecretBox) =>
  createTwostep({
    stores: f.stores,
    secretBox,
    hashKey: randomBytes(32),
    smsSender: f.sms,
    notifier: f.notifier,
    clock: f.clock,
    logger: { warn: () => undefined, error: () => undefined },
  });

async function enrolled() {
  // Enrolled through core with the old key only, as before the rotation.
  const f = await setup();
  const old = withBox(f, createAesGcmSecretBox([OLD]));
  const secrets: Record<string, string> = {};
  for (const staff of [f.alice, f.bob, f.owner]) {
    const started = await old.enrollment.startTotp(staff);
    const done = await old.enrollment.confirmTotp(f.actor(staff), staff, codeAt(started.secret, f.clock));
    if (!done.ok) throw new Error(done.reason);
    secrets[staff.id] = started.secret;
  }
  // A pending re-enrollment (a new phone not confirmed yet) is sealed too.
  const pending = await old.enrollment.startTotp(f.carol);
  secrets[f.carol.id] = pending.secret;
  f.clock.advance(TOTP.period * 1000);
  return { f, secrets };
}

describe('reencryptSecrets', () => {
  it('re-seals every secret with the key in use; after the old key is removed every authenticator signs in', async () => {
    const { f, secrets } = await enrolled();
    const rotated = createAesGcmSecretBox([NEW, OLD]);
    expect(await countSealedWith(f.stores.factors, 'k1')).toBe(4);

    expect(await reencryptSecrets(f.stores.factors, rotated, { pageSize: 2 })).toEqual({
      checked: 4,
      resealed: 4,
      current: 0,
      changed: 0,
      unreadable: 0,
      unreadableKeyIds: [],
    });
    expect(await countSealedWith(f.stores.factors, 'k1')).toBe(0);
    // Idempotent: a second run finds nothing to do.
    expect(await reencryptSecrets(f.stores.factors, rotated)).toMatchObject({
      checked: 4,
      resealed: 0,
      current: 4,
    });

    const retired = withBox(f, createAesGcmSecretBox([NEW]));
    for (const staff of [f.alice, f.bob, f.owner]) {
      const result = await retired.secondFactor.verify(
        f.actor(staff),
        staff,
        'totp',
        codeAt(secrets[staff.id]!, f.clock),
      );
      expect(result, staff.name).toMatchObject({ ok: true });
    }
    // The pending enrollment still confirms with the new key alone.
    const confirmed = await retired.enrollment.confirmTotp(
      f.actor(f.carol),
      f.carol,
      codeAt(secrets[f.carol.id]!, f.clock),
    );
    expect(confirmed).toMatchObject({ ok: true });
  });

  it('without the re-seal, removing the old key loses the enrollments (why retire checks first)', async () => {
    const { f, secrets } = await enrolled();
    const retired = withBox(f, createAesGcmSecretBox([NEW]));
    await expect(
      retired.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', codeAt(secrets[f.alice.id]!, f.clock)),
    ).rejects.toThrow(/not configured/);
    expect(await reencryptSecrets(f.stores.factors, createAesGcmSecretBox([NEW]))).toMatchObject({
      checked: 4,
      resealed: 0,
      unreadable: 4,
      unreadableKeyIds: ['k1'],
    });
  });

  it('resumable: a partial run (some re-sealed) and a second run re-seal each secret once', async () => {
    const { f } = await enrolled();
    const rotated = createAesGcmSecretBox([NEW, OLD]);
    const [first] = (await f.stores.factors.listTotp(null, 1)).map(totpOnly);
    await f.stores.factors.replaceSecret(
      first!.staffId,
      first!.id,
      first!.secret,
      rotated.seal('JBSWY3DPEHPK3PXP', first!.staffId),
    );
    expect(await reencryptSecrets(f.stores.factors, rotated)).toMatchObject({
      checked: 4,
      resealed: 3,
      current: 1,
    });
  });

  it('a secret that changed after it was read is counted, not overwritten', async () => {
    const { f } = await enrolled();
    const rotated = createAesGcmSecretBox([NEW, OLD]);
    // A store whose replaceSecret runs just after a re-enrollment replaced the secret.
    const racing = {
      ...f.stores.factors,
      async replaceSecret(staffId: string, factorId: string, expected: string, next: string) {
        await f.stores.factors.replaceSecret(staffId, factorId, expected, rotated.seal('NEWSECRET', staffId));
        return f.stores.factors.replaceSecret(staffId, factorId, expected, next);
      },
    };
    expect(await reencryptSecrets(racing, rotated)).toMatchObject({ checked: 4, resealed: 0, changed: 4 });
    for (const factor of (await f.stores.factors.listTotp(null, 100)).map(totpOnly))
      expect(rotated.open(factor.secret, factor.staffId)).toBe('NEWSECRET');
  });

  it('40 concurrent sign-ins with one code during a re-seal: exactly one succeeds, the secret is re-sealed', async () => {
    const { f, secrets } = await enrolled();
    const rotated = createAesGcmSecretBox([NEW, OLD]);
    const core = withBox(f, rotated);
    const code = codeAt(secrets[f.alice.id]!, f.clock);
    const [report, ...results] = await Promise.all([
      reencryptSecrets(f.stores.factors, rotated),
      ...Array.from({ length: 40 }, () => core.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', code)),
    ]);
    expect(report).toMatchObject({ resealed: 4 });
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const [alice] = (await f.stores.factors.list(f.alice.id)).filter((x) => x.status === 'active');
    expect(sealedKeyId((alice as { secret: string }).secret)).toBe('k2');
    expect((alice as { lastStep: number }).lastStep).not.toBeNull();
  });
});
