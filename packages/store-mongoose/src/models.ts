/**
 * mongoose schemas and models of every store. All schemas are strict (unknown
 * fields throw on write, unknown filter paths are dropped), have no version key
 * and never create indexes by themselves (`autoIndex: false`): call
 * {@link syncIndexes} from a deploy step, the CLI or a test's setup.
 *
 * Documents use a natural string `_id` where one exists (clinic id, staff id,
 * device id, event id, throttle/counter key). Two collections are keyed by a
 * *slot* instead, so that replacing what fills the slot is one atomic upsert:
 * factors (`<kind>:<staffId>`, holding the pending and the active factor of that
 * kind; passkeys, held several times, have their own collection keyed by credential id) and SMS challenges (`<purpose>:<staffId>`, holding the current challenge).
 */
import { PHISHING_RESISTANT_SCOPES, type PhishingResistantScope } from '@twostep/core';
import { type Connection, type Model, Schema } from 'mongoose';

const baseOptions = {
  strict: 'throw',
  strictQuery: true,
  versionKey: false,
  minimize: false,
  autoIndex: false,
  autoCreate: false,
  id: false,
} as const;

const requiredString = { type: String, required: true } as const;
const requiredDate = { type: Date, required: true } as const;
const nullableString = { type: String, default: null } as const;
const nullableDate = { type: Date, default: null } as const;

export interface ClinicDoc {
  _id: string;
  name: string;
  enforceTwoStep: boolean;
  allowTrustedDevices: boolean;
  timeZone?: string;
  country?: string;
  phishingResistant?: PhishingResistantScope;
  defaultLocale?: string;
  enrollmentGraceDays?: number;
  contact?: string;
  createdAt: Date;
}

export interface StaffDoc {
  _id: string;
  clinicId: string;
  /** Trimmed, lower-case; unique. */
  email: string;
  name: string;
  /** `name` lower-cased, for the case-insensitive search. Never returned. */
  nameLower: string;
  givenName?: string;
  familyName?: string;
  locale?: string;
  role: 'full_access' | 'staff';
  passwordHash: string;
  active: boolean;
  createdAt: Date;
}

/** A factor as it sits in a slot (pending or active). */
export interface FactorBodyDoc {
  id: string;
  clinicId: string;
  kind: 'totp' | 'sms';
  secret?: string | null;
  phone?: string | null;
  lastStep?: number | null;
  createdAt: Date;
  confirmedAt?: Date | null;
}

/** One document per (staff member, kind): `_id` is `<kind>:<staffId>`. */
export interface FactorSlotDoc {
  _id: string;
  staffId: string;
  kind: 'totp' | 'sms';
  pending: FactorBodyDoc | null;
  active: FactorBodyDoc | null;
  /** Confirmation time of the active factor (kept outside `active` so `activate` is one `$rename` + `$set`). */
  activeConfirmedAt: Date | null;
  /** Last accepted TOTP step of the active factor (same reason). */
  activeLastStep: number | null;
}

/** One document per passkey: `_id` is the credential id, so one credential is stored once, for one person. */
export interface PasskeyDoc {
  _id: string;
  /** The factor id. */
  id: string;
  staffId: string;
  clinicId: string;
  name: string;
  publicKey: string;
  counter: number;
  transports: string[];
  backupEligible: boolean;
  backupState: boolean;
  lastUsedAt: Date | null;
  createdAt: Date;
  confirmedAt: Date | null;
}

export interface RecoveryCodeDoc {
  /** The staff id: one code per staff member. */
  _id: string;
  clinicId: string;
  salt: string;
  hash: string;
  createdAt: Date;
}

export interface TrustedDeviceDoc {
  _id: string;
  staffId: string;
  clinicId: string;
  tokenHash: string;
  label: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
}

/** A console session: `_id` is the SHA-256 of the cookie's secret id. */
export interface SessionDoc {
  _id: string;
  staffId: string;
  acr: string;
  amr: string[];
  authTime: number;
  createdAt: Date;
  seenAt: Date;
  expiresAt: Date;
}

/** When every session of a staff member was last ended: `_id` is the staff id. */
export interface SessionEndDoc {
  _id: string;
  endedAt: Date;
}

/** The current challenge of a (staff member, purpose): `_id` is `<purpose>:<staffId>`. */
export interface SmsChallengeDoc {
  _id: string;
  id: string;
  staffId: string;
  clinicId: string;
  purpose: 'sign_in' | 'enroll';
  phone: string;
  codeHash: string;
  sentAt: Date;
  expiresAt: Date;
  failures: number;
  consumedAt: Date | null;
}

export interface PauseDoc {
  /** The staff id. */
  _id: string;
  clinicId: string;
  until: Date;
  reason: string;
  pausedBy: string;
  createdAt: Date;
}

export interface ThrottleDoc {
  _id: string;
  failures: number;
  lastFailureAt: Date | null;
}

export interface CounterDoc {
  _id: string;
  value: number;
  expiresAt: Date;
}

export interface AuditEventDoc {
  _id: string;
  clinicId: string;
  seq: number;
  type: string;
  actorId: string | null;
  targetId: string | null;
  at: Date;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, string | number | boolean | null>;
  prevHash: string;
  hash: string;
}

/** One per clinic: its audit chain's newest seq and hash, moved forward by a conditional update. */
export interface AuditHeadDoc {
  /** The clinic id. */
  _id: string;
  seq: number;
  hash: string;
}

export interface OidcDoc {
  _id: string;
  payload: Record<string, unknown>;
  expiresAt: Date | null;
  /** Clients only (`twostep client disable`): kept, but oidc-provider does not find it. */
  disabled?: boolean;
}

const clinicSchema = new Schema<ClinicDoc>(
  {
    _id: requiredString,
    name: requiredString,
    enforceTwoStep: { type: Boolean, required: true },
    allowTrustedDevices: { type: Boolean, required: true },
    timeZone: { type: String },
    country: { type: String },
    phishingResistant: { type: String, enum: PHISHING_RESISTANT_SCOPES },
    defaultLocale: { type: String },
    enrollmentGraceDays: { type: Number, min: 0 },
    contact: { type: String },
    createdAt: requiredDate,
  },
  baseOptions,
);

const staffSchema = new Schema<StaffDoc>(
  {
    _id: requiredString,
    clinicId: requiredString,
    email: { type: String, required: true, lowercase: true, trim: true },
    name: { type: String, required: true },
    nameLower: { type: String, required: true },
    givenName: String,
    familyName: String,
    locale: String,
    role: { type: String, required: true, enum: ['full_access', 'staff'] },
    passwordHash: requiredString,
    active: { type: Boolean, required: true },
    createdAt: requiredDate,
  },
  baseOptions,
);
staffSchema.index({ email: 1 }, { unique: true, name: 'email_unique' });
staffSchema.index({ clinicId: 1, name: 1, _id: 1 }, { name: 'clinic_name' });

const factorBodySchema = new Schema<FactorBodyDoc>(
  {
    id: requiredString,
    clinicId: requiredString,
    kind: { type: String, required: true, enum: ['totp', 'sms'] },
    secret: nullableString,
    phone: nullableString,
    lastStep: { type: Number, default: null },
    createdAt: requiredDate,
    confirmedAt: nullableDate,
  },
  { ...baseOptions, _id: false },
);

const factorSlotSchema = new Schema<FactorSlotDoc>(
  {
    _id: requiredString,
    staffId: requiredString,
    kind: { type: String, required: true, enum: ['totp', 'sms'] },
    pending: { type: factorBodySchema, default: null },
    active: { type: factorBodySchema, default: null },
    activeConfirmedAt: nullableDate,
    activeLastStep: { type: Number, default: null },
  },
  baseOptions,
);
factorSlotSchema.index({ staffId: 1 }, { name: 'staff' });
factorSlotSchema.index({ staffId: 1, kind: 1 }, { unique: true, name: 'staff_kind_unique' });
factorSlotSchema.index({ 'active.id': 1 }, { name: 'active_id' });

const passkeySchema = new Schema<PasskeyDoc>(
  {
    _id: requiredString,
    id: requiredString,
    staffId: requiredString,
    clinicId: requiredString,
    name: requiredString,
    publicKey: requiredString,
    counter: { type: Number, required: true },
    transports: { type: [String], default: [] },
    backupEligible: { type: Boolean, required: true },
    backupState: { type: Boolean, required: true },
    lastUsedAt: nullableDate,
    createdAt: requiredDate,
    confirmedAt: nullableDate,
  },
  baseOptions,
);
passkeySchema.index({ staffId: 1 }, { name: 'staff' });
passkeySchema.index({ id: 1 }, { unique: true, name: 'id_unique' });

const recoveryCodeSchema = new Schema<RecoveryCodeDoc>(
  {
    _id: requiredString,
    clinicId: requiredString,
    salt: requiredString,
    hash: requiredString,
    createdAt: requiredDate,
  },
  baseOptions,
);

const trustedDeviceSchema = new Schema<TrustedDeviceDoc>(
  {
    _id: requiredString,
    staffId: requiredString,
    clinicId: requiredString,
    tokenHash: requiredString,
    label: { type: String, default: '' },
    createdAt: requiredDate,
    lastUsedAt: requiredDate,
    expiresAt: requiredDate,
  },
  baseOptions,
);
trustedDeviceSchema.index({ staffId: 1, createdAt: -1 }, { name: 'staff_created' });

const sessionSchema = new Schema<SessionDoc>(
  {
    _id: requiredString,
    staffId: requiredString,
    acr: requiredString,
    amr: { type: [String], default: [] },
    authTime: { type: Number, required: true },
    createdAt: requiredDate,
    seenAt: requiredDate,
    expiresAt: requiredDate,
  },
  baseOptions,
);
sessionSchema.index({ staffId: 1 }, { name: 'staff' });

const sessionEndSchema = new Schema<SessionEndDoc>(
  { _id: requiredString, endedAt: requiredDate },
  baseOptions,
);

const smsChallengeSchema = new Schema<SmsChallengeDoc>(
  {
    _id: requiredString,
    id: requiredString,
    staffId: requiredString,
    clinicId: requiredString,
    purpose: { type: String, required: true, enum: ['sign_in', 'enroll'] },
    phone: requiredString,
    codeHash: requiredString,
    sentAt: requiredDate,
    expiresAt: requiredDate,
    failures: { type: Number, required: true, min: 0 },
    consumedAt: nullableDate,
  },
  baseOptions,
);
smsChallengeSchema.index({ id: 1 }, { unique: true, name: 'id_unique' });
smsChallengeSchema.index({ staffId: 1, purpose: 1 }, { unique: true, name: 'staff_purpose_unique' });

const pauseSchema = new Schema<PauseDoc>(
  {
    _id: requiredString,
    clinicId: requiredString,
    until: requiredDate,
    reason: requiredString,
    pausedBy: requiredString,
    createdAt: requiredDate,
  },
  baseOptions,
);

const throttleSchema = new Schema<ThrottleDoc>(
  {
    _id: requiredString,
    failures: { type: Number, required: true, min: 0 },
    lastFailureAt: nullableDate,
  },
  baseOptions,
);

const counterSchema = new Schema<CounterDoc>(
  {
    _id: requiredString,
    value: { type: Number, required: true },
    expiresAt: requiredDate,
  },
  baseOptions,
);

const auditEventSchema = new Schema<AuditEventDoc>(
  {
    _id: requiredString,
    clinicId: requiredString,
    seq: { type: Number, required: true, min: 1 },
    type: requiredString,
    actorId: nullableString,
    targetId: nullableString,
    at: requiredDate,
    ip: nullableString,
    userAgent: nullableString,
    details: { type: Schema.Types.Mixed, default: () => ({}) },
    prevHash: { type: String, default: '' },
    hash: requiredString,
  },
  baseOptions,
);
auditEventSchema.index({ clinicId: 1, seq: 1 }, { unique: true, name: 'clinic_seq_unique' });
auditEventSchema.index({ clinicId: 1, at: 1 }, { name: 'clinic_at' });
auditEventSchema.index({ clinicId: 1, actorId: 1 }, { name: 'clinic_actor' });
auditEventSchema.index({ clinicId: 1, targetId: 1 }, { name: 'clinic_target' });

const auditHeadSchema = new Schema<AuditHeadDoc>(
  {
    _id: requiredString,
    seq: { type: Number, required: true, min: 1 },
    hash: requiredString,
  },
  baseOptions,
);

/** The oidc-provider model names (v9), each stored in its own collection. */
export const OIDC_MODEL_NAMES = [
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'Client',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
  'BackchannelAuthenticationRequest',
] as const;

/** `AccessToken` → `oidc_access_token`. */
export function oidcCollectionName(modelName: string): string {
  return `oidc_${modelName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()}`;
}

function oidcSchema(modelName: string): Schema<OidcDoc> {
  const schema = new Schema<OidcDoc>(
    {
      _id: requiredString,
      payload: { type: Schema.Types.Mixed, required: true },
      expiresAt: nullableDate,
      disabled: { type: Boolean },
    },
    baseOptions,
  );
  schema.index({ 'payload.grantId': 1 }, { name: 'grant' });
  // Every document of these collections has the field, so a plain unique index
  // works (FerretDB rejects partial indexes and ignores `sparse`).
  if (modelName === 'Session') schema.index({ 'payload.uid': 1 }, { unique: true, name: 'uid_unique' });
  if (modelName === 'DeviceCode') {
    schema.index({ 'payload.userCode': 1 }, { unique: true, name: 'user_code_unique' });
  }
  return schema;
}

export interface StoreModels {
  clinics: Model<ClinicDoc>;
  staff: Model<StaffDoc>;
  factors: Model<FactorSlotDoc>;
  passkeys: Model<PasskeyDoc>;
  recoveryCodes: Model<RecoveryCodeDoc>;
  trustedDevices: Model<TrustedDeviceDoc>;
  smsChallenges: Model<SmsChallengeDoc>;
  pauses: Model<PauseDoc>;
  throttles: Model<ThrottleDoc>;
  counters: Model<CounterDoc>;
  audit: Model<AuditEventDoc>;
  sessions: Model<SessionDoc>;
  sessionEnds: Model<SessionEndDoc>;
  auditHeads: Model<AuditHeadDoc>;
}

function model<T>(connection: Connection, name: string, schema: Schema<T>, collection: string): Model<T> {
  const existing = connection.models[name];
  return (existing as Model<T> | undefined) ?? connection.model<T>(name, schema, collection);
}

/** The models of every store on `connection` (registered once per connection). */
export function storeModels(connection: Connection): StoreModels {
  return {
    clinics: model(connection, 'TwostepClinic', clinicSchema, 'clinics'),
    staff: model(connection, 'TwostepStaff', staffSchema, 'staff'),
    factors: model(connection, 'TwostepFactor', factorSlotSchema, 'factors'),
    passkeys: model(connection, 'TwostepPasskey', passkeySchema, 'passkeys'),
    recoveryCodes: model(connection, 'TwostepRecoveryCode', recoveryCodeSchema, 'recovery_codes'),
    trustedDevices: model(connection, 'TwostepTrustedDevice', trustedDeviceSchema, 'trusted_devices'),
    smsChallenges: model(connection, 'TwostepSmsChallenge', smsChallengeSchema, 'sms_challenges'),
    pauses: model(connection, 'TwostepPause', pauseSchema, 'pauses'),
    throttles: model(connection, 'TwostepThrottle', throttleSchema, 'throttles'),
    counters: model(connection, 'TwostepCounter', counterSchema, 'counters'),
    audit: model(connection, 'TwostepAuditEvent', auditEventSchema, 'audit_events'),
    sessions: model(connection, 'TwostepSession', sessionSchema, 'console_sessions'),
    sessionEnds: model(connection, 'TwostepSessionEnd', sessionEndSchema, 'session_ends'),
    auditHeads: model(connection, 'TwostepAuditHead', auditHeadSchema, 'audit_heads'),
  };
}

/** The model of oidc-provider's `modelName` on `connection`. */
export function oidcModel(connection: Connection, modelName: string): Model<OidcDoc> {
  return model(connection, `TwostepOidc${modelName}`, oidcSchema(modelName), oidcCollectionName(modelName));
}

export interface SyncIndexesOptions {
  /**
   * Also create TTL indexes (`expireAfterSeconds: 0`) on `expiresAt` of trusted
   * devices, SMS challenges, counters and the oidc-provider collections, so
   * MongoDB deletes expired documents. Default false: FerretDB rejects TTL
   * indexes. Expiry is enforced on every read either way; TTL only reclaims space.
   */
  ttlIndexes?: boolean;
}

/**
 * Creates every collection and every index the stores rely on (unique emails, one audit event per
 * (clinic, seq), …) and, with `ttlIndexes`, the TTL indexes. Idempotent and
 * additive: it never drops an index. Run it at deploy time, from the CLI or in a
 * test's setup — not on every boot in production.
 *
 * @example
 * ```ts
 * const connection = await connectMongo(process.env.MONGODB_URI!);
 * await syncIndexes(connection, { ttlIndexes: true }); // real MongoDB
 * ```
 */
export async function syncIndexes(connection: Connection, options: SyncIndexesOptions = {}): Promise<void> {
  const models = storeModels(connection);
  const oidcModels = OIDC_MODEL_NAMES.map((name) => oidcModel(connection, name));
  for (const m of [...Object.values(models), ...oidcModels]) {
    await m.createCollection(); // a no-op when it exists
    await m.createIndexes();
  }
  if (options.ttlIndexes === true) {
    const expiring = [
      models.trustedDevices.collection,
      models.smsChallenges.collection,
      models.counters.collection,
      models.sessions.collection,
      ...oidcModels.map((m) => m.collection),
    ];
    for (const collection of expiring) {
      await collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'expires_ttl' });
    }
  }
}
