/** Domain records shared by the rules and the store ports. */

/** A Full Access User administers the clinic's security; everyone else is `staff`. */
export type Role = 'full_access' | 'staff';

export interface Clinic {
  id: string;
  name: string;
  /** 2-Step Verification required for every staff member. */
  enforceTwoStep: boolean;
  /** "Remember this device for 30 days" offered at sign-in. */
  allowTrustedDevices: boolean;
  /** Who must sign in with a passkey (phishing-resistant, `loa:phr`); unset: `off`. */
  phishingResistant?: PhishingResistantScope;
  /** IANA time zone for every time staff read (e.g. `America/Toronto`); unset: the server's `timeZone`. */
  timeZone?: string;
  /** ISO 3166 alpha-2 country for phone numbers typed without `+` (e.g. `CA`); unset: the server's `phoneCountry`. */
  country?: string;
  /** BCP 47 language of pages, emails and texts when the person has none (e.g. `fr-CA`); unset: the server's. */
  defaultLocale?: string;
  /**
   * Days new staff (counted from their record's creation, i.e. their invitation) may sign in without
   * 2-Step Verification while the clinic requires it; unset or 0: none.
   */
  enrollmentGraceDays?: number;
  /** The clinic's own contact for sign-in trouble (free text: a phone, an email), shown on the help page. */
  contact?: string;
  createdAt: Date;
}

/**
 * The clinic's passkey rule: nobody (`off`), Full Access Users (`full_access`), or every staff
 * member (`everyone`). Covered people sign in with a passkey; without one they add one at sign-in.
 */
export type PhishingResistantScope = 'off' | 'full_access' | 'everyone';

/** The clinic's settings `ClinicStore.update` changes (nothing else of a clinic is patched). */
export const CLINIC_SETTINGS = [
  'name',
  'enforceTwoStep',
  'allowTrustedDevices',
  'timeZone',
  'country',
  'phishingResistant',
  'defaultLocale',
  'enrollmentGraceDays',
  'contact',
] as const satisfies readonly (keyof Clinic)[];
export type ClinicSettings = Partial<Pick<Clinic, (typeof CLINIC_SETTINGS)[number]>>;

export const PHISHING_RESISTANT_SCOPES: readonly PhishingResistantScope[] = [
  'off',
  'full_access',
  'everyone',
];

export interface StaffMember {
  id: string;
  clinicId: string;
  /** Lower-case, trimmed; unique across clinics (sign-in is by email). */
  email: string;
  /** Full name as the person wants it shown (OIDC `name`). */
  name: string;
  /** OIDC `given_name` / `family_name`, when known (never derived by splitting `name`). */
  givenName?: string;
  familyName?: string;
  /** BCP 47 language tag (OIDC `locale`, e.g. `fr-CA`), when known. */
  locale?: string;
  role: Role;
  /** Password hash from `hashPassword`; never the password. */
  passwordHash: string;
  active: boolean;
  createdAt: Date;
}

/** A sealed (encrypted) secret, as produced by a `SecretBox`. Opaque string. */
export type SealedSecret = string;

/**
 * The kinds of second factor. The set is open: a new kind adds a member here, its factor type
 * below, and says in {@link FACTOR_KINDS} whether a person may hold several.
 */
export type FactorKind = 'totp' | 'sms' | 'passkey';

/**
 * Every kind, in the order sign-in offers them, and whether a person may hold several of it
 * (one passkey per device, each named by its owner) or one (with a pending replacement).
 */
export const FACTOR_KINDS: Readonly<Record<FactorKind, { several: boolean }>> = {
  totp: { several: false },
  sms: { several: false },
  passkey: { several: true },
};

export interface TotpFactor {
  id: string;
  kind: 'totp';
  /** The shared secret (base32), sealed with the `SecretBox`, bound to the staff id. */
  secret: SealedSecret;
  /** Last accepted time step: a code whose step is not greater is a replay. */
  lastStep: number | null;
  createdAt: Date;
}

export interface SmsFactor {
  id: string;
  kind: 'sms';
  /** E.164, e.g. `+15551234567`. */
  phone: string;
  createdAt: Date;
}

/** A WebAuthn credential (passkey). Always active: it is stored once its registration is verified. */
export interface PasskeyFactor {
  id: string;
  kind: 'passkey';
  /** Chosen by its owner, e.g. "Front desk PC". */
  name: string;
  /** The credential id (base64url), unique across every person. */
  credentialId: string;
  /** The COSE public key (base64url): not a secret. */
  publicKey: string;
  /** Signature counter from the last verified use; 0 for authenticators that do not count. */
  counter: number;
  /** Transports the browser reported (`internal`, `hybrid`, `usb`, …), a hint for sign-in. */
  transports: string[];
  /** The credential may be synced to other devices (WebAuthn BE flag). */
  backupEligible: boolean;
  /** The credential is synced (WebAuthn BS flag), as of its last use. */
  backupState: boolean;
  lastUsedAt: Date | null;
  createdAt: Date;
}

export type Factor = TotpFactor | SmsFactor | PasskeyFactor;

/**
 * A factor in the store. `pending` while its enrollment waits for the first
 * code; `active` once confirmed. For a kind held once (totp, sms) a staff member
 * has at most one of each (kind, status) pair, so replacing an app keeps the old
 * one working until the new one is confirmed; passkeys are always active, several per person.
 */
export type StoredFactor = Factor & {
  staffId: string;
  clinicId: string;
  status: 'pending' | 'active';
  confirmedAt: Date | null;
};

export interface RecoveryCodeRecord {
  staffId: string;
  clinicId: string;
  /** Random per-code salt (base64url). */
  salt: string;
  /** HMAC-SHA256(salt, normalized code), base64url. */
  hash: string;
  createdAt: Date;
}

export interface TrustedDevice {
  id: string;
  staffId: string;
  clinicId: string;
  /** SHA-256 of the device token's secret part (base64url). The token itself is only in the cookie. */
  tokenHash: string;
  /** "Chrome on macOS" — from the user agent at trust time. */
  label: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
}

export type SmsPurpose = 'sign_in' | 'enroll';

export interface SmsChallenge {
  /** New for every code sent: a resend gives a new id, which invalidates the old code. */
  id: string;
  staffId: string;
  clinicId: string;
  purpose: SmsPurpose;
  phone: string;
  /** HMAC-SHA256(server hash key, id + code), base64url. */
  codeHash: string;
  sentAt: Date;
  expiresAt: Date;
  /** Wrong tries on this staff member's current challenge; carried over by a resend. */
  failures: number;
  consumedAt: Date | null;
}

export interface Pause {
  staffId: string;
  clinicId: string;
  until: Date;
  reason: string;
  pausedBy: string;
  createdAt: Date;
}

export interface ThrottleState {
  /** Consecutive failures since the last success or unlock. */
  failures: number;
  lastFailureAt: Date | null;
}

export type AuditEventType =
  | 'factor.enrolled'
  | 'factor.removed'
  | 'passkey.cloned'
  | 'second_factor.succeeded'
  | 'second_factor.failed'
  | 'second_factor.throttled'
  | 'recovery_code.issued'
  | 'recovery_code.used'
  | 'device.trusted'
  | 'device.revoked'
  | 'sessions.ended'
  | 'sms.sent'
  | 'two_step.paused'
  | 'two_step.resumed'
  | 'two_step.reset'
  | 'account.unlocked'
  | 'account.locked'
  | 'policy.enforcement_on'
  | 'policy.enforcement_off'
  | 'policy.trusted_devices_changed'
  | 'policy.phishing_resistant_changed'
  | 'passkey.renamed'
  | 'passkey.required'
  | 'access.denied'
  | 'sign_in.succeeded'
  | 'sign_in.failed'
  | 'clinic.created'
  | 'clinic.updated'
  | 'staff.created'
  | 'staff.updated'
  | 'staff.deactivated'
  | 'staff.password_set';

/** Details are flat and JSON-safe so the hash chain is canonical. */
export type AuditDetails = Record<string, string | number | boolean | null>;

export interface AuditEvent {
  id: string;
  clinicId: string;
  /** 1, 2, 3… per clinic; unique, so two writers cannot fork the chain. */
  seq: number;
  type: AuditEventType;
  actorId: string | null;
  targetId: string | null;
  at: Date;
  ip: string | null;
  userAgent: string | null;
  details: AuditDetails;
  /** Hash of the previous event of the clinic (`''` for the first). */
  prevHash: string;
  /** SHA-256 over the canonical event including `prevHash`. */
  hash: string;
}

/** Who acts, from where. Passed to every state-changing operation for the audit log. */
export interface ActorContext {
  /** The signed-in staff member acting, or null for the system / an anonymous sign-in step. */
  actorId: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

/**
 * A signed-in session of the IdP's own pages (account page, admin console), kept server-side so
 * that signing out ends it: the browser's cookie only names it.
 */
export interface SessionRecord {
  /** SHA-256 (base64url) of the secret id in the cookie: a copy of the database opens no session. */
  id: string;
  staffId: string;
  acr: string;
  amr: string[];
  /** Epoch seconds of the last interactive verification (oidc-provider's auth_time). */
  authTime: number;
  createdAt: Date;
  /** The last request: the idle lifetime counts from here. */
  seenAt: Date;
  /** The absolute end. */
  expiresAt: Date;
}
