/**
 * Hash keys as a list: the first hashes new SMS codes, the older ones still
 * check codes sent before the rotation (until they expire), and a wrong code
 * counts once, whatever the number of keys.
 */
import { randomBytes } from 'node:crypto';
import { createTwostep, type HashKeys, hashKeyList, hmacMatching, hmacSha256 } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { enrollSms, type Fixture, lastSmsCode, setup } from './fixtures.ts';

const A = randomBytes(32);
const B = randomBytes(32);

/** Core on the fixture's stores and clock with other hash keys (another process after a reload). */
const withKeys = (f: Fixture, hashKey: HashKeys) =>
  createTwostep({
    stores: f.stores,
    secretBox: f.secretBox,
    hashKey,
    smsSender: f.sms,
    notifier: f.notifier,
    clock: f.clock,
    logger: { warn: () => undefined, error: () => undefined },
  });

async function codeSentBy(f: Fixture, twostep = f.twostep): Promise<string> {
  const sent = await twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice);
  if (!sent.ok) throw new Error(`send failed: ${sent.reason}`);
  return lastSmsCode(f);
}

describe('hash keys', () => {
  it('a code sent under the old key verifies after the rotation to [new, old]', async () => {
    const f = await setup({ hashKey: A });
    await enrollSms(f, f.alice);
    const code = await codeSentBy(f);
    const rotated = withKeys(f, [B, A]);
    expect(await rotated.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', code)).toMatchObject({
      ok: true,
    });
  });

  it('the newest key hashes: a code sent after promotion needs the new key', async () => {
    const f = await setup({ hashKey: A });
    await enrollSms(f, f.alice);
    const code = await codeSentBy(f, withKeys(f, [B, A]));
    const challenge = await f.stores.smsChallenges.current(f.alice.id, 'sign_in');
    expect(challenge!.codeHash).toBe(hmacSha256(B, `${challenge!.id}:${code}`));
    // A process still on [A] alone refuses it: why a new key is published everywhere before it is promoted.
    expect(await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', code)).toMatchObject({
      ok: false,
    });
    expect(
      await withKeys(f, [A, B]).secondFactor.verify(f.actor(f.alice), f.alice, 'sms', code),
    ).toMatchObject({ ok: true });
  });

  it('after the old key is retired, a code sent under it no longer verifies', async () => {
    const f = await setup({ hashKey: A });
    await enrollSms(f, f.alice);
    const code = await codeSentBy(f);
    const retired = withKeys(f, [B]);
    expect(await retired.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', code)).toMatchObject({
      ok: false,
    });
  });

  it('a wrong code counts one failure with three keys', async () => {
    const f = await setup({ hashKey: A });
    await enrollSms(f, f.alice);
    const code = await codeSentBy(f);
    const three = withKeys(f, [randomBytes(32), B, A]);
    const wrong = code === '000000' ? '111111' : '000000';
    await three.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', wrong);
    expect((await f.stores.smsChallenges.current(f.alice.id, 'sign_in'))!.failures).toBe(1);
  });

  it('40 concurrent checks of a code sent under the old key: exactly one succeeds', async () => {
    const f = await setup({ hashKey: A });
    await enrollSms(f, f.alice);
    const code = await codeSentBy(f);
    const rotated = withKeys(f, [B, A]);
    const results = await Promise.all(
      Array.from({ length: 40 }, () => rotated.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', code)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    // The old key's hash matched for every check: no wrong guess, nothing counted. (The code's
    // tries taken by the losers stay on the consumed code, which nothing uses any more.)
    expect(results.filter((r) => !r.ok && ['invalid', 'too_many_attempts'].includes(r.reason))).toEqual([]);
    expect((await f.stores.throttles.get(`second-factor:${f.alice.id}`)).failures).toBe(0);
  });

  it('hmacMatching picks the key that made the stored hash, else the newest', () => {
    const old = hmacSha256(A, 'v');
    expect(hmacMatching([B, A], 'v', old)).toBe(old);
    expect(hmacMatching([B, A], 'v', 'something else')).toBe(hmacSha256(B, 'v'));
  });

  it('refuses an empty list and keys shorter than 32 bytes', () => {
    expect(() => hashKeyList([])).toThrow(/hashKey/);
    expect(() => hashKeyList([A, randomBytes(16)])).toThrow(/32 bytes/);
    expect(hashKeyList(A)).toEqual([A]);
  });
});
