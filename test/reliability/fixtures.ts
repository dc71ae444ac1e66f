/**
 * Shared pieces of the reliability suite: a core instance over any `Stores`
 * (memory or mongoose), store snapshots for "nothing changed" checks, and a
 * few small helpers for driving the test IdP over HTTP.
 */
import { randomBytes } from 'node:crypto';
import {
  type ActorContext,
  type Clinic,
  createAesGcmSecretBox,
  createTwostep,
  hashPassword,
  type Logger,
  manualClock,
  outboxNotifier,
  outboxSmsSender,
  type StaffMember,
  type Stores,
  TOTP,
  type Twostep,
  TwostepError,
  totp,
} from '@twostep/core';
import { Browser, findForm, type Page } from '../helpers/browser.ts';
import type { TestIdp } from '../helpers/idp.ts';
import { begin, type Rp } from '../helpers/oidc-client.ts';

/** Five seconds into a 30 s step. */
export const T0 = new Date('2026-03-02T09:00:05.000Z');
export const PASSWORD_COST = { N: 2 ** 10, r: 8, p: 1 } as const;
export const PARAMS = { algorithm: TOTP.algorithm, digits: TOTP.digits, period: TOTP.period } as const;

/** Rate limits high enough that only core's own rules apply. */
export const NO_RATE_LIMITS = {
  passwordPerIp: 1_000_000,
  passwordPerAccount: 1_000_000,
  codePerIp: 1_000_000,
  codePerAccount: 1_000_000,
};

export interface CoreFixture {
  twostep: Twostep;
  stores: Stores;
  clock: ReturnType<typeof manualClock>;
  sms: ReturnType<typeof outboxSmsSender>;
  notifier: ReturnType<typeof outboxNotifier>;
  logs: { level: string; message: string }[];
  clinic: Clinic;
  otherClinic: Clinic;
  owner: StaffMember;
  admin2: StaffMember;
  alice: StaffMember;
  bob: StaffMember;
  carol: StaffMember;
  actor(staff: StaffMember | null): ActorContext;
  /** The TOTP code for `secret` at the clock's time. */
  code(secret: string): string;
  lastSms(): string;
}

/** A core instance with two clinics and five staff members over `stores` (fresh ids per call: one mongo db can hold several). */
export async function coreFixture(
  stores: Stores,
  tag = randomBytes(4).toString('hex'),
): Promise<CoreFixture> {
  const clock = manualClock(T0);
  const sms = outboxSmsSender();
  const notifier = outboxNotifier();
  const logs: CoreFixture['logs'] = [];
  const logger: Logger = {
    warn: (message) => logs.push({ level: 'warn', message }),
    error: (message) => logs.push({ level: 'error', message }),
  };
  const twostep = createTwostep({
    stores,
    secretBox: createAesGcmSecretBox([{ id: 'k1', key: new Uint8Array(randomBytes(32)) }]),
    hashKey: new Uint8Array(randomBytes(32)),
    smsSender: sms,
    notifier,
    clock,
    logger,
  });
  const clinic: Clinic = {
    id: `clinic-a-${tag}`,
    name: 'Maple Street Physio',
    enforceTwoStep: true,
    allowTrustedDevices: true,
    createdAt: T0,
  };
  const otherClinic: Clinic = { ...clinic, id: `clinic-b-${tag}`, name: 'Harbour Dental' };
  await stores.clinics.create(clinic);
  await stores.clinics.create(otherClinic);
  const passwordHash = await hashPassword('correct horse battery staple', PASSWORD_COST);
  const member = (name: string, role: StaffMember['role'], clinicId = clinic.id): StaffMember => ({
    id: `staff-${name}-${tag}`,
    clinicId,
    email: `${name}-${tag}@maple.test`,
    name,
    role,
    passwordHash,
    active: true,
    createdAt: T0,
  });
  const owner = member('owner', 'full_access');
  const admin2 = member('admin2', 'full_access');
  const alice = member('alice', 'staff');
  const bob = member('bob', 'staff');
  const carol = member('carol', 'staff', otherClinic.id);
  for (const s of [owner, admin2, alice, bob, carol]) await stores.staff.create(s);
  return {
    twostep,
    stores,
    clock,
    sms,
    notifier,
    logs,
    clinic,
    otherClinic,
    owner,
    admin2,
    alice,
    bob,
    carol,
    actor: (staff) => ({ actorId: staff?.id ?? null, ip: '203.0.113.7', userAgent: 'reliability' }),
    code: (secret) => totp(secret, Math.floor(clock.now().getTime() / 1000), PARAMS),
    lastSms: () => {
      const match = /^(\d{6}) /.exec(sms.messages[0]?.body ?? '');
      if (!match?.[1]) throw new Error('no SMS code in the outbox');
      return match[1];
    },
  };
}

/** Enrolls an authenticator app (moves the clock one step on); returns the secret and the recovery code. */
export async function enrollTotp(f: CoreFixture, staff: StaffMember) {
  const started = await f.twostep.enrollment.startTotp(staff);
  const confirmed = await f.twostep.enrollment.confirmTotp(f.actor(staff), staff, f.code(started.secret));
  if (!confirmed.ok) throw new Error(`TOTP enrollment failed: ${confirmed.reason}`);
  f.clock.advance(TOTP.period * 1000);
  return { secret: started.secret, recoveryCode: confirmed.recoveryCode! };
}

/** Enrolls an SMS phone (moves the clock past the resend cooldown). */
export async function enrollSms(f: CoreFixture, staff: StaffMember, phone = '+1 416 967 1111') {
  const sent = await f.twostep.enrollment.startSms(f.actor(staff), staff, phone);
  if (!sent.ok) throw new Error(`SMS enrollment send failed: ${sent.reason}`);
  const confirmed = await f.twostep.enrollment.confirmSms(f.actor(staff), staff, f.lastSms());
  if (!confirmed.ok) throw new Error(`SMS enrollment failed: ${confirmed.reason}`);
  f.clock.advance(61_000);
  return { recoveryCode: confirmed.recoveryCode! };
}

/** Everything the stores hold about one staff member, and the clinic's audit count. */
export async function snapshot(stores: Stores, staff: { id: string; clinicId: string }, now: Date) {
  return {
    staff: await stores.staff.get(staff.id),
    factors: await stores.factors.list(staff.id),
    recovery: await stores.recoveryCodes.get(staff.id),
    throttle: await stores.throttles.get(`second-factor:${staff.id}`),
    smsSignIn: await stores.smsChallenges.current(staff.id, 'sign_in'),
    smsEnroll: await stores.smsChallenges.current(staff.id, 'enroll'),
    pause: await stores.pauses.get(staff.id),
    devices: await stores.trustedDevices.list(staff.id, now),
    audit: (await stores.audit.list(staff.clinicId, { order: 'asc' })).length,
  };
}

/** Runs `n` calls of `fn` at once. */
export const parallel = <T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> =>
  Promise.all(Array.from({ length: n }, (_, i) => fn(i)));

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
  const wrap = <T extends object>(storeName: keyof Stores, store: T): T =>
    new Proxy(store, {
      get(target, method, receiver) {
        const value: unknown = Reflect.get(target, method, receiver);
        if (typeof value !== 'function' || typeof method !== 'string') return value;
        return (...args: unknown[]) => {
          const what = `${storeName}.${method}`;
          calls.push(what);
          const fault = rule?.(storeName, method, args) ?? null;
          if (fault === 'throw') return Promise.reject(unavailable(what));
          if (fault === 'slow') {
            return new Promise((resolve) => setTimeout(resolve, 20)).then(() =>
              Reflect.apply(value, target, args),
            );
          }
          if (fault === 'hang') {
            return new Promise((_resolve, reject) => hung.push(() => reject(unavailable(what))));
          }
          return Reflect.apply(value, target, args);
        };
      },
    });
  const stores = Object.fromEntries(
    Object.entries(base).map(([name, store]) => [name, wrap(name as keyof Stores, store as object)]),
  ) as unknown as Stores;
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
