/**
 * The store contract: one suite that every adapter of the core store ports
 * (memory, mongoose) must pass. Run it from a `*.test.ts` file:
 *
 * ```ts
 * describeStoreContract('memory', async () => ({ stores: createMemoryStores() }));
 * ```
 *
 * The suite calls `setup` once (before all cases) and `teardown` once (after
 * them). Every case uses fresh random ids and emails, so it can run against a
 * shared database without cleaning up between cases. Dates are fixed values
 * far in the future (never the wall clock), so a TTL index on an `expiresAt`
 * field cannot delete test data mid-run.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stores, StoredPasskey } from '../../packages/core/src/ports.ts';
import type {
  AuditEvent,
  Clinic,
  Pause,
  RecoveryCodeRecord,
  SessionRecord,
  SmsChallenge,
  StaffMember,
  StoredFactor,
  TrustedDevice,
} from '../../packages/core/src/types.ts';

export interface StoreContractCapabilities {
  /**
   * False when concurrent conditional updates may all succeed (FerretDB's
   * updates are read-modify-write). The concurrency cases are then skipped.
   * Default true.
   */
  atomicUnderConcurrency?: boolean;
}

export interface StoreContractSetup {
  stores: Stores;
  teardown?: () => Promise<void>;
  capabilities?: StoreContractCapabilities;
}

const CONCURRENCY = 50;
const NOT_ATOMIC_REASON = 'needs real MongoDB: FerretDB updates are read-modify-write';

/** A fixed instant far from the wall clock; `at(s)` is `s` seconds after it. */
const T0 = Date.UTC(2090, 0, 1, 9, 0, 0);
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

const uid = (prefix: string): string => `${prefix}_${randomUUID()}`;
/** A random lower-case hex token, for unique emails that stay easy to search. */
const token = (): string => randomBytes(6).toString('hex');
/** A base64url SHA-256-sized hash value. */
const hash = (): string => randomBytes(32).toString('base64url');
const headOf = (event: AuditEvent) => ({ seq: event.seq, hash: event.hash });
const byId = <T extends { id: string }>(items: T[]): T[] =>
  [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

function makeClinic(overrides: Partial<Clinic> = {}): Clinic {
  return {
    id: uid('clinic'),
    name: 'Harbour Physio',
    enforceTwoStep: false,
    allowTrustedDevices: true,
    createdAt: at(0),
    ...overrides,
  };
}

function makeStaff(clinicId: string, overrides: Partial<StaffMember> = {}): StaffMember {
  return {
    id: uid('staff'),
    clinicId,
    email: `staff.${token()}@clinic.test`,
    name: 'Robin Park',
    role: 'staff',
    passwordHash: `scrypt$${hash()}`,
    active: true,
    createdAt: at(0),
    ...overrides,
  };
}

function makeTotp(staffId: string, clinicId: string, overrides: Partial<StoredFactor> = {}): StoredFactor {
  return {
    id: uid('totp'),
    kind: 'totp',
    secret: `sealed.${hash()}`,
    lastStep: null,
    createdAt: at(0),
    staffId,
    clinicId,
    status: 'pending',
    confirmedAt: null,
    ...overrides,
  } as StoredFactor;
}

function makeSms(staffId: string, clinicId: string): StoredFactor {
  return {
    id: uid('sms'),
    kind: 'sms',
    phone: '+15551234567',
    createdAt: at(0),
    staffId,
    clinicId,
    status: 'pending',
    confirmedAt: null,
  };
}

function makePasskey(
  staffId: string,
  clinicId: string,
  overrides: Partial<StoredPasskey> = {},
): StoredPasskey {
  return {
    id: uid('passkey'),
    kind: 'passkey',
    name: 'Front desk PC',
    credentialId: randomBytes(32).toString('base64url'),
    publicKey: randomBytes(77).toString('base64url'),
    counter: 0,
    transports: ['internal', 'hybrid'],
    backupEligible: true,
    backupState: false,
    lastUsedAt: null,
    createdAt: at(0),
    staffId,
    clinicId,
    status: 'active',
    confirmedAt: at(0),
    ...overrides,
  };
}

function makeRecovery(staffId: string, clinicId: string, createdAt = at(0)): RecoveryCodeRecord {
  return { staffId, clinicId, salt: randomBytes(16).toString('base64url'), hash: hash(), createdAt };
}

function makeDevice(
  staffId: string,
  clinicId: string,
  overrides: Partial<TrustedDevice> = {},
): TrustedDevice {
  return {
    id: uid('device'),
    staffId,
    clinicId,
    tokenHash: hash(),
    label: 'Firefox on Linux',
    createdAt: at(0),
    lastUsedAt: at(0),
    expiresAt: at(30 * 86_400),
    ...overrides,
  };
}

function makeChallenge(
  staffId: string,
  clinicId: string,
  overrides: Partial<SmsChallenge> = {},
): SmsChallenge {
  return {
    id: uid('sms_challenge'),
    staffId,
    clinicId,
    purpose: 'sign_in',
    phone: '+15551234567',
    codeHash: hash(),
    sentAt: at(0),
    expiresAt: at(600),
    failures: 0,
    consumedAt: null,
    ...overrides,
  };
}

function makePause(staffId: string, clinicId: string, overrides: Partial<Pause> = {}): Pause {
  return {
    staffId,
    clinicId,
    until: at(86_400),
    reason: 'Lost phone, new one arrives tomorrow',
    pausedBy: uid('admin'),
    createdAt: at(0),
    ...overrides,
  };
}

function makeEvent(clinicId: string, seq: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: uid('event'),
    clinicId,
    seq,
    type: 'sign_in.succeeded',
    actorId: null,
    targetId: null,
    at: at(seq),
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0',
    details: { method: 'totp', attempt: 1, remembered: false, note: null },
    prevHash: '',
    hash: hash(),
    ...overrides,
  };
}

const seqs = (events: AuditEvent[]): number[] => events.map((e) => e.seq);
const count = (results: boolean[], value: boolean): number => results.filter((r) => r === value).length;
const times = <T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> =>
  Promise.all(Array.from({ length: n }, (_, i) => fn(i)));
const oneToN = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
const ascending = (values: number[]): number[] => [...values].sort((a, b) => a - b);

export function describeStoreContract(adapterName: string, setup: () => Promise<StoreContractSetup>): void {
  describe(`store contract: ${adapterName}`, () => {
    let ctx: StoreContractSetup | undefined;
    const stores = (): Stores => {
      if (ctx === undefined) throw new Error('store contract: setup did not run');
      return ctx.stores;
    };

    beforeAll(async () => {
      ctx = await setup();
    });
    afterAll(async () => {
      await ctx?.teardown?.();
    });

    /**
     * A case that needs atomic conditional updates under concurrency. The
     * capability comes from the async `setup`, which runs after collection, so
     * the case is skipped at run time (reported as skipped, with the reason).
     */
    const itConcurrent = (name: string, fn: () => Promise<void>): void => {
      it(`${name} [concurrency]`, async (test) => {
        test.skip(ctx?.capabilities?.atomicUnderConcurrency === false, NOT_ATOMIC_REASON);
        await fn();
      });
    };

    async function newClinic(overrides: Partial<Clinic> = {}): Promise<Clinic> {
      const clinic = makeClinic(overrides);
      await stores().clinics.create(clinic);
      return clinic;
    }

    async function newStaff(clinicId?: string, overrides: Partial<StaffMember> = {}): Promise<StaffMember> {
      const member = makeStaff(clinicId ?? (await newClinic()).id, overrides);
      await stores().staff.create(member);
      return member;
    }

    describe('clinics', () => {
      it('create then get returns an equal clinic; get of an unknown id is null', async () => {
        const clinic = await newClinic({ enforceTwoStep: true, allowTrustedDevices: false });
        expect(await stores().clinics.get(clinic.id)).toEqual(clinic);
        expect(await stores().clinics.get(uid('clinic'))).toBeNull();
      });

      it('update applies only the patched fields; false for an unknown clinic', async () => {
        const clinic = await newClinic();
        expect(await stores().clinics.update(clinic.id, { enforceTwoStep: true })).toBe(true);
        expect(await stores().clinics.get(clinic.id)).toEqual({ ...clinic, enforceTwoStep: true });
        expect(
          await stores().clinics.update(clinic.id, {
            name: 'Harbour Physio & Rehab',
            allowTrustedDevices: false,
          }),
        ).toBe(true);
        expect(await stores().clinics.get(clinic.id)).toEqual({
          ...clinic,
          name: 'Harbour Physio & Rehab',
          enforceTwoStep: true,
          allowTrustedDevices: false,
        });
        expect(await stores().clinics.update(uid('clinic'), { name: 'Ghost' })).toBe(false);
      });

      it('keeps the time zone and phone country: absent until set, given back at create and after update', async () => {
        const plain = await newClinic();
        expect(await stores().clinics.get(plain.id)).not.toHaveProperty('timeZone');
        expect(await stores().clinics.get(plain.id)).not.toHaveProperty('country');
        const toronto = await newClinic({ timeZone: 'America/Toronto', country: 'CA' });
        expect(await stores().clinics.get(toronto.id)).toEqual(toronto);
        expect(
          await stores().clinics.update(plain.id, { timeZone: 'America/Vancouver', country: 'CA' }),
        ).toBe(true);
        expect(await stores().clinics.get(plain.id)).toEqual({
          ...plain,
          timeZone: 'America/Vancouver',
          country: 'CA',
        });
      });

      it('keeps the default language: absent until set, given back at create and after update', async () => {
        const plain = await newClinic();
        expect(await stores().clinics.get(plain.id)).not.toHaveProperty('defaultLocale');
        const french = await newClinic({ defaultLocale: 'fr-CA' });
        expect(await stores().clinics.get(french.id)).toEqual(french);
        expect(await stores().clinics.update(plain.id, { defaultLocale: 'fr-CA' })).toBe(true);
        expect(await stores().clinics.get(plain.id)).toEqual({ ...plain, defaultLocale: 'fr-CA' });
        expect(await stores().clinics.update(plain.id, { defaultLocale: 'en' })).toBe(true);
        expect(await stores().clinics.get(plain.id)).toEqual({ ...plain, defaultLocale: 'en' });
        // Other settings leave it alone.
        expect(await stores().clinics.update(plain.id, { name: 'Renamed' })).toBe(true);
        expect(await stores().clinics.get(plain.id)).toMatchObject({ name: 'Renamed', defaultLocale: 'en' });
      });

      it('keeps the enrollment grace period and the clinic contact: absent until set, an empty contact clears it', async () => {
        const plain = await newClinic();
        expect(await stores().clinics.get(plain.id)).not.toHaveProperty('enrollmentGraceDays');
        expect(await stores().clinics.get(plain.id)).not.toHaveProperty('contact');
        const withBoth = await newClinic({ enrollmentGraceDays: 14, contact: 'Front office: 613-555-0100' });
        expect(await stores().clinics.get(withBoth.id)).toEqual(withBoth);
        expect(
          await stores().clinics.update(plain.id, {
            enrollmentGraceDays: 7,
            contact: 'office@clinic.example',
          }),
        ).toBe(true);
        expect(await stores().clinics.get(plain.id)).toEqual({
          ...plain,
          enrollmentGraceDays: 7,
          contact: 'office@clinic.example',
        });
        expect(await stores().clinics.update(plain.id, { enrollmentGraceDays: 0, contact: '' })).toBe(true);
        expect(await stores().clinics.get(plain.id)).toEqual({ ...plain, enrollmentGraceDays: 0 });
      });

      it('keeps the passkey rule: absent until set, then each scope as set', async () => {
        const clinic = await newClinic();
        expect(await stores().clinics.get(clinic.id)).not.toHaveProperty('phishingResistant');
        for (const scope of ['everyone', 'full_access', 'off'] as const) {
          expect(await stores().clinics.update(clinic.id, { phishingResistant: scope })).toBe(true);
          expect(await stores().clinics.get(clinic.id)).toEqual({ ...clinic, phishingResistant: scope });
        }
        const strict = await newClinic({ phishingResistant: 'full_access' });
        expect(await stores().clinics.get(strict.id)).toEqual(strict);
      });

      it('returns copies: mutating an input or a result does not change the stored clinic', async () => {
        const clinic = makeClinic();
        const original = structuredClone(clinic);
        await stores().clinics.create(clinic);
        clinic.name = 'mutated input';
        const read = await stores().clinics.get(clinic.id);
        read!.name = 'mutated result';
        read!.createdAt.setTime(0);
        expect(await stores().clinics.get(clinic.id)).toEqual(original);
      });
    });

    describe('staff', () => {
      it('create then get and findByEmail return an equal staff member; unknown ones are null', async () => {
        const member = await newStaff(undefined, { role: 'full_access' });
        expect(await stores().staff.get(member.id)).toEqual(member);
        expect(await stores().staff.findByEmail(member.email)).toEqual(member);
        expect(await stores().staff.get(uid('staff'))).toBeNull();
        expect(await stores().staff.findByEmail(`nobody.${token()}@clinic.test`)).toBeNull();
      });

      it('stores the email trimmed and lower-cased; findByEmail normalizes the same way', async () => {
        const t = token();
        const member = await newStaff(undefined, { email: `  Mixed.Case.${t}@Clinic.TEST ` });
        const stored = { ...member, email: `mixed.case.${t}@clinic.test` };
        expect(await stores().staff.get(member.id)).toEqual(stored);
        expect(await stores().staff.findByEmail(`MIXED.case.${t}@clinic.test`)).toEqual(stored);
        expect(await stores().staff.findByEmail(`\tmixed.case.${t}@clinic.test  `)).toEqual(stored);
      });

      it("create throws TwostepError('conflict') for a taken email, in any case and any clinic", async () => {
        const first = await newStaff();
        const otherClinic = await newClinic();
        const duplicate = makeStaff(otherClinic.id, { email: ` ${first.email.toUpperCase()} ` });
        await expect(stores().staff.create(duplicate)).rejects.toMatchObject({
          name: 'TwostepError',
          code: 'conflict',
        });
        expect(await stores().staff.get(duplicate.id)).toBeNull();
        expect(await stores().staff.findByEmail(first.email)).toEqual(first);
        expect(await stores().staff.list(otherClinic.id)).toEqual({ items: [], total: 0 });
      });

      it('keeps the optional profile (given and family name, locale) through create and update', async () => {
        const bare = await newStaff();
        expect(await stores().staff.get(bare.id)).not.toHaveProperty('locale');
        const member = await newStaff(undefined, { givenName: 'Robin', familyName: 'Park', locale: 'fr-CA' });
        expect(await stores().staff.get(member.id)).toEqual(member);
        const patch = { familyName: 'Park-Lee', locale: 'en-CA' };
        expect(await stores().staff.update(member.id, patch)).toBe(true);
        expect(await stores().staff.get(member.id)).toEqual({ ...member, ...patch });
        expect(await stores().staff.update(bare.id, { givenName: 'Sam' })).toBe(true);
        expect((await stores().staff.get(bare.id))?.givenName).toBe('Sam');
      });

      it('update applies the patch; false for an unknown staff member', async () => {
        const member = await newStaff();
        const patch = {
          name: 'Robin Park-Lee',
          role: 'full_access' as const,
          passwordHash: 'scrypt$new',
          active: false,
        };
        expect(await stores().staff.update(member.id, patch)).toBe(true);
        expect(await stores().staff.get(member.id)).toEqual({ ...member, ...patch });
        expect(await stores().staff.update(uid('staff'), { name: 'Ghost' })).toBe(false);
      });

      it('replacePasswordHash replaces only the expected hash; false for another hash or staff', async () => {
        const member = await newStaff();
        expect(await stores().staff.replacePasswordHash(member.id, 'scrypt$other', 'next')).toBe(false);
        expect(await stores().staff.replacePasswordHash(uid('staff'), member.passwordHash, 'next')).toBe(
          false,
        );
        expect(await stores().staff.get(member.id)).toEqual(member);
        expect(await stores().staff.replacePasswordHash(member.id, member.passwordHash, '$argon2id$a')).toBe(
          true,
        );
        expect(await stores().staff.get(member.id)).toEqual({ ...member, passwordHash: '$argon2id$a' });
      });

      itConcurrent('replacePasswordHash: exactly one of concurrent rehashes of one hash wins', async () => {
        const member = await newStaff();
        const results = await times(CONCURRENCY, (i) =>
          stores().staff.replacePasswordHash(member.id, member.passwordHash, `$argon2id$${i}`),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect((await stores().staff.get(member.id))?.passwordHash).toBe(`$argon2id$${winner}`);
      });

      it('update of the email normalizes it, frees the old one and refuses a taken one', async () => {
        const member = await newStaff();
        const other = await newStaff();
        const t = token();
        expect(await stores().staff.update(member.id, { email: ` New.${t}@Clinic.test` })).toBe(true);
        const updated = { ...member, email: `new.${t}@clinic.test` };
        expect(await stores().staff.get(member.id)).toEqual(updated);
        expect(await stores().staff.findByEmail(`new.${t}@clinic.test`)).toEqual(updated);
        expect(await stores().staff.findByEmail(member.email)).toBeNull();
        await expect(
          stores().staff.update(member.id, { email: other.email.toUpperCase() }),
        ).rejects.toMatchObject({
          name: 'TwostepError',
          code: 'conflict',
        });
        expect(await stores().staff.get(member.id)).toEqual(updated);
        expect(await stores().staff.findByEmail(other.email)).toEqual(other);
        // The old email is free again.
        const newcomer = await newStaff(undefined, { email: member.email });
        expect(await stores().staff.findByEmail(member.email)).toEqual(newcomer);
      });

      it('list sorts by name then id, searches name and email case-insensitively, pages with total', async () => {
        const clinic = await newClinic();
        const t = token();
        const names = ['Cara Diaz', 'Ann Lee', 'Bob Stone', 'Eve (Admin)', 'Dan Mori', 'Bob Stone'];
        const members: StaffMember[] = [];
        for (const [i, name] of names.entries()) {
          const local = name.toLowerCase().replace(/[^a-z]+/g, '.');
          members.push(await newStaff(clinic.id, { name, email: `${local}${i}.${t}@clinic.test` }));
        }
        const [cara, ann, bob1, eve, dan, bob2] = members as [
          StaffMember,
          StaffMember,
          StaffMember,
          StaffMember,
          StaffMember,
          StaffMember,
        ];
        const [bobA, bobB] = byId([bob1, bob2]) as [StaffMember, StaffMember];
        const sorted = [ann, bobA, bobB, cara, dan, eve];

        expect(await stores().staff.list(clinic.id)).toEqual({ items: sorted, total: 6 });
        expect(await stores().staff.list(clinic.id, { offset: 1, limit: 2 })).toEqual({
          items: [bobA, bobB],
          total: 6,
        });
        expect(await stores().staff.list(clinic.id, { offset: 5, limit: 10 })).toEqual({
          items: [eve],
          total: 6,
        });
        expect(await stores().staff.list(clinic.id, { offset: 10 })).toEqual({ items: [], total: 6 });

        expect(await stores().staff.list(clinic.id, { search: 'bOB' })).toEqual({
          items: [bobA, bobB],
          total: 2,
        });
        expect(await stores().staff.list(clinic.id, { search: 'ANN L' })).toEqual({ items: [ann], total: 1 });
        // Email substring, case-insensitive.
        expect(await stores().staff.list(clinic.id, { search: `DAN.MORI4.${t}@` })).toEqual({
          items: [dan],
          total: 1,
        });
        // The search is a literal substring, never a pattern.
        expect(await stores().staff.list(clinic.id, { search: '(admin)' })).toEqual({
          items: [eve],
          total: 1,
        });
        expect(await stores().staff.list(clinic.id, { search: '.*' })).toEqual({ items: [], total: 0 });
        expect(await stores().staff.list(clinic.id, { search: 'zzz-nobody' })).toEqual({
          items: [],
          total: 0,
        });
        // Search and paging together: "o" matches Bob Stone twice and Dan Mori.
        expect(await stores().staff.list(clinic.id, { search: 'O', offset: 1, limit: 1 })).toEqual({
          items: [bobB],
          total: 3,
        });
      });

      it('list filters by role (every Full Access User of a clinic, and no one else)', async () => {
        const clinic = await newClinic();
        const owner = await newStaff(clinic.id, { role: 'full_access', name: 'Ada Owner' });
        const second = await newStaff(clinic.id, { role: 'full_access', name: 'Bea Admin' });
        await newStaff(clinic.id, { role: 'staff', name: 'Cy Desk' });
        await newStaff(undefined, { role: 'full_access', name: 'Other Clinic' });
        const admins = await stores().staff.list(clinic.id, { role: 'full_access' });
        expect(admins.items.map((s) => s.id)).toEqual([owner.id, second.id]);
        expect(admins.total).toBe(2);
        expect((await stores().staff.list(clinic.id, { role: 'staff' })).total).toBe(1);
      });

      it('list returns 50 items by default, with the full total', async () => {
        const clinic = await newClinic();
        for (let i = 0; i < 51; i++) {
          await newStaff(clinic.id, { name: `Staff ${String(i).padStart(3, '0')}` });
        }
        const page = await stores().staff.list(clinic.id);
        expect(page.total).toBe(51);
        expect(page.items.map((m) => m.name)).toEqual(
          Array.from({ length: 50 }, (_, i) => `Staff ${String(i).padStart(3, '0')}`),
        );
      });

      it('returns copies: mutating a result does not change the stored staff member', async () => {
        const member = await newStaff();
        const read = await stores().staff.findByEmail(member.email);
        read!.role = 'full_access';
        const page = await stores().staff.list(member.clinicId);
        page.items[0]!.active = false;
        expect(await stores().staff.get(member.id)).toEqual(member);
      });
    });

    describe('isolation between clinics', () => {
      it("clinic A's staff, audit log and settings never show in clinic B", async () => {
        const a = await newClinic();
        const b = await newClinic();
        const staffA = await newStaff(a.id, { name: 'Same Name' });
        const staffB = await newStaff(b.id, { name: 'Same Name' });
        expect(await stores().staff.list(a.id)).toEqual({ items: [staffA], total: 1 });
        expect(await stores().staff.list(b.id, { search: 'same' })).toEqual({ items: [staffB], total: 1 });

        const eventA = makeEvent(a.id, 1, { actorId: staffA.id, targetId: staffA.id });
        const eventB = makeEvent(b.id, 1, { actorId: staffB.id, targetId: staffB.id });
        expect(await stores().audit.append(eventA)).toBe(true);
        expect(await stores().audit.append(eventB)).toBe(true);
        expect(await stores().audit.list(a.id)).toEqual([eventA]);
        expect(await stores().audit.list(b.id, { actorOrTargetId: staffA.id })).toEqual([]);
        expect(await stores().audit.head(b.id)).toEqual(headOf(eventB));

        expect(await stores().clinics.update(a.id, { enforceTwoStep: true })).toBe(true);
        expect(await stores().clinics.get(b.id)).toEqual(b);

        await stores().pauses.set(makePause(staffA.id, a.id));
        expect(await stores().pauses.get(staffB.id)).toBeNull();
      });
    });

    describe('factors', () => {
      it('savePending stores a pending factor and replaces the pending one of the same kind only', async () => {
        const member = await newStaff();
        const p1 = makeTotp(member.id, member.clinicId);
        await stores().factors.savePending(p1);
        expect(await stores().factors.list(member.id)).toEqual([p1]);
        const sms = makeSms(member.id, member.clinicId);
        const p2 = makeTotp(member.id, member.clinicId, { createdAt: at(60) });
        await stores().factors.savePending(sms);
        await stores().factors.savePending(p2);
        expect(byId(await stores().factors.list(member.id))).toEqual(byId([sms, p2]));
        expect(await stores().factors.list(uid('staff'))).toEqual([]);
      });

      it('activate makes the pending factor active and replaces the previous active one', async () => {
        const member = await newStaff();
        const p1 = makeTotp(member.id, member.clinicId);
        await stores().factors.savePending(p1);
        expect(await stores().factors.activate(member.id, 'totp', p1.id, at(5), 100)).toBe(true);
        const active1 = { ...p1, status: 'active', confirmedAt: at(5), lastStep: 100 };
        expect(await stores().factors.list(member.id)).toEqual([active1]);

        // Replacing the app: the old one keeps working until the new one is confirmed.
        const p2 = makeTotp(member.id, member.clinicId, { createdAt: at(50) });
        await stores().factors.savePending(p2);
        expect(byId(await stores().factors.list(member.id))).toEqual(byId([active1, p2]));
        expect(await stores().factors.activate(member.id, 'totp', p2.id, at(90), 200)).toBe(true);
        expect(await stores().factors.list(member.id)).toEqual([
          { ...p2, status: 'active', confirmedAt: at(90), lastStep: 200 },
        ]);
      });

      it('activate of an SMS factor keeps its phone and leaves other kinds alone', async () => {
        const member = await newStaff();
        const totp = makeTotp(member.id, member.clinicId);
        await stores().factors.savePending(totp);
        await stores().factors.activate(member.id, 'totp', totp.id, at(1), 7);
        const sms = makeSms(member.id, member.clinicId);
        await stores().factors.savePending(sms);
        expect(await stores().factors.activate(member.id, 'sms', sms.id, at(2), null)).toBe(true);
        expect(byId(await stores().factors.list(member.id))).toEqual(
          byId([
            { ...totp, status: 'active', confirmedAt: at(1), lastStep: 7 },
            { ...sms, status: 'active', confirmedAt: at(2) },
          ]),
        );
      });

      it('activate returns false for a stale, already confirmed, unknown or mismatched pending id', async () => {
        const member = await newStaff();
        const other = await newStaff(member.clinicId);
        const p1 = makeTotp(member.id, member.clinicId);
        const p2 = makeTotp(member.id, member.clinicId);
        await stores().factors.savePending(p1);
        await stores().factors.savePending(p2);
        expect(await stores().factors.activate(member.id, 'totp', p1.id, at(1), 1)).toBe(false);
        expect(await stores().factors.activate(member.id, 'sms', p2.id, at(1), 1)).toBe(false);
        expect(await stores().factors.activate(other.id, 'totp', p2.id, at(1), 1)).toBe(false);
        expect(await stores().factors.activate(member.id, 'totp', uid('totp'), at(1), 1)).toBe(false);
        expect(await stores().factors.list(member.id)).toEqual([p2]);
        expect(await stores().factors.activate(member.id, 'totp', p2.id, at(2), 2)).toBe(true);
        expect(await stores().factors.activate(member.id, 'totp', p2.id, at(3), 3)).toBe(false);
        expect(await stores().factors.list(member.id)).toEqual([
          { ...p2, status: 'active', confirmedAt: at(2), lastStep: 2 },
        ]);
        expect(await stores().factors.list(other.id)).toEqual([]);
      });

      it('acceptTotpStep accepts only steps greater than the last accepted one', async () => {
        const member = await newStaff();
        const factor = makeTotp(member.id, member.clinicId);
        await stores().factors.savePending(factor);
        await stores().factors.activate(member.id, 'totp', factor.id, at(0), 1000);
        const accept = (step: number) => stores().factors.acceptTotpStep(member.id, factor.id, step);
        expect(await accept(1000)).toBe(false);
        expect(await accept(999)).toBe(false);
        expect(await accept(1001)).toBe(true);
        expect(await accept(1001)).toBe(false);
        expect(await accept(1003)).toBe(true);
        expect(await accept(1002)).toBe(false);
        expect(await stores().factors.list(member.id)).toEqual([
          { ...factor, status: 'active', confirmedAt: at(0), lastStep: 1003 },
        ]);
      });

      it('acceptTotpStep accepts any step when none was recorded yet', async () => {
        const member = await newStaff();
        const factor = makeTotp(member.id, member.clinicId);
        await stores().factors.savePending(factor);
        await stores().factors.activate(member.id, 'totp', factor.id, at(0), null);
        expect(await stores().factors.acceptTotpStep(member.id, factor.id, 5)).toBe(true);
        expect(await stores().factors.acceptTotpStep(member.id, factor.id, 5)).toBe(false);
      });

      it("acceptTotpStep refuses a pending factor, another staff member's factor and unknown ids", async () => {
        const member = await newStaff();
        const other = await newStaff(member.clinicId);
        const active = makeTotp(member.id, member.clinicId);
        await stores().factors.savePending(active);
        await stores().factors.activate(member.id, 'totp', active.id, at(0), 10);
        const pending = makeTotp(member.id, member.clinicId);
        await stores().factors.savePending(pending);
        expect(await stores().factors.acceptTotpStep(member.id, pending.id, 11)).toBe(false);
        expect(await stores().factors.acceptTotpStep(other.id, active.id, 11)).toBe(false);
        expect(await stores().factors.acceptTotpStep(member.id, uid('totp'), 11)).toBe(false);
        expect(byId(await stores().factors.list(member.id))).toEqual(
          byId([{ ...active, status: 'active', confirmedAt: at(0), lastStep: 10 }, pending]),
        );
      });

      itConcurrent(
        `acceptTotpStep: exactly one of ${CONCURRENCY} concurrent calls with one step wins`,
        async () => {
          const member = await newStaff();
          const factor = makeTotp(member.id, member.clinicId);
          await stores().factors.savePending(factor);
          await stores().factors.activate(member.id, 'totp', factor.id, at(0), 500);
          const results = await times(CONCURRENCY, () =>
            stores().factors.acceptTotpStep(member.id, factor.id, 501),
          );
          expect(count(results, true)).toBe(1);
          expect(count(results, false)).toBe(CONCURRENCY - 1);
          expect(await stores().factors.list(member.id)).toEqual([
            { ...factor, status: 'active', confirmedAt: at(0), lastStep: 501 },
          ]);
        },
      );

      itConcurrent(`activate: exactly one of ${CONCURRENCY} concurrent calls wins`, async () => {
        const member = await newStaff();
        const factor = makeTotp(member.id, member.clinicId);
        await stores().factors.savePending(factor);
        const results = await times(CONCURRENCY, (i) =>
          stores().factors.activate(member.id, 'totp', factor.id, at(1), i),
        );
        expect(count(results, true)).toBe(1);
        expect(count(results, false)).toBe(CONCURRENCY - 1);
        expect(await stores().factors.list(member.id)).toEqual([
          { ...factor, status: 'active', confirmedAt: at(1), lastStep: results.indexOf(true) },
        ]);
      });

      it('listTotp pages through the TOTP factors (pending and active) by staff id; no SMS factors', async () => {
        const clinic = await newClinic();
        const members = await Promise.all([1, 2, 3].map(() => newStaff(clinic.id)));
        members.sort((a, b) => (a.id < b.id ? -1 : 1));
        const [m1, m2, m3] = members as [StaffMember, StaffMember, StaffMember];
        const active = makeTotp(m1.id, clinic.id);
        await stores().factors.savePending(active);
        await stores().factors.activate(m1.id, 'totp', active.id, at(0), 7);
        const pending = makeTotp(m1.id, clinic.id);
        await stores().factors.savePending(pending);
        await stores().factors.savePending(makeSms(m2.id, clinic.id));
        const third = makeTotp(m3.id, clinic.id);
        await stores().factors.savePending(third);
        // The database may hold other tests' staff: look at ours only, starting just before m1.
        const before = m1.id.slice(0, -1);
        const ours = (list: StoredFactor[]) => list.filter((f) => members.some((m) => m.id === f.staffId));
        const firstPage = await stores().factors.listTotp(before, 1);
        expect(byId(firstPage)).toEqual(
          byId([{ ...active, status: 'active', confirmedAt: at(0), lastStep: 7 }, pending]),
        );
        expect(ours(await stores().factors.listTotp(m1.id, 1000))).toEqual([third]);
        expect(await stores().factors.listTotp(m3.id, 1000)).not.toContainEqual(third);
      });

      it('replaceSecret replaces only the expected value of that factor (active or pending)', async () => {
        const member = await newStaff();
        const other = await newStaff(member.clinicId);
        const active = makeTotp(member.id, member.clinicId, { secret: 'v1.old.a' });
        await stores().factors.savePending(active);
        await stores().factors.activate(member.id, 'totp', active.id, at(0), 3);
        const pending = makeTotp(member.id, member.clinicId, { secret: 'v1.old.p' });
        await stores().factors.savePending(pending);
        const replace = (staffId: string, id: string, expected: string, next: string) =>
          stores().factors.replaceSecret(staffId, id, expected, next);
        expect(await replace(member.id, active.id, 'v1.other.x', 'v1.new.a')).toBe(false);
        expect(await replace(other.id, active.id, 'v1.old.a', 'v1.new.a')).toBe(false);
        expect(await replace(member.id, uid('totp'), 'v1.old.a', 'v1.new.a')).toBe(false);
        expect(await replace(member.id, active.id, 'v1.old.a', 'v1.new.a')).toBe(true);
        expect(await replace(member.id, pending.id, 'v1.old.p', 'v1.new.p')).toBe(true);
        expect(await replace(member.id, active.id, 'v1.old.a', 'v1.newer.a')).toBe(false);
        expect(byId(await stores().factors.list(member.id))).toEqual(
          byId([
            { ...active, secret: 'v1.new.a', status: 'active', confirmedAt: at(0), lastStep: 3 },
            { ...pending, secret: 'v1.new.p' },
          ]),
        );
      });

      itConcurrent(
        `replaceSecret: exactly one of ${CONCURRENCY} concurrent calls wins; a concurrent acceptTotpStep is kept`,
        async () => {
          const member = await newStaff();
          const factor = makeTotp(member.id, member.clinicId, { secret: 'v1.old.s' });
          await stores().factors.savePending(factor);
          await stores().factors.activate(member.id, 'totp', factor.id, at(0), 100);
          const [replaced, accepted] = await Promise.all([
            times(CONCURRENCY, (i) =>
              stores().factors.replaceSecret(member.id, factor.id, 'v1.old.s', `v1.new.${i}`),
            ),
            times(CONCURRENCY, (i) => stores().factors.acceptTotpStep(member.id, factor.id, 101 + i)),
          ]);
          expect(count(replaced, true)).toBe(1);
          const [stored] = await stores().factors.list(member.id);
          expect(stored).toMatchObject({ secret: `v1.new.${replaced.indexOf(true)}` });
          // The highest step always wins, and the re-seal never wrote an older lastStep back.
          expect(accepted.at(-1)).toBe(true);
          expect(stored).toMatchObject({ lastStep: 100 + CONCURRENCY });
        },
      );

      it('remove deletes the active and pending factor of a kind; removeAll deletes every one', async () => {
        const member = await newStaff();
        const other = await newStaff(member.clinicId);
        const active = makeTotp(member.id, member.clinicId);
        await stores().factors.savePending(active);
        await stores().factors.activate(member.id, 'totp', active.id, at(0), 1);
        await stores().factors.savePending(makeTotp(member.id, member.clinicId));
        const sms = makeSms(member.id, member.clinicId);
        await stores().factors.savePending(sms);
        const othersFactor = makeTotp(other.id, other.clinicId);
        await stores().factors.savePending(othersFactor);

        expect(await stores().factors.remove(member.id, 'totp')).toBe(true);
        expect(await stores().factors.list(member.id)).toEqual([sms]);
        expect(await stores().factors.remove(member.id, 'totp')).toBe(false);
        await stores().factors.savePending(makeTotp(member.id, member.clinicId));
        await stores().factors.removeAll(member.id);
        expect(await stores().factors.list(member.id)).toEqual([]);
        expect(await stores().factors.remove(member.id, 'sms')).toBe(false);
        expect(await stores().factors.list(other.id)).toEqual([othersFactor]);
      });

      it('holds several passkeys per person beside the other kinds; a credential id is stored once', async () => {
        const member = await newStaff();
        const other = await newStaff(member.clinicId);
        const totp = makeTotp(member.id, member.clinicId);
        await stores().factors.savePending(totp);
        const desk = makePasskey(member.id, member.clinicId);
        const phone = makePasskey(member.id, member.clinicId, {
          name: 'My phone',
          createdAt: at(10),
          confirmedAt: at(10),
          transports: [],
          backupState: true,
        });
        expect(await stores().factors.addPasskey(desk)).toBe(true);
        expect(await stores().factors.addPasskey(phone)).toBe(true);
        expect(byId(await stores().factors.list(member.id))).toEqual(byId([totp, desk, phone]));

        // The same credential again — for the same person or anyone else — is refused and changes nothing.
        const again = makePasskey(other.id, other.clinicId, { credentialId: desk.credentialId });
        expect(await stores().factors.addPasskey(again)).toBe(false);
        expect(await stores().factors.list(other.id)).toEqual([]);
        expect(await stores().factors.findPasskey(desk.credentialId)).toEqual(desk);
        expect(await stores().factors.findPasskey(randomBytes(32).toString('base64url'))).toBeNull();

        // Savepending/activate of another kind leave the passkeys alone.
        expect(await stores().factors.activate(member.id, 'totp', totp.id, at(20), 5)).toBe(true);
        expect(await stores().factors.list(member.id)).toHaveLength(3);
      });

      it('renames and removes one passkey; remove(passkey) and removeAll drop every one', async () => {
        const member = await newStaff();
        const other = await newStaff(member.clinicId);
        const [a, b, c] = [0, 1, 2].map((i) =>
          makePasskey(member.id, member.clinicId, { name: `Key ${i}`, createdAt: at(i), confirmedAt: at(i) }),
        ) as [StoredPasskey, StoredPasskey, StoredPasskey];
        for (const p of [a, b, c]) await stores().factors.addPasskey(p);
        const othersKey = makePasskey(other.id, other.clinicId);
        await stores().factors.addPasskey(othersKey);
        const sms = makeSms(member.id, member.clinicId);
        await stores().factors.savePending(sms);

        expect(await stores().factors.renamePasskey(member.id, a.id, 'Reception laptop')).toBe(true);
        expect(await stores().factors.renamePasskey(other.id, a.id, 'Not yours')).toBe(false);
        expect(await stores().factors.removeOne(other.id, b.id)).toBe(false);
        expect(await stores().factors.removeOne(member.id, b.id)).toBe(true);
        expect(await stores().factors.removeOne(member.id, b.id)).toBe(false);
        expect(await stores().factors.renamePasskey(member.id, b.id, 'Gone')).toBe(false);
        expect(byId(await stores().factors.list(member.id))).toEqual(
          byId([sms, { ...a, name: 'Reception laptop' }, c]),
        );

        // removeOne also takes a factor of a kind held once.
        expect(await stores().factors.removeOne(member.id, sms.id)).toBe(true);
        expect(await stores().factors.remove(member.id, 'passkey')).toBe(true);
        expect(await stores().factors.list(member.id)).toEqual([]);
        expect(await stores().factors.remove(member.id, 'passkey')).toBe(false);
        expect(await stores().factors.findPasskey(a.credentialId)).toBeNull();

        await stores().factors.addPasskey(makePasskey(member.id, member.clinicId));
        await stores().factors.removeAll(member.id);
        expect(await stores().factors.list(member.id)).toEqual([]);
        expect(await stores().factors.list(other.id)).toEqual([othersKey]);
      });

      it('recordPasskeyUse records a use only while the counter is the one expected', async () => {
        const member = await newStaff();
        const key = makePasskey(member.id, member.clinicId, { counter: 7 });
        await stores().factors.addPasskey(key);
        const use = { expectedCounter: 6, counter: 9, backupState: true, usedAt: at(30) };
        expect(await stores().factors.recordPasskeyUse(member.id, key.id, use)).toBe(false);
        expect(await stores().factors.findPasskey(key.credentialId)).toEqual(key);
        expect(
          await stores().factors.recordPasskeyUse(member.id, key.id, { ...use, expectedCounter: 7 }),
        ).toBe(true);
        expect(await stores().factors.findPasskey(key.credentialId)).toEqual({
          ...key,
          counter: 9,
          backupState: true,
          lastUsedAt: at(30),
        });
        expect(
          await stores().factors.recordPasskeyUse(uid('staff'), key.id, { ...use, expectedCounter: 9 }),
        ).toBe(false);
      });

      itConcurrent(
        'of concurrent uses of one passkey that read the same counter, exactly one is recorded',
        async () => {
          const member = await newStaff();
          const key = makePasskey(member.id, member.clinicId, { counter: 3 });
          await stores().factors.addPasskey(key);
          const results = await times(CONCURRENCY, (i) =>
            stores().factors.recordPasskeyUse(member.id, key.id, {
              expectedCounter: 3,
              counter: 4 + i,
              backupState: false,
              usedAt: at(i),
            }),
          );
          expect(count(results, true)).toBe(1);
          const stored = await stores().factors.findPasskey(key.credentialId);
          expect(stored?.counter).toBe(4 + results.indexOf(true));
        },
      );

      itConcurrent('of concurrent registrations of one credential, exactly one is stored', async () => {
        const clinic = await newClinic();
        const members = await times(5, () => newStaff(clinic.id));
        const credentialId = randomBytes(32).toString('base64url');
        const results = await times(CONCURRENCY, (i) => {
          const m = members[i % members.length]!;
          return stores().factors.addPasskey(makePasskey(m.id, m.clinicId, { credentialId }));
        });
        expect(count(results, true)).toBe(1);
        const lists = await Promise.all(members.map((m) => stores().factors.list(m.id)));
        expect(lists.flat()).toHaveLength(1);
      });

      it('returns copies: mutating a listed factor does not change the stored one', async () => {
        const member = await newStaff();
        const factor = makeTotp(member.id, member.clinicId);
        await stores().factors.savePending(factor);
        const [read] = await stores().factors.list(member.id);
        read!.status = 'active';
        expect(await stores().factors.list(member.id)).toEqual([factor]);
      });
    });

    describe('recovery codes', () => {
      it('set then get returns the record; set replaces it; remove deletes it', async () => {
        const member = await newStaff();
        expect(await stores().recoveryCodes.get(member.id)).toBeNull();
        const first = makeRecovery(member.id, member.clinicId);
        await stores().recoveryCodes.set(first);
        expect(await stores().recoveryCodes.get(member.id)).toEqual(first);
        const second = makeRecovery(member.id, member.clinicId, at(100));
        await stores().recoveryCodes.set(second);
        expect(await stores().recoveryCodes.get(member.id)).toEqual(second);
        await stores().recoveryCodes.remove(member.id);
        expect(await stores().recoveryCodes.get(member.id)).toBeNull();
        await stores().recoveryCodes.remove(member.id);
      });

      it('replace swaps in the next record only when the expected hash matches', async () => {
        const member = await newStaff();
        const current = makeRecovery(member.id, member.clinicId);
        await stores().recoveryCodes.set(current);
        const next = makeRecovery(member.id, member.clinicId, at(10));
        const replace = (expected: string) => stores().recoveryCodes.replace(member.id, expected, next);

        expect(await replace(hash())).toBe(false);
        expect(await replace(current.hash.slice(0, -1))).toBe(false);
        expect(await replace('')).toBe(false);
        expect(await stores().recoveryCodes.get(member.id)).toEqual(current);

        expect(await replace(current.hash)).toBe(true);
        expect(await stores().recoveryCodes.get(member.id)).toEqual(next);
        // The consumed code never works again; the new one does.
        expect(await replace(current.hash)).toBe(false);
        const third = makeRecovery(member.id, member.clinicId, at(20));
        expect(await stores().recoveryCodes.replace(member.id, next.hash, third)).toBe(true);
        expect(await stores().recoveryCodes.get(member.id)).toEqual(third);
      });

      it('replace returns false when the staff member has no code', async () => {
        const member = await newStaff();
        const next = makeRecovery(member.id, member.clinicId);
        expect(await stores().recoveryCodes.replace(member.id, hash(), next)).toBe(false);
        expect(await stores().recoveryCodes.get(member.id)).toBeNull();
      });

      itConcurrent(`replace: exactly one of ${CONCURRENCY} concurrent calls wins`, async () => {
        const member = await newStaff();
        const current = makeRecovery(member.id, member.clinicId);
        await stores().recoveryCodes.set(current);
        const nexts = Array.from({ length: CONCURRENCY }, () =>
          makeRecovery(member.id, member.clinicId, at(1)),
        );
        const results = await times(CONCURRENCY, (i) =>
          stores().recoveryCodes.replace(member.id, current.hash, nexts[i]!),
        );
        expect(count(results, true)).toBe(1);
        expect(count(results, false)).toBe(CONCURRENCY - 1);
        expect(await stores().recoveryCodes.get(member.id)).toEqual(nexts[results.indexOf(true)]);
      });
    });

    describe('trusted devices', () => {
      it('add then get returns an equal device; get of an unknown id is null', async () => {
        const member = await newStaff();
        const device = makeDevice(member.id, member.clinicId);
        await stores().trustedDevices.add(device);
        expect(await stores().trustedDevices.get(device.id)).toEqual(device);
        expect(await stores().trustedDevices.get(uid('device'))).toBeNull();
      });

      it('touch updates lastUsedAt only; touching an unknown device is harmless', async () => {
        const member = await newStaff();
        const device = makeDevice(member.id, member.clinicId);
        await stores().trustedDevices.add(device);
        await stores().trustedDevices.touch(device.id, at(3600));
        expect(await stores().trustedDevices.get(device.id)).toEqual({ ...device, lastUsedAt: at(3600) });
        await stores().trustedDevices.touch(uid('device'), at(3600));
      });

      it('list is newest first and excludes expired devices and other staff members', async () => {
        const member = await newStaff();
        const other = await newStaff(member.clinicId);
        const oldest = makeDevice(member.id, member.clinicId, { createdAt: at(0), expiresAt: at(1000) });
        const newest = makeDevice(member.id, member.clinicId, { createdAt: at(300), expiresAt: at(5000) });
        const middle = makeDevice(member.id, member.clinicId, { createdAt: at(100), expiresAt: at(2000) });
        const expired = makeDevice(member.id, member.clinicId, { createdAt: at(200), expiresAt: at(400) });
        for (const d of [oldest, newest, middle, expired, makeDevice(other.id, other.clinicId)]) {
          await stores().trustedDevices.add(d);
        }
        expect(await stores().trustedDevices.list(member.id, at(399))).toEqual([
          newest,
          expired,
          middle,
          oldest,
        ]);
        // A device is expired from its expiresAt on.
        expect(await stores().trustedDevices.list(member.id, at(400))).toEqual([newest, middle, oldest]);
        expect(await stores().trustedDevices.list(member.id, at(1000))).toEqual([newest, middle]);
        expect(await stores().trustedDevices.list(member.id, at(5000))).toEqual([]);
        expect(await stores().trustedDevices.list(uid('staff'), at(0))).toEqual([]);
      });

      it("remove deletes one device of the staff member, never another staff member's", async () => {
        const member = await newStaff();
        const other = await newStaff(member.clinicId);
        const device = makeDevice(member.id, member.clinicId);
        await stores().trustedDevices.add(device);
        expect(await stores().trustedDevices.remove(other.id, device.id)).toBe(false);
        expect(await stores().trustedDevices.get(device.id)).toEqual(device);
        expect(await stores().trustedDevices.remove(member.id, device.id)).toBe(true);
        expect(await stores().trustedDevices.get(device.id)).toBeNull();
        expect(await stores().trustedDevices.remove(member.id, device.id)).toBe(false);
      });

      it('removeAll deletes every device of the staff member (expired too) and returns the count', async () => {
        const member = await newStaff();
        const other = await newStaff(member.clinicId);
        const devices = [
          makeDevice(member.id, member.clinicId),
          makeDevice(member.id, member.clinicId, { createdAt: at(10) }),
          makeDevice(member.id, member.clinicId, { expiresAt: at(1) }),
        ];
        const othersDevice = makeDevice(other.id, other.clinicId);
        for (const d of [...devices, othersDevice]) await stores().trustedDevices.add(d);
        expect(await stores().trustedDevices.removeAll(member.id)).toBe(3);
        for (const d of devices) expect(await stores().trustedDevices.get(d.id)).toBeNull();
        expect(await stores().trustedDevices.list(member.id, at(0))).toEqual([]);
        expect(await stores().trustedDevices.removeAll(member.id)).toBe(0);
        expect(await stores().trustedDevices.get(othersDevice.id)).toEqual(othersDevice);
      });
    });

    describe('sessions', () => {
      const makeSession = (staffId: string, overrides: Partial<SessionRecord> = {}): SessionRecord => ({
        id: hash(),
        staffId,
        acr: 'urn:twostep:loa:2fa',
        amr: ['pwd', 'otp', 'mfa'],
        authTime: Math.floor(T0 / 1000),
        createdAt: at(0),
        seenAt: at(0),
        expiresAt: at(3600),
        ...overrides,
      });

      it('create then get returns an equal session until it expires; a second create with the id is a conflict', async () => {
        const member = await newStaff();
        const session = makeSession(member.id);
        await stores().sessions.create(session);
        expect(await stores().sessions.get(session.id, at(3599))).toEqual(session);
        expect(await stores().sessions.get(session.id, at(3600))).toBeNull();
        expect(await stores().sessions.get(hash(), at(0))).toBeNull();
        await expect(
          stores().sessions.create(makeSession(member.id, { id: session.id })),
        ).rejects.toMatchObject({
          code: 'conflict',
        });
      });

      it('update changes only the given fields; false when the session is gone', async () => {
        const member = await newStaff();
        const session = makeSession(member.id);
        await stores().sessions.create(session);
        expect(await stores().sessions.update(session.id, { seenAt: at(60) })).toBe(true);
        expect(await stores().sessions.get(session.id, at(0))).toEqual({ ...session, seenAt: at(60) });
        const verified = { acr: 'urn:twostep:loa:1fa', amr: ['pwd'], authTime: session.authTime + 99 };
        expect(await stores().sessions.update(session.id, verified)).toBe(true);
        expect(await stores().sessions.get(session.id, at(0))).toEqual({
          ...session,
          seenAt: at(60),
          ...verified,
        });
        expect(await stores().sessions.update(hash(), { seenAt: at(60) })).toBe(false);
      });

      it('remove deletes one session once', async () => {
        const member = await newStaff();
        const [a, b] = [makeSession(member.id), makeSession(member.id)];
        await stores().sessions.create(a);
        await stores().sessions.create(b);
        expect(await stores().sessions.remove(a.id)).toBe(true);
        expect(await stores().sessions.remove(a.id)).toBe(false);
        expect(await stores().sessions.get(a.id, at(0))).toBeNull();
        expect(await stores().sessions.get(b.id, at(0))).toEqual(b);
      });

      it("endAll removes every session of the staff member (never another's) and keeps the latest end", async () => {
        const member = await newStaff();
        const other = await newStaff(member.clinicId);
        const mine = [makeSession(member.id), makeSession(member.id, { expiresAt: at(1) })];
        const theirs = makeSession(other.id);
        for (const s of [...mine, theirs]) await stores().sessions.create(s);
        expect(await stores().sessions.endedAt(member.id)).toBeNull();
        expect(await stores().sessions.endAll(member.id, at(100))).toBe(2);
        for (const s of mine) expect(await stores().sessions.get(s.id, at(0))).toBeNull();
        expect(await stores().sessions.get(theirs.id, at(0))).toEqual(theirs);
        expect(await stores().sessions.endedAt(member.id)).toEqual(at(100));
        expect(await stores().sessions.endedAt(other.id)).toBeNull();
        // An earlier instant (a slow process) never moves the end back.
        expect(await stores().sessions.endAll(member.id, at(50))).toBe(0);
        expect(await stores().sessions.endedAt(member.id)).toEqual(at(100));
        expect(await stores().sessions.endAll(member.id, at(200))).toBe(0);
        expect(await stores().sessions.endedAt(member.id)).toEqual(at(200));
      });

      itConcurrent(`endAll: ${CONCURRENCY} concurrent calls leave the latest end`, async () => {
        const member = await newStaff();
        await stores().sessions.create(makeSession(member.id));
        const removed = await times(CONCURRENCY, (i) => stores().sessions.endAll(member.id, at(1000 + i)));
        expect(removed.reduce((a, b) => a + b, 0)).toBe(1);
        expect(await stores().sessions.endedAt(member.id)).toEqual(at(1000 + CONCURRENCY - 1));
      });
    });

    describe('SMS challenges', () => {
      it('put then current returns the challenge for its purpose only', async () => {
        const member = await newStaff();
        const challenge = makeChallenge(member.id, member.clinicId);
        await stores().smsChallenges.put(challenge);
        expect(await stores().smsChallenges.current(member.id, 'sign_in')).toEqual(challenge);
        expect(await stores().smsChallenges.current(member.id, 'enroll')).toBeNull();
        expect(await stores().smsChallenges.current(uid('staff'), 'sign_in')).toBeNull();
      });

      it('consume succeeds once with the right hash and records consumedAt', async () => {
        const member = await newStaff();
        const challenge = makeChallenge(member.id, member.clinicId);
        await stores().smsChallenges.put(challenge);
        expect(await stores().smsChallenges.consume(challenge.id, challenge.codeHash, at(599))).toBe(true);
        expect(await stores().smsChallenges.current(member.id, 'sign_in')).toEqual({
          ...challenge,
          consumedAt: at(599),
        });
        expect(await stores().smsChallenges.consume(challenge.id, challenge.codeHash, at(599))).toBe(false);
      });

      it('consume is refused when expired or the hash is wrong, without changing the challenge', async () => {
        const member = await newStaff();
        const challenge = makeChallenge(member.id, member.clinicId);
        await stores().smsChallenges.put(challenge);
        const consume = (codeHash: string, now: Date) =>
          stores().smsChallenges.consume(challenge.id, codeHash, now);
        expect(await consume(challenge.codeHash, at(600))).toBe(false);
        expect(await consume(challenge.codeHash, at(601))).toBe(false);
        expect(await consume(hash(), at(1))).toBe(false);
        expect(await consume(challenge.codeHash.slice(0, -1), at(1))).toBe(false);
        expect(await consume('', at(1))).toBe(false);
        expect(await stores().smsChallenges.consume(uid('sms_challenge'), challenge.codeHash, at(1))).toBe(
          false,
        );
        expect(await stores().smsChallenges.current(member.id, 'sign_in')).toEqual(challenge);
        expect(await consume(challenge.codeHash, at(1))).toBe(true);
      });

      it('takeTry counts a try in advance and returns the challenge before it, up to maxFailures', async () => {
        const member = await newStaff();
        const challenge = makeChallenge(member.id, member.clinicId);
        await stores().smsChallenges.put(challenge);
        for (let i = 0; i < 5; i++) {
          expect(await stores().smsChallenges.takeTry(member.id, 'sign_in', at(1), 5)).toEqual({
            ...challenge,
            failures: i,
          });
        }
        expect(await stores().smsChallenges.takeTry(member.id, 'sign_in', at(1), 5)).toBeNull();
        expect(await stores().smsChallenges.current(member.id, 'sign_in')).toEqual({
          ...challenge,
          failures: 5,
        });
        // A try taken is not a lost code: the holder of the 5th try can still consume it.
        expect(await stores().smsChallenges.consume(challenge.id, challenge.codeHash, at(1))).toBe(true);
      });

      it('takeTry is refused for a consumed, expired or missing challenge and another purpose', async () => {
        const member = await newStaff();
        const challenge = makeChallenge(member.id, member.clinicId);
        await stores().smsChallenges.put(challenge);
        expect(await stores().smsChallenges.takeTry(member.id, 'enroll', at(1), 5)).toBeNull();
        expect(await stores().smsChallenges.takeTry(uid('staff'), 'sign_in', at(1), 5)).toBeNull();
        expect(await stores().smsChallenges.takeTry(member.id, 'sign_in', at(600), 5)).toBeNull();
        expect(await stores().smsChallenges.consume(challenge.id, challenge.codeHash, at(1))).toBe(true);
        expect(await stores().smsChallenges.takeTry(member.id, 'sign_in', at(2), 5)).toBeNull();
        expect(await stores().smsChallenges.current(member.id, 'sign_in')).toMatchObject({ failures: 0 });
      });

      it('put of a resend keeps the failures of a live code; of a consumed or expired one starts at 0', async () => {
        const member = await newStaff();
        const first = makeChallenge(member.id, member.clinicId, { failures: 4 });
        await stores().smsChallenges.put(first);
        // `failures` given to put is ignored: nothing carried over from nothing.
        expect(await stores().smsChallenges.current(member.id, 'sign_in')).toEqual({ ...first, failures: 0 });
        await stores().smsChallenges.takeTry(member.id, 'sign_in', at(1), 5);
        await stores().smsChallenges.takeTry(member.id, 'sign_in', at(1), 5);
        const resent = makeChallenge(member.id, member.clinicId, { sentAt: at(60), expiresAt: at(660) });
        await stores().smsChallenges.put(resent);
        expect(await stores().smsChallenges.current(member.id, 'sign_in')).toEqual({
          ...resent,
          failures: 2,
        });
        // Consumed: the next code starts over.
        expect(await stores().smsChallenges.consume(resent.id, resent.codeHash, at(61))).toBe(true);
        const afterUse = makeChallenge(member.id, member.clinicId, { sentAt: at(120), expiresAt: at(720) });
        await stores().smsChallenges.put(afterUse);
        expect(await stores().smsChallenges.current(member.id, 'sign_in')).toEqual(afterUse);
        // Expired at the new code's sentAt: starts over too.
        await stores().smsChallenges.takeTry(member.id, 'sign_in', at(121), 5);
        const afterExpiry = makeChallenge(member.id, member.clinicId, {
          sentAt: at(720),
          expiresAt: at(1320),
        });
        await stores().smsChallenges.put(afterExpiry);
        expect(await stores().smsChallenges.current(member.id, 'sign_in')).toEqual(afterExpiry);
      });

      it('put of a new challenge invalidates the old id; other purposes are untouched', async () => {
        const member = await newStaff();
        const enroll = makeChallenge(member.id, member.clinicId, { purpose: 'enroll' });
        const old = makeChallenge(member.id, member.clinicId);
        await stores().smsChallenges.put(enroll);
        await stores().smsChallenges.put(old);
        const resent = makeChallenge(member.id, member.clinicId, { sentAt: at(60), expiresAt: at(660) });
        await stores().smsChallenges.put(resent);
        expect(await stores().smsChallenges.current(member.id, 'sign_in')).toEqual(resent);
        expect(await stores().smsChallenges.consume(old.id, old.codeHash, at(61))).toBe(false);
        expect(await stores().smsChallenges.current(member.id, 'enroll')).toEqual(enroll);
        expect(await stores().smsChallenges.consume(resent.id, resent.codeHash, at(61))).toBe(true);
      });

      it("remove deletes every challenge of the staff member, never another's", async () => {
        const member = await newStaff();
        const other = await newStaff(member.clinicId);
        const signIn = makeChallenge(member.id, member.clinicId);
        const enroll = makeChallenge(member.id, member.clinicId, { purpose: 'enroll' });
        const othersChallenge = makeChallenge(other.id, other.clinicId);
        for (const c of [signIn, enroll, othersChallenge]) await stores().smsChallenges.put(c);
        await stores().smsChallenges.remove(member.id);
        expect(await stores().smsChallenges.current(member.id, 'sign_in')).toBeNull();
        expect(await stores().smsChallenges.current(member.id, 'enroll')).toBeNull();
        expect(await stores().smsChallenges.consume(signIn.id, signIn.codeHash, at(1))).toBe(false);
        expect(await stores().smsChallenges.current(other.id, 'sign_in')).toEqual(othersChallenge);
      });

      itConcurrent(`consume: exactly one of ${CONCURRENCY} concurrent calls wins`, async () => {
        const member = await newStaff();
        const challenge = makeChallenge(member.id, member.clinicId);
        await stores().smsChallenges.put(challenge);
        const results = await times(CONCURRENCY, () =>
          stores().smsChallenges.consume(challenge.id, challenge.codeHash, at(2)),
        );
        expect(count(results, true)).toBe(1);
        expect(count(results, false)).toBe(CONCURRENCY - 1);
        expect(await stores().smsChallenges.current(member.id, 'sign_in')).toEqual({
          ...challenge,
          consumedAt: at(2),
        });
      });

      itConcurrent(`takeTry: of ${CONCURRENCY} concurrent tries exactly 5 are taken`, async () => {
        const member = await newStaff();
        const challenge = makeChallenge(member.id, member.clinicId);
        await stores().smsChallenges.put(challenge);
        const results = await times(CONCURRENCY, () =>
          stores().smsChallenges.takeTry(member.id, 'sign_in', at(2), 5),
        );
        const taken = results.flatMap((r) => (r ? [r.failures] : []));
        expect(ascending(taken)).toEqual([0, 1, 2, 3, 4]);
        expect(await stores().smsChallenges.current(member.id, 'sign_in')).toEqual({
          ...challenge,
          failures: 5,
        });
      });

      itConcurrent(`put: a resend during ${CONCURRENCY} concurrent tries loses none of them`, async () => {
        const member = await newStaff();
        await stores().smsChallenges.put(makeChallenge(member.id, member.clinicId));
        const resent = makeChallenge(member.id, member.clinicId, { sentAt: at(60), expiresAt: at(660) });
        const results = await times(CONCURRENCY, (i) =>
          i === CONCURRENCY / 2
            ? stores()
                .smsChallenges.put(resent)
                .then(() => null)
            : stores().smsChallenges.takeTry(member.id, 'sign_in', at(61), 1000),
        );
        const taken = results.filter((r) => r !== null).length;
        expect(taken).toBe(CONCURRENCY - 1);
        expect(await stores().smsChallenges.current(member.id, 'sign_in')).toEqual({
          ...resent,
          failures: taken,
        });
      });
    });

    describe('pauses', () => {
      it('set, get, replace and clear a pause; other staff members are unaffected', async () => {
        const member = await newStaff();
        const other = await newStaff(member.clinicId);
        expect(await stores().pauses.get(member.id)).toBeNull();
        const pause = makePause(member.id, member.clinicId);
        await stores().pauses.set(pause);
        expect(await stores().pauses.get(member.id)).toEqual(pause);
        expect(await stores().pauses.get(other.id)).toBeNull();
        expect(await stores().pauses.clear(other.id)).toBe(false);

        const longer = makePause(member.id, member.clinicId, { until: at(7 * 86_400), reason: 'Travelling' });
        await stores().pauses.set(longer);
        expect(await stores().pauses.get(member.id)).toEqual(longer);

        expect(await stores().pauses.clear(member.id)).toBe(true);
        expect(await stores().pauses.get(member.id)).toBeNull();
        expect(await stores().pauses.clear(member.id)).toBe(false);
      });
    });

    describe('throttles', () => {
      /** 5 free failures, then 30 s doubling to 1 h, locked at 100 (the README's table). */
      const rules = { freeFailures: 5, baseDelaySeconds: 30, maxDelaySeconds: 3600, hardLockAfter: 100 };
      /** `n` attempts in a row, each once the back-off before it has passed; returns the time after. */
      async function fail(key: string, n: number, from = 0): Promise<number> {
        let t = from;
        for (let i = 0; i < n; i++, t += 3600) {
          expect((await stores().throttles.take(key, at(t), rules)).taken).toBe(true);
        }
        return t;
      }

      it('take counts an attempt in advance while open; refused, unchanged, while backing off or locked', async () => {
        const key = uid('throttle');
        expect(await stores().throttles.get(key)).toEqual({ failures: 0, lastFailureAt: null });
        for (let i = 0; i < 5; i++) {
          expect(await stores().throttles.take(key, at(1), rules)).toEqual({
            taken: true,
            before: { failures: i, lastFailureAt: i === 0 ? null : at(1) },
          });
        }
        // 5 failures: 30 s back-off from the last one.
        expect(await stores().throttles.take(key, at(30), rules)).toEqual({
          taken: false,
          state: { failures: 5, lastFailureAt: at(1) },
        });
        expect((await stores().throttles.take(key, at(31), rules)).taken).toBe(true);
        // 6 failures: 60 s.
        expect((await stores().throttles.take(key, at(90), rules)).taken).toBe(false);
        expect((await stores().throttles.take(key, at(91), rules)).taken).toBe(true);
        expect(await stores().throttles.get(key)).toEqual({ failures: 7, lastFailureAt: at(91) });
        await stores().throttles.reset(key);
        expect(await stores().throttles.get(key)).toEqual({ failures: 0, lastFailureAt: null });
        expect((await stores().throttles.take(key, at(92), rules)).taken).toBe(true);
      });

      it('take locks at hardLockAfter whatever the time; reset unlocks; keys are independent', async () => {
        const key = uid('throttle');
        const otherKey = uid('throttle');
        const t = await fail(key, 100);
        expect(await stores().throttles.get(key)).toMatchObject({ failures: 100 });
        expect(await stores().throttles.take(key, at(t + 1e6), rules)).toMatchObject({ taken: false });
        expect(await stores().throttles.get(key)).toMatchObject({ failures: 100 });
        expect((await stores().throttles.take(otherKey, at(t), rules)).taken).toBe(true);
        await stores().throttles.reset(key);
        expect((await stores().throttles.take(key, at(t), rules)).taken).toBe(true);
        await stores().throttles.reset(uid('throttle'));
      });

      it('giveBack restores the state before the attempt, or takes one off when it changed since', async () => {
        const key = uid('throttle');
        const t = await fail(key, 5);
        const taken = await stores().throttles.take(key, at(t), rules);
        expect(taken).toEqual({ taken: true, before: { failures: 5, lastFailureAt: at(t - 3600) } });
        if (!taken.taken) return;
        await stores().throttles.giveBack(key, taken.before, at(t));
        // Exactly as before: the attempt did not extend the back-off.
        expect(await stores().throttles.get(key)).toEqual({ failures: 5, lastFailureAt: at(t - 3600) });
        // Two attempts within the free ones; the first gives back after the second counted.
        const other = uid('throttle');
        const first = await stores().throttles.take(other, at(1), rules);
        expect((await stores().throttles.take(other, at(2), rules)).taken).toBe(true);
        if (!first.taken) throw new Error('first attempt refused');
        await stores().throttles.giveBack(other, first.before, at(1));
        expect(await stores().throttles.get(other)).toEqual({ failures: 1, lastFailureAt: at(2) });
        // Nothing to give back after a reset (a success) or for an unknown key.
        await stores().throttles.reset(other);
        await stores().throttles.giveBack(other, first.before, at(1));
        expect(await stores().throttles.get(other)).toEqual({ failures: 0, lastFailureAt: null });
        await stores().throttles.giveBack(uid('throttle'), { failures: 0, lastFailureAt: null }, at(1));
      });

      itConcurrent(`take: of ${CONCURRENCY} concurrent attempts on a fresh key exactly 5 pass`, async () => {
        const key = uid('throttle');
        const results = await times(CONCURRENCY, () => stores().throttles.take(key, at(1), rules));
        expect(results.filter((r) => r.taken)).toHaveLength(5);
        expect(ascending(results.flatMap((r) => (r.taken ? [r.before.failures] : [])))).toEqual([
          0, 1, 2, 3, 4,
        ]);
        expect(await stores().throttles.get(key)).toEqual({ failures: 5, lastFailureAt: at(1) });
      });

      itConcurrent(
        `take: ${CONCURRENCY} concurrent attempts once a back-off is over → exactly 1`,
        async () => {
          const key = uid('throttle');
          const t = await fail(key, 7);
          const results = await times(CONCURRENCY, () => stores().throttles.take(key, at(t), rules));
          expect(results.filter((r) => r.taken)).toHaveLength(1);
          expect(await stores().throttles.get(key)).toEqual({ failures: 8, lastFailureAt: at(t) });
        },
      );

      itConcurrent(
        `take: ${CONCURRENCY} concurrent attempts at 99 failures → exactly 1, then locked`,
        async () => {
          const key = uid('throttle');
          const t = await fail(key, 99);
          const results = await times(CONCURRENCY, () => stores().throttles.take(key, at(t), rules));
          expect(results.filter((r) => r.taken)).toHaveLength(1);
          expect(await stores().throttles.get(key)).toMatchObject({ failures: 100 });
        },
      );

      itConcurrent(`giveBack: ${CONCURRENCY} attempts that all give back leave nothing counted`, async () => {
        const rulesNoBackoff = { ...rules, freeFailures: 100 };
        const key = uid('throttle');
        await times(CONCURRENCY, async () => {
          const taken = await stores().throttles.take(key, at(1), rulesNoBackoff);
          if (taken.taken) await stores().throttles.giveBack(key, taken.before, at(1));
        });
        expect((await stores().throttles.get(key)).failures).toBe(0);
      });
    });

    describe('counters', () => {
      it('increment counts up until expiresAt, then restarts at 1; keys are independent', async () => {
        const key = uid('counter');
        const otherKey = uid('counter');
        expect(await stores().counters.increment(key, at(60), at(0))).toBe(1);
        expect(await stores().counters.increment(key, at(60), at(1))).toBe(2);
        expect(await stores().counters.increment(key, at(60), at(59))).toBe(3);
        expect(await stores().counters.increment(otherKey, at(60), at(59))).toBe(1);
        // Expired from expiresAt on: a new window starts.
        expect(await stores().counters.increment(key, at(120), at(60))).toBe(1);
        expect(await stores().counters.increment(key, at(120), at(61))).toBe(2);
        expect(await stores().counters.increment(otherKey, at(120), at(200))).toBe(1);
      });

      it('release deletes the window expiring at the given time only', async () => {
        const key = uid('counter');
        expect(await stores().counters.increment(key, at(60), at(0))).toBe(1);
        expect(await stores().counters.increment(key, at(60), at(1))).toBe(2);
        // Another window's expiry (a later cooldown, say): untouched.
        await stores().counters.release(key, at(61));
        expect(await stores().counters.increment(key, at(60), at(2))).toBe(3);
        await stores().counters.release(key, at(60));
        expect(await stores().counters.increment(key, at(62), at(2))).toBe(1);
        await stores().counters.release(uid('counter'), at(60));
      });

      itConcurrent(`increment: ${CONCURRENCY} concurrent calls count to ${CONCURRENCY}`, async () => {
        const key = uid('counter');
        const results = await times(CONCURRENCY, () => stores().counters.increment(key, at(60), at(0)));
        expect(ascending(results)).toEqual(oneToN(CONCURRENCY));
        expect(await stores().counters.increment(key, at(60), at(1))).toBe(CONCURRENCY + 1);
      });
    });

    describe('audit log', () => {
      it('append then head and list return the event; head of an empty clinic is null', async () => {
        const clinic = await newClinic();
        expect(await stores().audit.head(clinic.id)).toBeNull();
        expect(await stores().audit.list(clinic.id)).toEqual([]);
        const first = makeEvent(clinic.id, 1, { actorId: uid('staff'), targetId: uid('staff') });
        expect(await stores().audit.append(first)).toBe(true);
        expect(await stores().audit.head(clinic.id)).toEqual(headOf(first));
        const second = makeEvent(clinic.id, 2, {
          prevHash: first.hash,
          ip: null,
          userAgent: null,
          details: {},
        });
        expect(await stores().audit.append(second)).toBe(true);
        expect(await stores().audit.head(clinic.id)).toEqual(headOf(second));
        expect(await stores().audit.list(clinic.id)).toEqual([first, second]);
      });

      it('append returns false and writes nothing when the seq is taken in the clinic', async () => {
        const clinic = await newClinic();
        const original = makeEvent(clinic.id, 1);
        expect(await stores().audit.append(original)).toBe(true);
        const rival = makeEvent(clinic.id, 1, { type: 'sign_in.failed' });
        expect(await stores().audit.append(rival)).toBe(false);
        expect(await stores().audit.list(clinic.id)).toEqual([original]);
        expect(await stores().audit.head(clinic.id)).toEqual(headOf(original));
      });

      it('list orders by seq whatever the append order; the head only moves forward', async () => {
        const clinic = await newClinic();
        const [e1, e2, e3] = [1, 2, 3].map((seq) => makeEvent(clinic.id, seq)) as [
          AuditEvent,
          AuditEvent,
          AuditEvent,
        ];
        for (const e of [e2, e3, e1]) expect(await stores().audit.append(e)).toBe(true);
        expect(await stores().audit.list(clinic.id)).toEqual([e1, e2, e3]);
        expect(await stores().audit.head(clinic.id)).toEqual(headOf(e3));
      });

      it('list filters by actor or target, types, from/to (inclusive), afterSeq, limit and order', async () => {
        const clinic = await newClinic();
        const [a, b, admin] = [uid('staff'), uid('staff'), uid('admin')];
        const events = [
          makeEvent(clinic.id, 1, { type: 'sign_in.succeeded', actorId: a, targetId: a, at: at(0) }),
          makeEvent(clinic.id, 2, { type: 'factor.enrolled', actorId: a, targetId: a, at: at(10) }),
          makeEvent(clinic.id, 3, { type: 'two_step.paused', actorId: admin, targetId: b, at: at(20) }),
          makeEvent(clinic.id, 4, { type: 'sign_in.failed', actorId: null, targetId: b, at: at(30) }),
          makeEvent(clinic.id, 5, { type: 'second_factor.failed', actorId: b, targetId: b, at: at(40) }),
          makeEvent(clinic.id, 6, { type: 'two_step.resumed', actorId: admin, targetId: a, at: at(50) }),
        ];
        for (const e of events) expect(await stores().audit.append(e)).toBe(true);
        const list = async (query: Parameters<Stores['audit']['list']>[1]) =>
          seqs(await stores().audit.list(clinic.id, query));

        expect(await stores().audit.list(clinic.id)).toEqual(events);
        expect(await list({ order: 'asc' })).toEqual([1, 2, 3, 4, 5, 6]);
        expect(await list({ order: 'desc' })).toEqual([6, 5, 4, 3, 2, 1]);
        expect(await list({ limit: 2 })).toEqual([1, 2]);
        expect(await list({ limit: 2, order: 'desc' })).toEqual([6, 5]);
        expect(await list({ afterSeq: 4 })).toEqual([5, 6]);
        expect(await list({ afterSeq: 4, order: 'desc' })).toEqual([6, 5]);
        expect(await list({ afterSeq: 2, limit: 2 })).toEqual([3, 4]);
        expect(await list({ afterSeq: 6 })).toEqual([]);
        expect(await list({ types: ['two_step.paused', 'two_step.resumed'] })).toEqual([3, 6]);
        expect(await list({ actorOrTargetId: admin })).toEqual([3, 6]);
        expect(await list({ actorOrTargetId: a })).toEqual([1, 2, 6]);
        expect(await list({ actorOrTargetId: b })).toEqual([3, 4, 5]);
        expect(await list({ actorOrTargetId: uid('staff') })).toEqual([]);
        expect(await list({ from: at(20), to: at(40) })).toEqual([3, 4, 5]);
        expect(await list({ from: at(20) })).toEqual([3, 4, 5, 6]);
        expect(await list({ to: at(10) })).toEqual([1, 2]);
        expect(await list({ from: at(11), to: at(19) })).toEqual([]);
        expect(
          await list({
            actorOrTargetId: b,
            types: ['sign_in.failed', 'second_factor.failed', 'two_step.paused'],
            from: at(25),
            order: 'desc',
            limit: 1,
          }),
        ).toEqual([5]);
      });

      it('exists answers whether any event matches the same filters as list', async () => {
        const clinic = await newClinic();
        const [a, b, admin] = [uid('staff'), uid('staff'), uid('admin')];
        const events = [
          makeEvent(clinic.id, 1, { type: 'sign_in.succeeded', actorId: a, targetId: a, at: at(0) }),
          makeEvent(clinic.id, 2, { type: 'two_step.paused', actorId: admin, targetId: b, at: at(20) }),
          makeEvent(clinic.id, 3, { type: 'sign_in.failed', actorId: null, targetId: b, at: at(30) }),
        ];
        const exists = (filter: Parameters<Stores['audit']['exists']>[1]) =>
          stores().audit.exists(clinic.id, filter);
        expect(await exists({})).toBe(false);
        for (const e of events) expect(await stores().audit.append(e)).toBe(true);
        expect(await exists({})).toBe(true);
        expect(await exists(undefined)).toBe(true);
        expect(await exists({ actorOrTargetId: a, types: ['sign_in.succeeded'] })).toBe(true);
        expect(await exists({ actorOrTargetId: b, types: ['sign_in.succeeded'] })).toBe(false);
        expect(await exists({ actorOrTargetId: b, types: ['two_step.paused'] })).toBe(true); // as target
        expect(await exists({ actorOrTargetId: admin })).toBe(true); // as actor
        expect(await exists({ actorOrTargetId: uid('staff') })).toBe(false);
        expect(await exists({ from: at(21), to: at(29) })).toBe(false);
        expect(await exists({ from: at(21), to: at(30) })).toBe(true);
        expect(await exists({ afterSeq: 3 })).toBe(false);
        expect(await exists({ afterSeq: 2, types: ['sign_in.failed'] })).toBe(true);
        // Another clinic's log is not looked at.
        expect(await stores().audit.exists((await newClinic()).id, {})).toBe(false);
      });

      // An insert guarded by a unique (clinicId, seq) index, not a read-modify-write update: never skipped.
      it(`append: exactly one of ${CONCURRENCY} concurrent appends with one seq wins [concurrency]`, async () => {
        const clinic = await newClinic();
        const rivals = Array.from({ length: CONCURRENCY }, () => makeEvent(clinic.id, 1));
        const results = await times(CONCURRENCY, (i) => stores().audit.append(rivals[i]!));
        expect(count(results, true)).toBe(1);
        expect(count(results, false)).toBe(CONCURRENCY - 1);
        const winner = rivals[results.indexOf(true)]!;
        expect(await stores().audit.list(clinic.id)).toEqual([winner]);
        expect(await stores().audit.head(clinic.id)).toEqual(headOf(winner));
      });

      it(`append: ${CONCURRENCY} concurrent appends of seqs 1…${CONCURRENCY} leave the head at the last [concurrency]`, async () => {
        const clinic = await newClinic();
        const events = Array.from({ length: CONCURRENCY }, (_, i) => makeEvent(clinic.id, i + 1));
        const results = await times(CONCURRENCY, (i) => stores().audit.append(events[i]!));
        expect(count(results, true)).toBe(CONCURRENCY);
        expect(await stores().audit.head(clinic.id)).toEqual(headOf(events.at(-1)!));
      });
    });
  });
}
