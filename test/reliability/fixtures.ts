/**
 * Shared pieces of the reliability suite: a core instance over any `Stores`
 * (memory or mongoose), store snapshots for "nothing changed" checks, and a
 * few small helpers for driving the test IdP over HTTP.
 */
import { randomBytes } from 'node:crypto';
import {
  type Clinic,
  type CoreConfigInput,
  createMemoryStores,
  interceptStores,
  type Stores,
  TwostepError,
} from '@twostep/core';
import type { Connection } from 'mongoose';
import { afterAll, describe } from 'vitest';
import { connectMongo, createMongooseStores, syncIndexes } from '../../packages/store-mongoose/src/index.ts';
import { dropTestDatabase, getMongoUri, mongoAvailable, testDatabaseName } from '../helpers/mongo.ts';
import { codeAt, type Fixture, lastSmsCode, setup } from '../../packages/core/test/fixtures.ts';
import { Browser, findForm, type Page } from '../helpers/browser.ts';
import type { TestIdp } from '../helpers/idp.ts';
import { begin, type Rp } from '../helpers/oidc-client.ts';

export { enrollSms, enrollTotp, snapshot } from '../../packages/core/test/fixtures.ts';

/** Rate limits high enough that only core's own rules apply. */
export const NO_RATE_LIMITS = {
  passwordPerIp: 1_000_000,
  passwordPerAccount: 1_000_000,
  codePerIp: 1_000_000,
  codePerAccount: 1_000_000,
  resetPerIp: 1_000_000,
  resetPerAccount: 1_000_000,
};

export type CoreFixture = Fixture & {
  /** Clinic A (enforces 2-Step). */
  clinic: Clinic;
  /** Clinic B. */
  otherClinic: Clinic;
  /** The TOTP code for `secret` at the clock's time. */
  code(secret: string): string;
  lastSms(): string;
};

/** The core fixture (clinic A enforcing 2-Step) over `stores` (fresh ids per call: one mongo db can hold several). */
export async function coreFixture(
  stores: Stores,
  tag = randomBytes(4).toString('hex'),
  config?: CoreConfigInput,
): Promise<CoreFixture> {
  const f = await setup({ stores, tag, enforce: true, ...(config ? { config } : {}) });
  return {
    ...f,
    clinic: f.clinicA,
    otherClinic: f.clinicB,
    code: (secret) => codeAt(secret, f.clock),
    lastSms: () => lastSmsCode(f),
  };
}

/**
 * Declares `suite` twice: on fresh memory stores, and (with MONGODB_URI) on the mongoose stores
 * of one database named after `label` (every call of `makeStores` shares it; dropped at the end).
 */
export function onMemoryAndMongo(
  label: string,
  suite: (name: string, makeStores: () => Promise<Stores>) => void,
) {
  suite('memory', async () => createMemoryStores());
  describe.skipIf(!mongoAvailable())('mongoose', () => {
    let connection: Connection | undefined;
    afterAll(() => dropTestDatabase(connection));
    suite('mongoose', async () => {
      if (!connection) {
        connection = await connectMongo(getMongoUri(), { dbName: testDatabaseName(label) });
        await syncIndexes(connection, { ttlIndexes: false });
      }
      return createMongooseStores(connection);
    });
  });
}

/** Runs `n` calls of `fn` at once. */
export const parallel = <T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> =>
  Promise.all(Array.from({ length: n }, (_, i) => fn(i)));

/**
 * `n` posts of one set-password link (welcome or reset) at once from one browser, each with its own
 * password: the answers, and the password of the post that was taken (303), if any.
 */
export async function postNewPasswordsAtOnce(
  url: string | URL,
  n: number,
): Promise<{ pages: Page[]; winnerPassword: string | null }> {
  const browser = new Browser();
  const password = (i: number) => `correct horse battery ${i}`;
  const pages = await parallel(n, (i) =>
    browser.request(
      'POST',
      url,
      new URLSearchParams({ password: password(i), confirm: password(i) }).toString(),
    ),
  );
  const winner = pages.findIndex((p) => p.status === 303);
  return { pages, winnerPassword: winner < 0 ? null : password(winner) };
}

/** Starts a sign-in in a fresh browser and submits the password: returns the page after it. */
export async function passwordStep(
  idp: TestIdp,
  rp: Rp,
  who: keyof TestIdp['staff'] = 'owner',
  params: Record<string, string> = {},
) {
  const browser = new Browser();
  const { request, page } = await begin(browser, rp, params);
  const next = await browser.submit(page, '/password', {
    email: idp.staff[who].email,
    password: idp.staff[who].password,
  });
  return { browser, request, first: page, page: next };
}

/** The action URL and CSRF token of the form ending in `suffix`. */
export function formOf(page: Page, suffix: string): { url: URL; csrf: string } {
  const form = findForm(page, suffix);
  return { url: new URL(form.action, page.url), csrf: form.csrf };
}

/** Audit events of a clinic, oldest first. */
export const auditOf = (stores: Stores, clinicId: string) => stores.audit.list(clinicId, { order: 'asc' });

export type Fault = 'throw' | 'hang' | 'slow' | null;
export type FaultRule = (store: keyof Stores, method: string, args: unknown[]) => Fault;

/**
 * Wraps `base` so a test decides, per call, whether a store method works, throws
 * `store_unavailable`, answers 20 ms late, or hangs until `release()` (a store that stops answering). Also records
 * every call (`calls`), to find the steps of an action.
 */
export function faultyStores(base: Stores) {
  let rule: FaultRule | null = null;
  const calls: string[] = [];
  const hung: (() => void)[] = [];
  const unavailable = (what: string) => new TwostepError('store_unavailable', `${what} failed (injected)`);
  const stores = interceptStores(base, (store, method, args, call) => {
    const what = `${store}.${method}`;
    calls.push(what);
    const fault = rule?.(store as keyof Stores, method, args) ?? null;
    if (fault === 'throw') return Promise.reject(unavailable(what));
    if (fault === 'slow') return new Promise((resolve) => setTimeout(resolve, 20)).then(call);
    if (fault === 'hang')
      return new Promise((_resolve, reject) => hung.push(() => reject(unavailable(what))));
    return call();
  });
  return {
    stores,
    calls,
    /** Sets (or with null clears) the fault rule. */
    set(next: FaultRule | null) {
      rule = next;
    },
    /** Fails every hung call (the store "comes back" with an error for them). */
    release() {
      for (const fail of hung.splice(0)) fail();
    },
  };
}

/** A rule failing one method (`'audit.append'`), optionally only when `when(args)` holds. */
export const failing =
  (target: string, fault: Fault = 'throw', when?: (args: unknown[]) => boolean): FaultRule =>
  (store, method, args) =>
    `${store}.${method}` === target && (when?.(args) ?? true) ? fault : null;

/** Matches an `audit.append` call by its event type. */
export const auditType = (type: string) => (args: unknown[]) => (args[0] as { type?: string })?.type === type;
