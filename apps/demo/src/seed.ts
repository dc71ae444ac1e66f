/**
 * Seeds the demo clinic through `@twostep/core`, as an onboarding tool would. Idempotent: what
 * already exists (a persistent MongoDB store) is kept, and only what is missing is added.
 *
 * "Maple Street Physio" enforces 2-Step Verification and allows remembered devices:
 * - owner (Full Access User), authenticator app enrolled;
 * - practitioner, no 2-Step yet (asked to set it up at the first sign-in);
 * - front desk, text messages (SMS) enrolled;
 * - an occupational therapist who works in French (`locale: 'fr-CA'`), no 2-Step yet.
 *
 * The seeding draws its random bytes from an HMAC stream keyed by the demo's hash key, so with
 * the same `.data/dev-keys.json` the owner's authenticator key and recovery code are the same
 * at every start (add the key to your app once). Demo only: real enrollments use real randomness.
 */
import { createHmac } from 'node:crypto';
import {
  type Clinic,
  type Clock,
  createTwostep,
  hashPassword,
  type Logger,
  outboxSmsSender,
  type PasswordCost,
  type Random,
  type SecretBox,
  type StaffMember,
  type Stores,
  TOTP,
  totp,
} from '@twostep/core';

/** A clinic in Ottawa: times in Eastern time, phone numbers typed the Canadian way. */
export const CLINIC: Pick<Clinic, 'id' | 'name' | 'timeZone' | 'country'> = {
  id: 'clinic-maple',
  name: 'Maple Street Physio',
  timeZone: 'America/Toronto',
  country: 'CA',
};

export type AccountKey = 'owner' | 'practitioner' | 'frontDesk' | 'frenchSpeaking';

export interface DemoAccount {
  key: AccountKey;
  id: string;
  name: string;
  email: string;
  /** Fixed demo password. */
  password: string;
  role: StaffMember['role'];
  /** What the account is, in words. */
  title: string;
  /** Base32 authenticator key (owner). */
  totpSecret?: string;
  /** The same key in groups of four, as shown at enrollment. */
  totpSecretGrouped?: string;
  /** The recovery code issued when the account was seeded (null: seeded earlier, stored hashed only). */
  recoveryCode?: string | null;
  /** The enrolled phone (front desk). */
  phone?: string;
  /** The language of the person's pages, texts and emails (BCP 47), when not the browser's. */
  locale?: string;
}

export interface DemoSeed {
  clinic: Clinic;
  accounts: Record<AccountKey, DemoAccount>;
  /** False when everything was already there. */
  created: boolean;
}

const ACCOUNTS: Record<AccountKey, Omit<DemoAccount, 'key'>> = {
  owner: {
    id: 'staff-olivia',
    name: 'Olivia Bennett',
    email: 'olivia@maplestreet.example',
    password: 'maple-owner-demo',
    role: 'full_access',
    title: 'Owner, Full Access User',
  },
  practitioner: {
    id: 'staff-sam',
    name: 'Sam Rivera',
    email: 'sam@maplestreet.example',
    password: 'maple-physio-demo',
    role: 'staff',
    title: 'Physiotherapist',
  },
  frontDesk: {
    id: 'staff-dana',
    name: 'Dana Brooks',
    email: 'dana@maplestreet.example',
    password: 'maple-desk-demo',
    role: 'staff',
    title: 'Front desk',
    phone: '+16135550147',
  },
  frenchSpeaking: {
    id: 'staff-chloe',
    name: 'Chloé Gagnon',
    email: 'chloe@maplestreet.example',
    password: 'maple-ergo-demo',
    role: 'staff',
    title: 'Occupational therapist, works in French',
    locale: 'fr-CA',
  },
};

export interface SeedOptions {
  stores: Stores;
  secretBox: SecretBox;
  hashKey: Uint8Array;
  clock: Clock;
  logger: Logger;
  passwordCost?: PasswordCost;
}

/** Random bytes from HMAC-SHA256(key, "twostep-demo-seed" ‖ counter): the same on every start. */
function seededRandom(key: Uint8Array): Random {
  let counter = 0;
  return {
    bytes(length) {
      const out = new Uint8Array(length);
      for (let filled = 0; filled < length; ) {
        const block = createHmac('sha256', key).update(`twostep-demo-seed:${counter++}`).digest();
        const take = Math.min(block.length, length - filled);
        out.set(block.subarray(0, take), filled);
        filled += take;
      }
      return out;
    },
  };
}

const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

export async function seedDemo(options: SeedOptions): Promise<DemoSeed> {
  const { stores, clock } = options;
  const sms = outboxSmsSender();
  const quiet: Logger = { warn: () => {}, error: options.logger.error };
  const core = createTwostep({
    stores,
    secretBox: options.secretBox,
    hashKey: options.hashKey,
    smsSender: sms,
    clock,
    logger: quiet,
    random: seededRandom(options.hashKey),
  });
  const system = { actorId: null };
  let created = false;

  let clinic = await stores.clinics.get(CLINIC.id);
  if (!clinic) {
    clinic = { ...CLINIC, enforceTwoStep: true, allowTrustedDevices: true, createdAt: clock.now() };
    await stores.clinics.create(clinic);
    created = true;
  }

  const members = {} as Record<AccountKey, StaffMember>;
  await Promise.all(
    (Object.keys(ACCOUNTS) as AccountKey[]).map(async (key) => {
      const a = ACCOUNTS[key];
      let member = await stores.staff.get(a.id);
      if (!member) {
        member = {
          id: a.id,
          clinicId: CLINIC.id,
          email: a.email,
          name: a.name,
          role: a.role,
          ...(a.locale ? { locale: a.locale } : {}),
          passwordHash: await hashPassword(a.password, options.passwordCost),
          active: true,
          createdAt: clock.now(),
        };
        await stores.staff.create(member);
        created = true;
      }
      members[key] = member;
    }),
  );
  const accounts = Object.fromEntries(
    (Object.keys(ACCOUNTS) as AccountKey[]).map((key) => [key, { key, ...ACCOUNTS[key] }]),
  ) as Record<AccountKey, DemoAccount>;

  // Owner: authenticator app.
  const owner = members.owner;
  const ownerTotp = (await stores.factors.list(owner.id)).find(
    (f) => f.kind === 'totp' && f.status === 'active',
  );
  if (ownerTotp?.kind === 'totp') {
    const secret = options.secretBox.open(ownerTotp.secret, owner.id);
    Object.assign(accounts.owner, {
      totpSecret: secret,
      totpSecretGrouped: grouped(secret),
      recoveryCode: null,
    });
  } else {
    const setup = await core.enrollment.startTotp(owner);
    // Confirmed with the previous time step's code (accepted within the ±1-step window): confirming
    // records the step as used, so the code the owner's app shows now must stay unused.
    const previousStep = Math.floor(clock.now().getTime() / 1000) - TOTP.period;
    const code = totp(setup.secret, previousStep, {
      algorithm: TOTP.algorithm,
      digits: TOTP.digits,
      period: TOTP.period,
    });
    const confirmed = await core.enrollment.confirmTotp(system, owner, code);
    if (!confirmed.ok) throw new Error(`seeding the owner's authenticator app failed: ${confirmed.reason}`);
    Object.assign(accounts.owner, {
      totpSecret: setup.secret,
      totpSecretGrouped: setup.groupedSecret,
      recoveryCode: confirmed.recoveryCode,
    });
    created = true;
  }

  // Front desk: text messages.
  const desk = members.frontDesk;
  const phone = ACCOUNTS.frontDesk.phone!;
  const deskSms = (await stores.factors.list(desk.id)).find((f) => f.kind === 'sms' && f.status === 'active');
  if (deskSms) {
    accounts.frontDesk.recoveryCode = null;
  } else {
    const sent = await core.enrollment.startSms(system, desk, phone);
    if (!sent.ok) throw new Error(`seeding the front desk's phone failed: ${sent.reason}`);
    const code = /\b(\d{6})\b/.exec(sms.messages[0]?.body ?? '')?.[1];
    const confirmed = await core.enrollment.confirmSms(system, desk, code);
    if (!confirmed.ok) throw new Error(`seeding the front desk's phone failed: ${confirmed.reason}`);
    accounts.frontDesk.recoveryCode = confirmed.recoveryCode;
    created = true;
  }

  return { clinic, accounts, created };
}
