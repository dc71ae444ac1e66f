/**
 * Shared test fixture: a real twostep instance over real memory stores, a
 * manual clock, the outbox SMS sender and notifier, and two clinics with staff.
 * Nothing under test is mocked.
 */
import { randomBytes } from 'node:crypto';
import {
  type ActorContext,
  type Clinic,
  type Clock,
  type CoreConfigInput,
  createAesGcmSecretBox,
  createMemoryStores,
  createTwostep,
  type HashKeys,
  hashPassword,
  type PasswordCost,
  type Logger,
  type SessionListener,
  manualClock,
  outboxNotifier,
  outboxSmsSender,
  type StaffMember,
  type Stores,
  TOTP,
  type Twostep,
  totp,
} from '@twostep/core';
import type { NewPasskey } from '../src/enrollment.ts';

/** 09:00:05 UTC: five seconds into a 30 s step, so "this step" is unambiguous. */
export const T0 = new Date('2026-03-02T09:00:05.000Z');
export const PASSWORD = 'correct horse battery staple';
/** Cheap argon2id cost for tests only (production default is m = 7168 KiB, t = 5). */
export const TEST_PASSWORD_COST: PasswordCost = {
  algorithm: 'argon2id',
  memoryKiB: 256,
  passes: 1,
  parallelism: 1,
};

let passwordHash: Promise<string> | undefined;
export function testPasswordHash(): Promise<string> {
  passwordHash ??= hashPassword(PASSWORD, TEST_PASSWORD_COST);
  return passwordHash;
}

export interface FixtureOptions {
  config?: CoreConfigInput;
  /** Clinic A enforces 2-Step (default false). */
  enforce?: boolean;
  /** Clinic A offers "remember this device" (default true). */
  allowTrustedDevices?: boolean;
  /** Memory stores by default; any `Stores` (e.g. mongoose) works. */
  stores?: Stores;
  /** The hash key(s); default one random key. */
  hashKey?: HashKeys;
  /** Suffix for every clinic id, staff id and email, so several fixtures can share one database. */
  tag?: string;
  sessionListener?: SessionListener;
}

export interface LogLine {
  level: 'warn' | 'error';
  message: string;
  details: Record<string, unknown> | undefined;
}

function member(
  id: string,
  clinicId: string,
  name: string,
  email: string,
  role: StaffMember['role'],
  seed: { hash: string; tag: string | undefined },
): StaffMember {
  const { hash, tag } = seed;
  if (tag) [id, clinicId, email] = [`${id}-${tag}`, `${clinicId}-${tag}`, email.replace('@', `-${tag}@`)];
  return { id, clinicId, email, name, role, passwordHash: hash, active: true, createdAt: T0 };
}

export async function setup(options: FixtureOptions = {}) {
  const clock = manualClock(T0);
  const stores = options.stores ?? createMemoryStores();
  const sms = outboxSmsSender();
  const notifier = outboxNotifier();
  const secretBox = createAesGcmSecretBox([{ id: 'k1', key: randomBytes(32) }]);
  const logs: LogLine[] = [];
  const logger: Logger = {
    warn: (message, details) => logs.push({ level: 'warn', message, details }),
    error: (message, details) => logs.push({ level: 'error', message, details }),
  };
  const twostep: Twostep = createTwostep({
    stores,
    secretBox,
    hashKey: options.hashKey ?? randomBytes(32),
    smsSender: sms,
    notifier,
    clock,
    logger,
    ...(options.config ? { config: options.config } : {}),
    ...(options.sessionListener ? { sessionListener: options.sessionListener } : {}),
  });

  const seed = { hash: await testPasswordHash(), tag: options.tag };
  const suffix = seed.tag ? `-${seed.tag}` : '';
  const clinicA: Clinic = {
    id: `clinic-a${suffix}`,
    name: 'Maple Street Physio',
    enforceTwoStep: options.enforce ?? false,
    allowTrustedDevices: options.allowTrustedDevices ?? true,
    createdAt: T0,
  };
  const clinicB: Clinic = {
    id: `clinic-b${suffix}`,
    name: 'Harbour Dental',
    enforceTwoStep: false,
    allowTrustedDevices: true,
    createdAt: T0,
  };
  await stores.clinics.create(clinicA);
  await stores.clinics.create(clinicB);

  /** Full Access User of clinic A. */
  const owner = member(
    'staff-owner-a',
    'clinic-a',
    'Olivia Owner',
    'olivia@maple.example',
    'full_access',
    seed,
  );
  /** A second Full Access User of clinic A (receives colleague notifications). */
  const admin2 = member(
    'staff-admin2-a',
    'clinic-a',
    'Adam Second',
    'adam@maple.example',
    'full_access',
    seed,
  );
  const alice = member('staff-alice-a', 'clinic-a', 'Alice Nguyen', 'alice@maple.example', 'staff', seed);
  const bob = member('staff-bob-a', 'clinic-a', 'Bob Okafor', 'bob@maple.example', 'staff', seed);
  /** Full Access User of clinic B. */
  const ownerB = member('staff-owner-b', 'clinic-b', 'Bea Boss', 'bea@harbour.example', 'full_access', seed);
  const carol = member('staff-carol-b', 'clinic-b', 'Carol Diaz', 'carol@harbour.example', 'staff', seed);
  for (const s of [owner, admin2, alice, bob, ownerB, carol]) await stores.staff.create(s);

  /** Who acts, from where: every action in tests carries an ip and a user agent. */
  const actor = (staff: StaffMember | null): ActorContext => ({
    actorId: staff?.id ?? null,
    ip: '203.0.113.7',
    userAgent: 'vitest/agent',
  });

  return {
    twostep,
    stores,
    clock,
    sms,
    notifier,
    secretBox,
    logs,
    clinicA,
    clinicB,
    owner,
    admin2,
    alice,
    bob,
    ownerB,
    carol,
    actor,
  };
}

export type Fixture = Awaited<ReturnType<typeof setup>>;

export const epochSeconds = (clock: Clock) => Math.floor(clock.now().getTime() / 1000);

/** The authenticator-app code for `secret` at the clock's time, `steps` steps away. */
export function codeAt(secret: string, clock: Clock, steps = 0): string {
  return totp(secret, epochSeconds(clock) + steps * TOTP.period, TOTP);
}

/** A six-digit code that is valid for none of the steps within ±1 of now. */
export function wrongCode(secret: string, clock: Clock): string {
  const valid = new Set([-1, 0, 1].map((s) => codeAt(secret, clock, s)));
  for (let i = 0; ; i++) {
    const candidate = String(i).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

/** Enrolls an authenticator app with a real code, then moves the clock one step on. */
export async function enrollTotp(
  f: Fixture,
  staff: StaffMember,
): Promise<{ secret: string; recoveryCode: string | null }> {
  const started = await f.twostep.enrollment.startTotp(staff);
  const result = await f.twostep.enrollment.confirmTotp(
    f.actor(staff),
    staff,
    codeAt(started.secret, f.clock),
  );
  if (!result.ok) throw new Error(`TOTP enrollment failed: ${result.reason}`);
  f.clock.advance(TOTP.period * 1000);
  return { secret: started.secret, recoveryCode: result.recoveryCode };
}

/** The code of the newest SMS in the outbox (the body starts with it). */
export function lastSmsCode(f: Pick<Fixture, 'sms'>): string {
  const body = f.sms.messages[0]?.body ?? '';
  const match = /^(\d{6}) /.exec(body);
  if (!match?.[1]) throw new Error(`no code in the newest SMS: "${body}"`);
  return match[1];
}

/** Enrolls an SMS phone with the code read from the outbox, then waits out the resend cooldown. */
export async function enrollSms(
  f: Fixture,
  staff: StaffMember,
  phone = '+1 416 967 1111',
): Promise<{ recoveryCode: string | null }> {
  const sent = await f.twostep.enrollment.startSms(f.actor(staff), staff, phone);
  if (!sent.ok) throw new Error(`SMS enrollment send failed: ${sent.reason}`);
  const result = await f.twostep.enrollment.confirmSms(f.actor(staff), staff, lastSmsCode(f));
  if (!result.ok) throw new Error(`SMS enrollment failed: ${result.reason}`);
  f.clock.advance(61_000);
  return { recoveryCode: result.recoveryCode };
}

/** Everything the stores hold about one staff member (and the clinic's audit count), for before/after checks. */
export async function snapshot(f: Fixture, staff: StaffMember) {
  const { stores } = f;
  return {
    factors: await stores.factors.list(staff.id),
    recovery: await stores.recoveryCodes.get(staff.id),
    throttle: await stores.throttles.get(`second-factor:${staff.id}`),
    smsSignIn: await stores.smsChallenges.current(staff.id, 'sign_in'),
    smsEnroll: await stores.smsChallenges.current(staff.id, 'enroll'),
    pause: await stores.pauses.get(staff.id),
    devices: await stores.trustedDevices.list(staff.id, f.clock.now()),
    staff: await stores.staff.get(staff.id),
    auditCount: (await stores.audit.list(staff.clinicId)).length,
    smsSent: f.sms.messages.length,
    notifications: f.notifier.sent.length,
  };
}

/** Audit events of a clinic, oldest first. */
export function auditOf(f: Fixture, clinicId = 'clinic-a') {
  return f.stores.audit.list(clinicId, { order: 'asc' });
}

/** A passkey credential as a verified WebAuthn registration would give it (the values are opaque to core). */
export const credential = (overrides: Partial<NewPasskey> = {}): NewPasskey => ({
  credentialId: randomBytes(32).toString('base64url'),
  publicKey: randomBytes(77).toString('base64url'),
  counter: 0,
  transports: ['internal'],
  backupEligible: true,
  backupState: true,
  ...overrides,
});
