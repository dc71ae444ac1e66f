/**
 * Soak: a long run of mixed work against one IdP — `SOAK_OPERATIONS` operations (default 600;
 * `pnpm test:reliability:soak` runs 6,000), one after another: sign-ins (password + authenticator
 * code, code redeemed), step-ups (`max_age=1` on a session whose last verification is older than
 * that: the code is asked every time), and admin pause/resume through core.
 *
 * Asserted: every operation succeeds (exact counts), every step-up asks for the code and not the
 * password, the IdP logs no error, the audit chain stays whole, and memory stays bounded per
 * operation: the live heap (after a forced full GC) is taken at checkpoints after a warm-up and the
 * least-squares slope over the checkpoints must stay under `MAX_GROWTH_PER_OPERATION` — a leak of
 * 50 KB or more per operation fails whatever the run's length. No wall-clock limit: the rate is
 * printed, the throughput figure belongs to bench/ (`pnpm bench --only signin`).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ACR } from '@twostep/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { NO_RATE_LIMITS } from './fixtures.ts';

const OPERATIONS = Math.max(200, Number(process.env.SOAK_OPERATIONS ?? 600) || 600);
const CHECKPOINTS = 5;
const WARM_UP = 60;
const KB = 1024;
/**
 * Bytes of live heap one operation may add for good. The in-memory stores keep, by design, every
 * sign-in's oidc-provider session, grant and refresh token until they expire, and the audit log:
 * about 16 KB per operation measured (Node 24). The bound is 3× that: a leak of 50 KB or more per
 * operation fails.
 */
const MAX_GROWTH_PER_OPERATION = 48 * KB;

let idp: TestIdp;
let rp: Rp;
/** oidc-provider reads `Date.now()`: moved forward (with the IdP's clock) so each step-up's `max_age=1` has passed. */
let shift = 0;
const realNow = Date.now.bind(Date);
beforeAll(async () => {
  idp = await startTestIdp({ rateLimits: NO_RATE_LIMITS });
  rp = await relyingParty(idp);
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + shift);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await idp?.close();
});

function advance(ms: number) {
  shift += ms;
  idp.clock.advance(ms);
}

/** A forced full GC (vitest workers have no --expose-gc; V8 lets us expose it at run time). */
function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('no forced GC: the heap cannot be measured');
  return gc as () => void;
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

/** `max_age=1` on a live session verified more than a second ago: the code (only) is asked. */
async function stepUp(browser: Browser): Promise<void> {
  advance(2_000);
  const { request, page } = await begin(browser, rp, { max_age: '1' });
  if (page.leftTo) throw new Error('step-up did not ask for the code');
  if (page.body.includes('name="password"')) throw new Error('step-up asked for the password');
  if (!page.body.includes('Verification code')) throw new Error(`step-up: status ${page.status}`);
  const done = await browser.submit(page, '/verify', {
    method: 'totp',
    code: idp.nextTotpCode(idp.staff.owner.totpSecret!),
  });
  const claims = (await redeem(rp, request, done)).claims()!;
  if (!(Array.isArray(claims.amr) && claims.amr.includes('otp')))
    throw new Error(`step-up: amr ${claims.amr}`);
}

/** The operation number `op` (from 1) is: every 20th a step-up, every 5th an admin action, else a sign-in. */
function kindOf(op: number): 'stepUp' | 'admin' | 'signIn' {
  if (op % 20 === 10) return 'stepUp';
  if (op % 5 === 2) return 'admin';
  return 'signIn';
}

/** The least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const num = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return num / den;
}

describe(`soak (${OPERATIONS} operations)`, () => {
  it('mixed sign-ins, step-ups and admin actions: no errors, every step-up asks the code, bounded memory per operation', {
    timeout: 600_000,
  }, async () => {
    const admin = idp.idp.twostep.admin;
    const owner = { actorId: idp.staff.owner.id, ip: '127.0.0.1', userAgent: 'soak' };
    const counts = { signIn: 0, stepUp: 0, pause: 0, resume: 0 };
    const errors: string[] = [];
    // Warm-up (JIT, caches, lazily loaded modules), outside the measurement.
    for (let i = 0; i < WARM_UP; i++) await signIn();
    const gc = gcFunction();
    const liveHeap = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const heap: { x: number; y: number }[] = [{ x: 0, y: liveHeap() }];
    const every = Math.floor(OPERATIONS / CHECKPOINTS);
    const started = performance.now();
    const stepper = await signIn();
    let paused = false;
    for (let op = 1; op <= OPERATIONS && errors.length <= 5; op++) {
      try {
        const kind = kindOf(op);
        if (kind === 'stepUp') {
          await stepUp(stepper);
          counts.stepUp += 1;
        } else if (kind === 'admin') {
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
        errors.push(`operation ${op}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (op % every === 0) heap.push({ x: op, y: liveHeap() });
    }
    const seconds = (performance.now() - started) / 1000;
    const perOperation = slope(heap);
    console.info(
      [
        `soak: ${OPERATIONS} operations in ${seconds.toFixed(1)} s (${(OPERATIONS / seconds).toFixed(1)}/s, not asserted): ${JSON.stringify(counts)}`,
        `soak: live heap at ${heap.map((p) => `${p.x}: ${(p.y / KB / KB).toFixed(1)} MB`).join(', ')}`,
        `soak: growth ${(perOperation / KB).toFixed(2)} KB per operation (bound ${MAX_GROWTH_PER_OPERATION / KB} KB)`,
      ].join('\n'),
    );
    expect(errors).toEqual([]);
    // Every operation of the fixed mix ran and succeeded.
    const kinds = Array.from({ length: OPERATIONS }, (_, i) => kindOf(i + 1));
    expect(counts.stepUp).toBe(kinds.filter((k) => k === 'stepUp').length);
    expect(counts.pause + counts.resume).toBe(kinds.filter((k) => k === 'admin').length);
    expect(counts.signIn).toBe(kinds.filter((k) => k === 'signIn').length);
    expect(idp.logs.filter((l) => l.level === 'error')).toEqual([]);
    expect((await idp.idp.twostep.audit.verify(idp.clinic.id)).ok).toBe(true);
    expect(perOperation).toBeLessThan(MAX_GROWTH_PER_OPERATION);
  });
});
