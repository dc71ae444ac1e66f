import {
  createPasswordHasher,
  DEFAULT_PASSWORD_COST,
  formatPasswordHash,
  hashPassword,
  needsRehash,
  type PasswordHasherEvent,
  parsePasswordHash,
  verifyPassword,
} from '@twostep/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nodeArgon2id, nodeRsArgon2id } from '../src/crypto/passwords.ts';
import { PASSWORD, TEST_PASSWORD_COST, testPasswordHash } from './fixtures.ts';

const OLD_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

describe('password hashes', () => {
  it('argon2id in the PHC format by default (OWASP m=7168 KiB, t=5, p=1); true for the password only', async () => {
    const stored = await hashPassword(PASSWORD);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=7168,t=5,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword(PASSWORD, stored)).toBe(true);
    for (const wrong of [`${PASSWORD} `, '', PASSWORD.toUpperCase()]) {
      expect(await verifyPassword(wrong, stored)).toBe(false);
    }
    // Salted: the same password hashes differently each time.
    const again = await hashPassword(PASSWORD);
    expect(again).not.toBe(stored);
    expect(await verifyPassword(PASSWORD, again)).toBe(true);
  });

  it('a known answer: the bytes RFC 9106 argon2id gives (computed with OpenSSL) for a fixed salt', async () => {
    const salt = Buffer.from([...Array(16).keys()]);
    const stored = `$argon2id$v=19$m=7168,t=5,p=1$${salt.toString('base64').replace(/=+$/, '')}$8cZyfmGLYgTYc8avb2ZXWqFShr92bklhQdS/tplOl9k`;
    expect(await verifyPassword(PASSWORD, stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
  });

  it('@node-rs/argon2 and Node’s own argon2 derive the same bytes (where Node has it)', async (test) => {
    const builtin = nodeArgon2id();
    test.skip(builtin === null, 'this Node has no crypto.argon2 (added in 24.7)');
    const native = await nodeRsArgon2id();
    const salt = Buffer.from('a sixteen-byte s');
    for (const cost of [TEST_PASSWORD_COST, DEFAULT_PASSWORD_COST]) {
      if (cost.algorithm !== 'argon2id') throw new Error('expected argon2id');
      const password = Buffer.from(PASSWORD);
      expect(await native!(password, salt, cost, 32)).toEqual(await builtin!(password, salt, cost, 32));
    }
  });

  it('scrypt hashes from before argon2id keep verifying, and need a rehash', async () => {
    const old = await hashPassword(PASSWORD, OLD_SCRYPT);
    expect(old).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword(PASSWORD, old)).toBe(true);
    expect(await verifyPassword('wrong', old)).toBe(false);
    expect(needsRehash(old, DEFAULT_PASSWORD_COST)).toBe(true);
    expect(needsRehash(old, OLD_SCRYPT)).toBe(false);
  });

  it('needsRehash: only a hash at another algorithm or cost', async () => {
    const current = await testPasswordHash();
    expect(needsRehash(current, TEST_PASSWORD_COST)).toBe(false);
    expect(needsRehash(current, DEFAULT_PASSWORD_COST)).toBe(true);
    expect(needsRehash(current, { ...DEFAULT_PASSWORD_COST, memoryKiB: 256, passes: 2 })).toBe(true);
    expect(needsRehash('not a hash', DEFAULT_PASSWORD_COST)).toBe(false);
  });

  it('parse and format are inverse', async () => {
    const stored = await testPasswordHash();
    const parsed = parsePasswordHash(stored)!;
    expect(parsed.cost).toEqual(TEST_PASSWORD_COST);
    expect(formatPasswordHash(parsed.cost, parsed.salt, parsed.hash)).toBe(stored);
  });

  it('NFKC-normalizes so the same password typed differently still matches', async () => {
    const stored = await hashPassword('ｐａｓｓ', TEST_PASSWORD_COST);
    expect(await verifyPassword('pass', stored)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['another scheme', 'bcrypt$2b$10$abcdefghijklmnopqrstuv'],
    ['missing parts', 'scrypt$1024$8$1'],
    ['NaN cost', 'scrypt$abc$8$1$c2FsdA$aGFzaA'],
    ['zero cost', 'scrypt$0$8$1$c2FsdA$aGFzaA'],
    ['negative r', 'scrypt$1024$-8$1$c2FsdA$aGFzaA'],
    ['N not a power of two', 'scrypt$1000$8$1$c2FsdA$aGFzaA'],
    ['N absurdly large', `scrypt$${2 ** 40}$8$1$c2FsdA$aGFzaA`],
    ['truncated hash', 'scrypt$1024$8$1$c2FsdA$aGFz'],
    ['argon2i', '$argon2i$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'],
    ['argon2id v=16', '$argon2id$v=16$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'],
    ['argon2id memory below 8 KiB per lane', '$argon2id$v=19$m=8,t=1,p=2$c2FsdHNhbHQ$aGFzaGhhc2g'],
    ['argon2id memory absurdly large', '$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'],
    ['argon2id zero passes', '$argon2id$v=19$m=256,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'],
    ['argon2id salt too short', '$argon2id$v=19$m=256,t=1,p=1$c2Fs$aGFzaGhhc2g'],
    ['argon2id extra field', '$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g$x'],
  ])('a malformed stored hash (%s) → false, not an exception', async (_name, stored) => {
    await expect(verifyPassword(PASSWORD, stored)).resolves.toBe(false);
  });
});

describe('createPasswordHasher: at most K hashes at once, the rest wait with a deadline', () => {
  afterEach(() => vi.useRealTimers());

  /** A unit of work the test finishes by hand. */
  function held() {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    return { work: () => done, finish };
  }

  it('runs K at once, starts the others in arrival order as slots free up, reports wait times', async () => {
    vi.useFakeTimers();
    const hasher = createPasswordHasher({ concurrency: 2, queueTimeoutMs: 10_000 });
    const events: PasswordHasherEvent[] = [];
    hasher.onEvent((e) => events.push(e));
    const jobs = Array.from({ length: 5 }, () => held());
    const order: number[] = [];
    const runs = jobs.map((job, i) =>
      hasher.run(async () => {
        order.push(i);
        await job.work();
      }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(hasher.stats()).toEqual({ concurrency: 2, running: 2, queued: 3 });
    expect(order).toEqual([0, 1]);

    await vi.advanceTimersByTimeAsync(300);
    jobs[1]!.finish();
    await runs[1];
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual([0, 1, 2]);
    expect(hasher.stats()).toEqual({ concurrency: 2, running: 2, queued: 2 });
    for (const job of jobs) job.finish();
    await Promise.all(runs);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(hasher.stats()).toEqual({ concurrency: 2, running: 0, queued: 0 });
    expect(events.map((e) => [e.kind, e.waitedMs])).toEqual([
      ['started', 0],
      ['started', 0],
      ['started', 300],
      ['started', 300],
      ['started', 300],
    ]);
  });

  it('a check that waits past queueTimeoutMs fails with busy; the others go on', async () => {
    vi.useFakeTimers();
    const hasher = createPasswordHasher({ concurrency: 1, queueTimeoutMs: 1000 });
    const events: PasswordHasherEvent[] = [];
    hasher.onEvent((e) => events.push(e));
    const first = held();
    const running = hasher.run(first.work);
    const waiting = hasher.verify(PASSWORD, await Promise.resolve('not a hash'));
    const refusal = expect(waiting).rejects.toMatchObject({ name: 'TwostepError', code: 'busy' });
    await vi.advanceTimersByTimeAsync(999);
    expect(hasher.stats().queued).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await refusal;
    expect(hasher.stats()).toEqual({ concurrency: 1, running: 1, queued: 0 });
    expect(events.at(-1)).toEqual({ kind: 'timed_out', waitedMs: 1000 });
    first.finish();
    await running;
    expect(hasher.stats().running).toBe(0);
    // The slot is free again: the next check runs at once.
    vi.useRealTimers();
    expect(await hasher.verify(PASSWORD, await testPasswordHash())).toBe(true);
  });

  it('a full queue refuses at once (maxQueued)', async () => {
    const hasher = createPasswordHasher({ concurrency: 1, maxQueued: 1 });
    const first = held();
    const second = held();
    const runs = [hasher.run(first.work), hasher.run(second.work)];
    await expect(hasher.run(async () => {})).rejects.toMatchObject({ code: 'busy' });
    first.finish();
    second.finish();
    await Promise.all(runs);
    expect(hasher.stats()).toEqual({ concurrency: 1, running: 0, queued: 0 });
  });

  it('a failing hash frees its slot', async () => {
    const hasher = createPasswordHasher({ concurrency: 1 });
    await expect(hasher.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(hasher.stats().running).toBe(0);
  });

  it.each([
    [{ concurrency: 0 }, 'concurrency'],
    [{ queueTimeoutMs: 1.5 }, 'queueTimeoutMs'],
    [{ maxQueued: -1 }, 'maxQueued'],
  ])('refuses %o', (options, name) => {
    expect(() => createPasswordHasher(options)).toThrow(name);
  });
});
