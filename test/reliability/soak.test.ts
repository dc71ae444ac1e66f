/**
 * Soak: a steady stream of mixed work against one IdP for `SOAK_SECONDS`
 * (default 30; `pnpm test:reliability:soak` sets 300): sign-ins (password +
 * authenticator code, code redeemed), step-ups (`max_age` on a live session:
 * the code again), and admin pause/resume through core. No operation may fail,
 * the IdP logs no error, the audit chain stays whole, and memory stays bounded:
 * the heap grows by less than 64 MB over the run (after 30 warm-up sign-ins). The
 * heap is measured after a forced GC (vitest workers have no `--expose-gc`; it is
 * enabled at run time through `v8.setFlagsFromString`), or, when that is not
 * possible, as the mean sampled `heapUsed` of the last quarter against the first.
 * All the numbers (sampled quarters, forced-GC heap, rss) are printed.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ACR } from '@twostep/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { NO_RATE_LIMITS } from './fixtures.ts';

const SECONDS = Math.max(5, Number(process.env.SOAK_SECONDS ?? 30) || 30);
const TICK_MS = 100; // one operation started every 100 ms at most: ~10 per second
const HEAP_BOUND_MB = 64;
const MB = 1024 * 1024;

let idp: TestIdp;
let rp: Rp;
beforeAll(async () => {
  idp = await startTestIdp({ rateLimits: NO_RATE_LIMITS });
  rp = await relyingParty(idp);
});
afterAll(() => idp?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A forced full GC, when V8 lets us expose it at run time (vitest workers have no --expose-gc). */
function gcFunction(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

/** heapUsed in MB after a forced GC, or null without one. */
function liveHeapMb(gc: (() => void) | null): number | null {
  if (!gc) return null;
  gc();
  gc();
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

async function signIn(browser = new Browser()) {
  const { request, page } = await begin(browser, rp);
  const codePage = await browser.submit(page, '/password', {
    email: idp.staff.owner.email,
    password: idp.staff.owner.password,
  });
  const done = await browser.submit(codePage, '/verify', {
    method: 'totp',
    code: idp.nextTotpCode(idp.staff.owner.totpSecret!),
  });
  const claims = (await redeem(rp, request, done)).claims()!;
  if (claims.acr !== ACR.twoFactor) throw new Error(`sign-in: acr ${claims.acr}`);
  return browser;
}

/** `max_age=1` on a live session: the code is asked again when the last verification is older than 1 s. */
async function stepUp(browser: Browser): Promise<boolean> {
  const { request, page } = await begin(browser, rp, { max_age: '1' });
  if (page.leftTo) {
    await redeem(rp, request, page); // verified within the last second: nothing to ask
    return false;
  }
  if (page.body.includes('name="password"')) throw new Error('step-up asked for the password');
  const done = await browser.submit(page, '/verify', {
    method: 'totp',
    code: idp.nextTotpCode(idp.staff.owner.totpSecret!),
  });
  await redeem(rp, request, done);
  return true;
}

describe(`soak (${SECONDS} s)`, () => {
  it('mixed sign-ins, step-ups and admin actions: no errors, bounded memory', {
    timeout: SECONDS * 1000 + 60_000,
  }, async () => {
    const admin = idp.idp.twostep.admin;
    const owner = { actorId: idp.staff.owner.id, ip: '127.0.0.1', userAgent: 'soak' };
    const counts = { signIn: 0, stepUp: 0, stepUpAsked: 0, pause: 0, resume: 0 };
    const errors: string[] = [];
    const samples: { t: number; heapUsed: number; rss: number }[] = [];
    // Warm-up (JIT, caches, lazily loaded modules), outside the measured run.
    for (let i = 0; i < 30; i++) await signIn();
    const gc = gcFunction();
    const liveBefore = liveHeapMb(gc);
    const started = Date.now();
    const deadline = started + SECONDS * 1000;
    const sampler = setInterval(() => {
      const { heapUsed, rss } = process.memoryUsage();
      samples.push({ t: Date.now() - started, heapUsed, rss });
    }, 250);
    let stepper = await signIn();
    let paused = false;
    try {
      for (let tick = 0; Date.now() < deadline && tick < SECONDS * 20; tick++) {
        const tickStart = Date.now();
        try {
          if (tick % 20 === 10) {
            counts.stepUp += 1;
            if (await stepUp(stepper)) counts.stepUpAsked += 1;
          } else if (tick % 5 === 2) {
            const result = paused
              ? await admin.resume(owner, idp.staff.frontDesk.id)
              : await admin.pause(owner, idp.staff.frontDesk.id, { reason: 'soak', hours: 1 });
            if (!result.ok) throw new Error(`admin ${paused ? 'resume' : 'pause'}: ${result.reason}`);
            counts[paused ? 'resume' : 'pause'] += 1;
            paused = !paused;
          } else {
            await signIn();
            counts.signIn += 1;
          }
        } catch (error) {
          errors.push(`tick ${tick}: ${error instanceof Error ? error.message : String(error)}`);
          if (errors.length > 5) break;
          stepper = await signIn().catch(() => stepper);
        }
        await sleep(Math.max(0, TICK_MS - (Date.now() - tickStart)));
      }
    } finally {
      clearInterval(sampler);
    }

    const liveAfter = liveHeapMb(gc);
    const quarter = Math.max(1, Math.floor(samples.length / 4));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = samples.slice(0, quarter);
    const last = samples.slice(-quarter);
    const heapFirst = mean(first.map((s) => s.heapUsed)) / MB;
    const heapLast = mean(last.map((s) => s.heapUsed)) / MB;
    const rssFirst = mean(first.map((s) => s.rss)) / MB;
    const rssLast = mean(last.map((s) => s.rss)) / MB;
    const elapsed = (Date.now() - started) / 1000;
    const total = counts.signIn + counts.stepUp + counts.pause + counts.resume;
    console.info(
      [
        `soak: ${elapsed.toFixed(1)} s, ${total} operations (${(total / elapsed).toFixed(1)}/s): ${JSON.stringify(counts)}`,
        `soak: heapUsed first quarter ${heapFirst.toFixed(1)} MB, last quarter ${heapLast.toFixed(1)} MB (${(heapLast - heapFirst).toFixed(1)} MB, bound +${HEAP_BOUND_MB} MB)`,
        liveBefore !== null && liveAfter !== null
          ? `soak: heapUsed after a forced GC: ${liveBefore.toFixed(1)} MB before, ${liveAfter.toFixed(1)} MB after (${(liveAfter - liveBefore).toFixed(1)} MB, bound +${HEAP_BOUND_MB} MB)`
          : 'soak: no forced GC available',
        `soak: rss first quarter ${rssFirst.toFixed(1)} MB, last quarter ${rssLast.toFixed(1)} MB (${(rssLast - rssFirst).toFixed(1)} MB)`,
        `soak: errors ${errors.length}`,
      ].join('\n'),
    );
    expect(errors).toEqual([]);
    expect(idp.logs.filter((l) => l.level === 'error')).toEqual([]);
    expect(counts.signIn).toBeGreaterThan(SECONDS * 2);
    expect(counts.stepUpAsked).toBeGreaterThan(0);
    expect(counts.pause).toBeGreaterThan(0);
    expect((await idp.idp.twostep.audit.verify(idp.clinic.id)).ok).toBe(true);
    // With a forced GC the live heap is compared; otherwise the sampled quarter means (which
    // include garbage not yet collected, so they overstate growth).
    const growth = liveBefore !== null && liveAfter !== null ? liveAfter - liveBefore : heapLast - heapFirst;
    expect(growth).toBeLessThan(HEAP_BOUND_MB);
  });
});
