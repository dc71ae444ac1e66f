/**
 * SMS codes across a hash-key rotation, on the memory store and (with MONGODB_URI) on MongoDB: a code
 * sent under the old key, checked by 50 parallel submissions at a process that already has
 * [new, old], is accepted exactly once, and no loser counts as a guess (the same burst as
 * concurrency-core.test.ts, with the code hashed under the older key).
 */
import { randomBytes } from 'node:crypto';
import { createTwostep, type Stores } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { lastSmsCode, setup } from '../../packages/core/test/fixtures.ts';
import { enrollSms, onMemoryAndMongo, parallel } from './fixtures.ts';

const N = 50;

onMemoryAndMongo('hash_key_rotation', (name, makeStores: () => Promise<Stores>) => {
  describe(`${name}: a code sent before the rotation`, () => {
    it(`${N} parallel checks at a rotated process: exactly one accepted, no failure counted`, async () => {
      const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
      const f = await setup({
        stores: await makeStores(),
        tag: randomBytes(4).toString('hex'),
        hashKey: oldKey,
      });
      await enrollSms(f, f.alice);
      const sent = await f.twostep.secondFactor.sendSmsCode(f.actor(f.alice), f.alice);
      expect(sent.ok).toBe(true);
      const code = lastSmsCode(f);
      const rotated = createTwostep({
        stores: f.stores,
        secretBox: f.secretBox,
        hashKey: [newKey, oldKey],
        smsSender: f.sms,
        notifier: f.notifier,
        clock: f.clock,
        logger: { warn: () => undefined, error: () => undefined },
      });
      const results = await parallel(N, () =>
        rotated.secondFactor.verify(f.actor(f.alice), f.alice, 'sms', code),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      // The losers raced a right code (a replay, or held without being checked): none is a guess.
      const losers = results.filter((r) => !r.ok).map((r) => (r as { reason: string }).reason);
      expect(losers.filter((r) => r === 'invalid')).toEqual([]);
      expect((await f.stores.throttles.get(`second-factor:${f.alice.id}`)).failures).toBe(0);
    });
  });
});
