/**
 * The IdP's store timeout (`storeTimeoutMs`, `withStoreTimeouts` from core): a store that stops
 * answering fails the request closed at the deadline — the 503 page, no authorization code, no
 * `sign_in.succeeded` — instead of holding it until the driver gives up; once the store answers
 * again the same form signs in. That the deadline is what answered is read from the IdP's error
 * log (`… did not answer within 300 ms`), not from a stopwatch: exact timing is core's
 * fake-timer test (packages/core/test/store-timeouts.test.ts).
 */
import { createMemoryStores, type Stores } from '@twostep/core';
import { type AdapterClass, MemoryAdapter, MemoryAdapterStorage } from '@twostep/oidc-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { auditOf, NO_RATE_LIMITS } from './fixtures.ts';

const TIMEOUT_MS = 300;

/** True when `idp` logged a store call of `method` abandoned at the deadline. */
function deadlineLogged(idp: TestIdp, method: string): boolean {
  const expected = `${method} did not answer within ${TIMEOUT_MS} ms`;
  return idp.logs.some(
    (l) => l.level === 'error' && String((l.details?.error as Error)?.message) === expected,
  );
}

let idp: TestIdp;
let rp: Rp;
/** While true, `staff.findByEmail` never answers. */
let hanging = false;

beforeAll(async () => {
  const base = createMemoryStores();
  const stores: Stores = {
    ...base,
    staff: {
      ...base.staff,
      findByEmail: (email) => (hanging ? new Promise<never>(() => {}) : base.staff.findByEmail(email)),
    },
  };
  idp = await startTestIdp({ stores, rateLimits: NO_RATE_LIMITS, storeTimeoutMs: TIMEOUT_MS });
  rp = await relyingParty(idp);
});
afterAll(async () => {
  hanging = false;
  await idp?.close();
});

describe('storeTimeoutMs', () => {
  it('staff.findByEmail never answers → the password POST gets the 503 page at the deadline, no code', async () => {
    const signIns = async () =>
      (await auditOf(idp.stores, idp.relaxedClinic.id)).filter((e) => e.type === 'sign_in.succeeded').length;
    const before = await signIns();
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    // The relaxed clinic's staff member: a right password alone would finish with a code.
    const submit = () =>
      browser.submit(page, '/password', {
        email: idp.staff.relaxed.email,
        password: idp.staff.relaxed.password,
      });

    hanging = true;
    const closed = await submit();
    hanging = false;

    expect(closed.status).toBe(503);
    expect(closed.leftTo).toBeUndefined();
    expect(closed.body).toContain('temporarily unavailable');
    expect(closed.body).not.toMatch(/[?&]code=/);
    expect(await signIns()).toBe(before);
    expect(idp.logs.some((l) => l.level === 'error' && l.message === 'interaction failed')).toBe(true);
    expect(deadlineLogged(idp, 'staff.findByEmail')).toBe(true);

    // The store answers again: the same form finishes the sign-in (password only: loa:1fa).
    const done = await submit();
    const tokens = await redeem(rp, request, done);
    expect(tokens.claims()?.acr).toBe('urn:twostep:loa:1fa');
    expect(await signIns()).toBe(before + 1);
  });
});

describe('storeTimeoutMs on oidc-provider adapter calls', () => {
  /** While true, the adapter's `find` never answers (sessions, interactions, codes…). */
  let adapterHangs = false;
  let slowIdp: TestIdp;
  let slowRp: Rp;

  beforeAll(async () => {
    const storage = new MemoryAdapterStorage();
    const Hanging = class extends MemoryAdapter {
      constructor(name: string) {
        super(name, storage);
      }
      override find(id: string) {
        return adapterHangs ? new Promise<never>(() => {}) : super.find(id);
      }
    } as unknown as AdapterClass;
    slowIdp = await startTestIdp({
      adapter: Hanging,
      rateLimits: NO_RATE_LIMITS,
      storeTimeoutMs: TIMEOUT_MS,
    });
    slowRp = await relyingParty(slowIdp);
  });
  afterAll(async () => {
    adapterHangs = false;
    await slowIdp?.close();
  });

  it('an adapter that stops answering fails the interaction closed (503) at the deadline', async () => {
    const browser = new Browser();
    const { page } = await begin(browser, slowRp);
    adapterHangs = true;
    const closed = await browser.submit(page, '/password', {
      email: slowIdp.staff.relaxed.email,
      password: slowIdp.staff.relaxed.password,
    });
    adapterHangs = false;
    expect(closed.status).toBe(503);
    expect(closed.body).not.toMatch(/[?&]code=/);
    expect(deadlineLogged(slowIdp, 'oidc.Interaction.find')).toBe(true);
  });
});
