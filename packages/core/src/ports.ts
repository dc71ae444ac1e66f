/**
 * Ports: what `@twostep/core` needs from the outside world. Adapters
 * (memory here, mongoose in `@twostep/store-mongoose`) implement them and must
 * pass the contract suite in `test/contracts/`.
 *
 * Rule for every store: a method that guards a one-time use or a counter is
 * atomic on its own (one conditional single-document update on MongoDB), so
 * several server processes can share one database. Methods throw
 * `TwostepError('store_unavailable')` (or any error) when the store is down;
 * callers fail closed.
 */
import type {
  AuditEvent,
  AuditEventType,
  Clinic,
  ClinicSettings,
  FactorKind,
  Pause,
  RecoveryCodeRecord,
  Role,
  SessionRecord,
  SmsChallenge,
  SmsPurpose,
  StaffMember,
  StoredFactor,
  ThrottleState,
  TrustedDevice,
} from './types.ts';

export interface ClinicStore {
  create(clinic: Clinic): Promise<void>;
  get(clinicId: string): Promise<Clinic | null>;
  /** Applies the patch; false when the clinic does not exist. */
  update(clinicId: string, patch: ClinicSettings): Promise<boolean>;
}

export interface StaffQuery {
  /** Case-insensitive substring of name or email. */
  search?: string;
  /** Only staff with this role (e.g. to notify every Full Access User). */
  role?: Role;
  offset?: number;
  limit?: number;
}

export interface StaffStore {
  /** Throws `TwostepError('conflict')` when the email is taken. */
  create(staff: StaffMember): Promise<void>;
  get(staffId: string): Promise<StaffMember | null>;
  /** `email` is compared after trim + lower-case. */
  findByEmail(email: string): Promise<StaffMember | null>;
  update(
    staffId: string,
    patch: Partial<
      Pick<
        StaffMember,
        'name' | 'givenName' | 'familyName' | 'locale' | 'email' | 'role' | 'passwordHash' | 'active'
      >
    >,
  ): Promise<boolean>;
  /**
   * Sets the password hash to `next` only if it is still `expected` (one conditional update:
   * a rehash at sign-in never overwrites a password changed meanwhile). True when replaced.
   */
  replacePasswordHash(staffId: string, expected: string, next: string): Promise<boolean>;
  /** Sorted by name then id. */
  list(clinicId: string, query?: StaffQuery): Promise<{ items: StaffMember[]; total: number }>;
}

export interface FactorStore {
  /** Every factor of the staff member, pending and active. */
  list(staffId: string): Promise<StoredFactor[]>;
  /** Stores a pending factor, replacing any pending one of the same kind. */
  savePending(factor: StoredFactor): Promise<void>;
  /**
   * Makes the pending factor with `pendingId` the active one of its kind (the
   * previous active one is replaced). False when that pending factor is gone
   * (already confirmed, replaced, removed). `lastStep` records the confirming TOTP step.
   */
  activate(
    staffId: string,
    kind: FactorKind,
    pendingId: string,
    now: Date,
    lastStep: number | null,
  ): Promise<boolean>;
  /**
   * Atomically records `step` as the last accepted TOTP step of the active
   * factor `factorId`, only if it is greater than the stored one. Exactly one
   * of several concurrent calls with the same step returns true.
   */
  acceptTotpStep(staffId: string, factorId: string, step: number): Promise<boolean>;
  /** Removes every factor of `kind` (active and pending; every passkey). True when something was removed. */
  remove(staffId: string, kind: FactorKind): Promise<boolean>;
  /** Removes the one factor `factorId` of the staff member (one passkey of several). */
  removeOne(staffId: string, factorId: string): Promise<boolean>;
  /**
   * Stores a verified passkey (kinds held several times are active at once). False, storing
   * nothing, when a passkey with the same credential id exists — for anyone.
   */
  addPasskey(factor: StoredPasskey): Promise<boolean>;
  /** The passkey with this credential id, whoever holds it (passkey sign-in, clone checks). */
  findPasskey(credentialId: string): Promise<StoredPasskey | null>;
  /** Renames passkey `factorId` of the staff member. False when it is gone. */
  renamePasskey(staffId: string, factorId: string, name: string): Promise<boolean>;
  /**
   * Records a verified use of passkey `factorId` only while its stored counter still is
   * `expectedCounter` (one conditional update): of several concurrent uses that read the same
   * counter, exactly one is recorded.
   */
  recordPasskeyUse(staffId: string, factorId: string, use: PasskeyUse): Promise<boolean>;
  removeAll(staffId: string): Promise<void>;
  /**
   * The TOTP factors (pending and active) of at most `limit` staff members, those whose id sorts
   * after `afterStaffId` (from the first when null), in staff-id order: a page of a full scan
   * (`reencryptSecrets`).
   */
  listTotp(afterStaffId: string | null, limit: number): Promise<StoredFactor[]>;
  /**
   * Replaces the sealed secret of TOTP factor `factorId` only while it still is `expected`: one
   * conditional update of the secret alone, so a concurrent sign-in (which records its step) is
   * kept and a re-enrollment is never overwritten. True when replaced.
   */
  replaceSecret(staffId: string, factorId: string, expected: string, next: string): Promise<boolean>;
}

export type StoredPasskey = Extract<StoredFactor, { kind: 'passkey' }>;

export interface PasskeyUse {
  expectedCounter: number;
  counter: number;
  backupState: boolean;
  usedAt: Date;
}

export interface RecoveryCodeStore {
  get(staffId: string): Promise<RecoveryCodeRecord | null>;
  /** Stores the staff member's code, replacing any previous one. */
  set(record: RecoveryCodeRecord): Promise<void>;
  /**
   * Consumes the code whose hash is `expectedHash` and stores `next` in its
   * place, in one atomic step. Exactly one of several concurrent calls wins.
   */
  replace(staffId: string, expectedHash: string, next: RecoveryCodeRecord): Promise<boolean>;
  remove(staffId: string): Promise<void>;
}

export interface TrustedDeviceStore {
  add(device: TrustedDevice): Promise<void>;
  get(deviceId: string): Promise<TrustedDevice | null>;
  touch(deviceId: string, now: Date): Promise<void>;
  /** Newest first; expired ones excluded. */
  list(staffId: string, now: Date): Promise<TrustedDevice[]>;
  remove(staffId: string, deviceId: string): Promise<boolean>;
  /** Returns how many were removed. */
  removeAll(staffId: string): Promise<number>;
}

export interface SmsChallengeStore {
  /** The staff member's current challenge for `purpose` (consumed or not), or null. */
  current(staffId: string, purpose: SmsPurpose): Promise<SmsChallenge | null>;
  /**
   * Makes `challenge` the current one for its (staff, purpose), invalidating
   * the previous code. Its failure count (`challenge.failures` is ignored) is
   * the previous challenge's when that one is live at `challenge.sentAt` (not
   * consumed, not expired: a resend keeps the count), else 0 — decided in the
   * same atomic step, so a try taken meanwhile is never lost.
   */
  put(challenge: SmsChallenge): Promise<void>;
  /**
   * The per-code gate, in ONE conditional update: when the current challenge
   * for (staff, purpose) is live at `now` with fewer than `maxFailures`
   * failures, counts one failure in advance and returns the challenge as it
   * was before; otherwise null, nothing changed.
   */
  takeTry(staffId: string, purpose: SmsPurpose, now: Date, maxFailures: number): Promise<SmsChallenge | null>;
  /**
   * Atomically marks challenge `challengeId` consumed when its hash matches and
   * it is live at `now` (the caller took a try first). Exactly one of several
   * concurrent calls wins.
   */
  consume(challengeId: string, codeHash: string, now: Date): Promise<boolean>;
  remove(staffId: string): Promise<void>;
}

export interface PauseStore {
  get(staffId: string): Promise<Pause | null>;
  set(pause: Pause): Promise<void>;
  /** True when a pause was removed. */
  clear(staffId: string): Promise<boolean>;
}

/** The back-off rules a throttle gate applies (core's `throttle` config). */
export interface ThrottleRules {
  freeFailures: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  hardLockAfter: number;
}

export type ThrottleTake =
  /** The attempt may go ahead; it is already counted as a failure. `before`: the state before it. */
  | { taken: true; before: ThrottleState }
  /** Backing off or locked; nothing changed. `state`: as read after the refusal (for retryAt). */
  | { taken: false; state: ThrottleState };

export interface ThrottleStore {
  get(key: string): Promise<ThrottleState>;
  /**
   * The gate of one attempt, in ONE conditional update: when `rules` let an
   * attempt through at `now` (`throttleStatus` open), counts it as a failure in
   * advance (failures + 1, stamped `now`); otherwise changes nothing. So of
   * concurrent attempts exactly as many pass as the rules allow.
   */
  take(key: string, now: Date, rules: ThrottleRules): Promise<ThrottleTake>;
  /**
   * Gives back a slot taken at `now` (whose state before was `before`) by an
   * attempt that turned out not to be a guess: restores `before` when nothing
   * else changed the state since, else takes one failure off (never below 0).
   */
  giveBack(key: string, before: ThrottleState, now: Date): Promise<void>;
  reset(key: string): Promise<void>;
}

export interface CounterStore {
  /**
   * Atomically adds one to the counter `key` (created at 0 if missing or
   * expired) and returns the new value. The counter expires at `expiresAt`.
   */
  increment(key: string, expiresAt: Date, now: Date): Promise<number>;
  /**
   * Deletes the counter `key` only if its window is the one expiring at
   * `expiresAt` (a window a caller started with `increment` and gives up,
   * never a later one). Used to hand back a cooldown that sent nothing.
   */
  release(key: string, expiresAt: Date): Promise<void>;
}

/** Which events: every field given must match. */
export interface AuditFilter {
  actorOrTargetId?: string;
  types?: AuditEventType[];
  from?: Date;
  to?: Date;
  /** Only events with `seq` greater than this (for paging forward). */
  afterSeq?: number;
}

export interface AuditQuery extends AuditFilter {
  limit?: number;
  /** Default ascending by seq. */
  order?: 'asc' | 'desc';
}

/** The newest event's seq and hash of one clinic's audit chain. */
export interface AuditHead {
  seq: number;
  hash: string;
}

export interface AuditStore {
  /**
   * The clinic's head: kept in one record per clinic, so reading it costs the same however long
   * the log is. Null before the first event.
   */
  head(clinicId: string): Promise<AuditHead | null>;
  /**
   * Appends the event and moves the head forward to it (a conditional update: never back);
   * false (nothing written) when its `seq` is already taken in the clinic — the caller re-reads
   * `head` and retries. Events are never updated.
   */
  append(event: AuditEvent): Promise<boolean>;
  list(clinicId: string, query?: AuditQuery): Promise<AuditEvent[]>;
  /**
   * Whether any event matches, in no particular order: the store stops at the first it finds, so
   * the answer costs the same however long the log is (no sort of every match).
   */
  exists(clinicId: string, query?: AuditFilter): Promise<boolean>;
}

/** Server-side sessions of the IdP's own pages, and the instant a staff member's sessions were ended. */
export interface SessionStore {
  /** Throws `TwostepError('conflict')` when the id exists. */
  create(session: SessionRecord): Promise<void>;
  /** The session, or null when unknown or expired (`expiresAt` <= `now`). */
  get(id: string, now: Date): Promise<SessionRecord | null>;
  /** Records a request or a re-verification; false when the session is gone. */
  update(
    id: string,
    patch: Partial<Pick<SessionRecord, 'acr' | 'amr' | 'authTime' | 'seenAt'>>,
  ): Promise<boolean>;
  /** True when a session was removed. */
  remove(id: string): Promise<boolean>;
  /**
   * Ends every session of the staff member (removed, expired ones too) and remembers `at` (the
   * latest one given wins), so that a sign-in from before `at` is refused elsewhere as well.
   * Returns how many sessions were removed.
   */
  endAll(staffId: string, at: Date): Promise<number>;
  /** The latest `at` given to `endAll` for the staff member, or null. */
  endedAt(staffId: string): Promise<Date | null>;
}

/** Every store the rules use. */
export interface Stores {
  clinics: ClinicStore;
  staff: StaffStore;
  factors: FactorStore;
  recoveryCodes: RecoveryCodeStore;
  trustedDevices: TrustedDeviceStore;
  smsChallenges: SmsChallengeStore;
  pauses: PauseStore;
  throttles: ThrottleStore;
  counters: CounterStore;
  audit: AuditStore;
  sessions: SessionStore;
}

export interface SmsMessage {
  /** E.164. */
  to: string;
  body: string;
}

/** What a sign-in code text says, for `smsText` to word in the recipient's language. */
export interface SmsCodeText {
  code: string;
  /** Who sends it: the clinic's name, else the product's. */
  sender: string;
  /** How long the code is valid. */
  minutes: number;
  /** The recipient's language (their `locale`, else their clinic's `defaultLocale`), when known. */
  locale: string | undefined;
}

/** Delivers SMS. Throwing means "not delivered"; core turns it into a result. */
export interface SmsSender {
  send(message: SmsMessage): Promise<void>;
}

export type NotificationKind =
  | 'factor_added'
  | 'factor_replaced'
  | 'factor_removed'
  | 'recovery_code_used'
  | 'two_step_paused'
  | 'two_step_resumed'
  | 'two_step_reset'
  | 'colleague_paused'
  | 'colleague_reset'
  /** A staff member removed their last method (params `colleague`, `reason`): to every Full Access User. */
  | 'colleague_two_step_off'
  /** The clinic no longer requires 2-Step (params `actor`, `reason`): to every Full Access User. */
  | 'enforcement_off'
  /** The clinic's passkey rule now covers fewer people (params `actor`, `reason`, `from`, `to`): to every Full Access User. */
  | 'phishing_resistant_narrowed'
  /** One of the person's passkeys got a new name (params `from`, `to`). */
  | 'passkey_renamed'
  /** The first Full Access User of a new clinic (`twostep clinic create`): params `url`, `until`. */
  | 'welcome'
  /** "Forgot password?": params `url`, `until` (the link works once, until then). */
  | 'password_reset_link'
  /** The password was changed through a reset link (to the person; to Full Access Users as colleague_). */
  | 'password_reset'
  | 'colleague_password_reset'
  /** Added in the admin console (or reminded while no password): params `url`, `until`, `actor`. */
  | 'staff_invitation'
  /** Has a password but no 2-Step Verification yet: params `url` (the account page), `actor`. */
  | 'setup_reminder'
  /** A sign-in completed from a browser not seen before: params `device`, `ip`. */
  | 'new_device_sign_in';

export interface Notification {
  kind: NotificationKind;
  /** `role`: the recipient's, when known (a Full Access User is told what they can do themselves). */
  to: { staffId: string; email: string; name: string; role?: Role };
  clinicName: string;
  /** IANA time zone the message shows its times in (the clinic's, else the server's). */
  timeZone?: string;
  /**
   * The recipient's language (BCP 47): their own `locale`, else their clinic's `defaultLocale`;
   * unset: the notifier's default. Core fills it in when the sender did not.
   */
  locale?: string;
  /** Values the message template fills in (factor, until, actor name, colleague name, reason). */
  params: Record<string, string>;
}

/** Tells people about security changes (email in production). Throwing is logged, never fatal. */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

/**
 * Told when every session of a staff member must end (sign out everywhere, password change,
 * pause, reset, role change, deactivation): the IdP sends back-channel logout tokens to its apps.
 * Throwing is logged, never fatal.
 */
export interface SessionListener {
  sessionsEnded(staff: StaffMember): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface Random {
  /** Cryptographically secure random bytes. */
  bytes(length: number): Uint8Array;
}

export interface Logger {
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}
