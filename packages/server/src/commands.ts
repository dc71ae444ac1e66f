/** The CLI's commands. Each takes its arguments, the environment and a line printer. */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import {
  type Clinic,
  createAuditLog,
  type StaffMember,
  type Stores,
  systemClock,
  systemRandom,
} from '@twostep/core';
import {
  ADMIN_SCOPE,
  adminAudience,
  createWelcomeToken,
  generateSigningKey,
  hasPassword,
  unusablePasswordHash,
  welcomeUrl,
} from '@twostep/oidc-server';
import { connectMongo, createMongooseStores, syncIndexes } from '@twostep/store-mongoose';

export class UsageError extends Error {}
export class CliError extends Error {}

export const usage = `Usage: node --conditions=@twostep/source packages/server/src/main.ts <command> [options]

Commands:
  db init [--ttl-indexes]
      Creates the collections and indexes (idempotent). --ttl-indexes on real MongoDB (not FerretDB).
  clinic create --name <name> --owner-email <email> --owner-name <name> [--no-enforce] [--json]
      Creates a clinic (2-Step enforced unless --no-enforce) and its first Full Access User,
      and prints a one-time welcome link: it sets the password, then sign-in makes them enroll.
  staff welcome-link --email <email> [--json]
      A new welcome link for a staff member (e.g. the first one expired).
  client register --name <name> --redirect-uri <uri> [--redirect-uri <uri>...] [--public] [--first-party] [--id <id>]
  client register --name <name> --provisioning --clinic <clinic id> [--id <id>]
      Prints the client's entry for createIdp({ clients: [...] }) (clients live in the IdP's
      configuration) with a new secret. --provisioning: an admin API client (client credentials,
      scope ${ADMIN_SCOPE}) for one clinic; with MONGODB_URI set, the clinic must exist.
  keys rotate --file <keys.json>
      Adds a new signing key in front of the JWKS in the file (a JWKS, or a developmentKeys file);
      older keys stay for verification. Prints the new kid. Remove old keys once their tokens expired.

Environment:
  MONGODB_URI        MongoDB connection string (db, clinic, staff; client register --provisioning)
  TWOSTEP_DB         database name, when not in MONGODB_URI
  TWOSTEP_ISSUER     the IdP's issuer URL (welcome links)
  TWOSTEP_HASH_KEY   the IdP's hashKey, base64 (≥ 32 bytes): signs welcome links
  TWOSTEP_KEYS_FILE  instead of TWOSTEP_HASH_KEY: a developmentKeys JSON file (its hashKey)
`;

type Env = Record<string, string | undefined>;
type Print = (line: string) => void;
type Command = (args: string[], env: Env, print: Print) => Promise<void>;

function parse<const T extends ParseArgsOptionsConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
function email(value: string): string {
  const normalized = value.trim().toLowerCase();
  if (normalized.length > 254 || !EMAIL.test(normalized))
    throw new UsageError(`not an email address: ${value}`);
  return normalized;
}
function name(value: string, what: string): string {
  const trimmed = value.normalize('NFC').trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (trimmed.length > 200 || /[\u0000-\u001f\u007f-\u009f]/.test(trimmed))
    throw new UsageError(`${what}: 1 to 200 characters, no control characters`);
  return trimmed;
}

async function withStores<T>(env: Env, run: (stores: Stores) => Promise<T>): Promise<T> {
  const uri = env.MONGODB_URI;
  if (!uri) throw new CliError('MONGODB_URI is not set');
  const connection = await connectMongo(uri, env.TWOSTEP_DB ? { dbName: env.TWOSTEP_DB } : {});
  try {
    return await run(createMongooseStores(connection));
  } finally {
    await connection.close();
  }
}

function hashKey(env: Env): Uint8Array {
  let base64 = env.TWOSTEP_HASH_KEY;
  if (!base64 && env.TWOSTEP_KEYS_FILE) {
    const stored = JSON.parse(readFileSync(env.TWOSTEP_KEYS_FILE, 'utf8')) as { hashKey?: unknown };
    if (typeof stored.hashKey !== 'string') throw new CliError(`${env.TWOSTEP_KEYS_FILE} has no hashKey`);
    base64 = stored.hashKey;
  }
  if (!base64) throw new CliError('TWOSTEP_HASH_KEY (or TWOSTEP_KEYS_FILE) is needed to sign welcome links');
  const key = new Uint8Array(Buffer.from(base64, 'base64'));
  if (key.length < 32) throw new CliError('TWOSTEP_HASH_KEY must be at least 32 bytes (base64)');
  return key;
}

function issuer(env: Env): string {
  const value = env.TWOSTEP_ISSUER;
  if (!value || !URL.canParse(value)) throw new CliError('TWOSTEP_ISSUER (the IdP issuer URL) is needed');
  return value.replace(/\/+$/, '');
}

function printLink(print: Print, json: boolean, result: Record<string, unknown>, lines: string[]) {
  if (json) print(JSON.stringify(result));
  else for (const line of lines) print(line);
}

const dbInit: Command = async (args, env, print) => {
  const values = parse(args, { 'ttl-indexes': { type: 'boolean' } });
  const uri = env.MONGODB_URI;
  if (!uri) throw new CliError('MONGODB_URI is not set');
  const connection = await connectMongo(uri, env.TWOSTEP_DB ? { dbName: env.TWOSTEP_DB } : {});
  try {
    await syncIndexes(connection, { ttlIndexes: values['ttl-indexes'] === true });
  } finally {
    await connection.close();
  }
  print('collections and indexes are in place');
};

const clinicCreate: Command = async (args, env, print) => {
  const values = parse(args, {
    name: { type: 'string' },
    'owner-email': { type: 'string' },
    'owner-name': { type: 'string' },
    'no-enforce': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const clinicName = name(required(values, 'name'), '--name');
  const ownerEmail = email(required(values, 'owner-email'));
  const ownerName = name(required(values, 'owner-name'), '--owner-name');
  const key = hashKey(env);
  const iss = issuer(env);
  await withStores(env, async (stores) => {
    if (await stores.staff.findByEmail(ownerEmail))
      throw new CliError(`${ownerEmail} already belongs to a staff member`);
    const now = systemClock.now();
    const clinic: Clinic = {
      id: `clinic-${randomBytes(8).toString('hex')}`,
      name: clinicName,
      enforceTwoStep: values['no-enforce'] !== true,
      allowTrustedDevices: true,
      createdAt: now,
    };
    const owner: StaffMember = {
      id: randomBytes(16).toString('base64url'),
      clinicId: clinic.id,
      email: ownerEmail,
      name: ownerName,
      role: 'full_access',
      passwordHash: unusablePasswordHash(),
      active: true,
      createdAt: now,
    };
    await stores.clinics.create(clinic);
    await stores.staff.create(owner);
    const audit = createAuditLog({ store: stores.audit, clock: systemClock, random: systemRandom });
    const actor = { actorId: null };
    await audit.record(actor, { clinicId: clinic.id, type: 'clinic.created', details: { via: 'cli' } });
    await audit.record(actor, {
      clinicId: clinic.id,
      type: 'staff.created',
      targetId: owner.id,
      details: { via: 'cli', role: owner.role },
    });
    const { token, expiresAt } = createWelcomeToken(key, owner, now);
    const url = welcomeUrl(iss, token);
    printLink(
      print,
      values.json === true,
      {
        clinic: { id: clinic.id, name: clinic.name, enforceTwoStep: clinic.enforceTwoStep },
        owner: { id: owner.id, email: owner.email, name: owner.name, role: owner.role },
        welcomeLink: { url, expiresAt: expiresAt.toISOString() },
      },
      [
        `clinic  ${clinic.id}  ${clinic.name}${clinic.enforceTwoStep ? '' : '  (2-Step not enforced)'}`,
        `owner   ${owner.id}  ${owner.email}  (Full Access User)`,
        `welcome link, valid until ${expiresAt.toISOString()}; give it to ${owner.email} only:`,
        url,
      ],
    );
  });
};

const staffWelcomeLink: Command = async (args, env, print) => {
  const values = parse(args, { email: { type: 'string' }, json: { type: 'boolean' } });
  const address = email(required(values, 'email'));
  const key = hashKey(env);
  const iss = issuer(env);
  await withStores(env, async (stores) => {
    const staff = await stores.staff.findByEmail(address);
    if (!staff?.active) throw new CliError(`no active staff member with email ${address}`);
    if (hasPassword(staff))
      throw new CliError(`${address} has a password: welcome links are for a first password only`);
    const { token, expiresAt } = createWelcomeToken(key, staff, systemClock.now());
    const url = welcomeUrl(iss, token);
    printLink(print, values.json === true, { staffId: staff.id, url, expiresAt: expiresAt.toISOString() }, [
      `welcome link for ${staff.email}, valid until ${expiresAt.toISOString()}:`,
      url,
    ]);
  });
};

const clientRegister: Command = async (args, env, print) => {
  const values = parse(args, {
    name: { type: 'string' },
    id: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    public: { type: 'boolean' },
    'first-party': { type: 'boolean' },
    provisioning: { type: 'boolean' },
    clinic: { type: 'string' },
  });
  const clientName = name(required(values, 'name'), '--name');
  const slug = clientName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 32);
  const clientId = values.id?.trim() || `${slug || 'client'}-${randomBytes(4).toString('hex')}`;
  if (!/^[A-Za-z0-9._~-]{1,64}$/.test(clientId)) throw new UsageError('--id: letters, digits, . _ ~ -');
  const secret = randomBytes(32).toString('base64url');
  let entry: Record<string, unknown>;
  if (values.provisioning) {
    if (values['redirect-uri'] || values.public || values['first-party'])
      throw new UsageError('--provisioning takes no --redirect-uri, --public or --first-party');
    const clinicId = required(values, 'clinic');
    if (env.MONGODB_URI) {
      const found = await withStores(env, (stores) => stores.clinics.get(clinicId));
      if (!found) throw new CliError(`no clinic ${clinicId}`);
    }
    entry = {
      client_id: clientId,
      client_secret: secret,
      client_name: clientName,
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      clinic_id: clinicId,
      firstParty: false,
    };
  } else {
    if (values.clinic) throw new UsageError('--clinic is for --provisioning clients');
    const uris = values['redirect-uri'] ?? [];
    if (uris.length === 0) throw new UsageError('--redirect-uri is required (repeat it for several)');
    for (const uri of uris) {
      let url: URL;
      try {
        url = new URL(uri);
      } catch {
        throw new UsageError(`--redirect-uri ${uri}: not an absolute URL`);
      }
      if (url.hash) throw new UsageError(`--redirect-uri ${uri}: no fragment`);
    }
    entry = {
      client_id: clientId,
      ...(values.public ? {} : { client_secret: secret }),
      client_name: clientName,
      redirect_uris: uris,
      post_logout_redirect_uris: uris,
      token_endpoint_auth_method: values.public ? 'none' : 'client_secret_basic',
      firstParty: values['first-party'] === true,
    };
  }
  // Data on stdout (the entry), guidance on stderr, so `> client.json` keeps only the entry.
  print(JSON.stringify(entry, null, 2));
  process.stderr.write(
    [
      'Add this entry to createIdp({ clients: [...] }) and restart the IdP: clients live in its configuration.',
      values.public ? '' : "The secret is shown once; keep it in the app's secret store.",
      values.provisioning
        ? `Token: POST <issuer>/token grant_type=client_credentials scope=${ADMIN_SCOPE} (resource ${adminAudience('<issuer>')}).`
        : '',
    ]
      .filter(Boolean)
      .join('\n')
      .concat('\n'),
  );
};

const keysRotate: Command = async (args, _env, print) => {
  const values = parse(args, { file: { type: 'string' } });
  const file = required(values, 'file');
  if (!existsSync(file)) throw new CliError(`${file} does not exist`);
  let data: { keys?: unknown; jwks?: { keys?: unknown } };
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as typeof data;
  } catch {
    throw new CliError(`${file} is not JSON`);
  }
  const holder = Array.isArray(data.keys) ? data : Array.isArray(data.jwks?.keys) ? data.jwks! : null;
  if (!holder) throw new CliError(`${file}: expected a JWKS ({ "keys": [...] }) or a developmentKeys file`);
  const keys = holder.keys as { kid?: unknown; d?: unknown }[];
  if (!keys.every((k) => typeof k === 'object' && k !== null && typeof k.kid === 'string' && 'd' in k))
    throw new CliError(`${file}: every key needs a kid and its private part`);
  const kids = new Set(keys.map((k) => k.kid));
  let key = generateSigningKey();
  while (kids.has(key.kid)) key = generateSigningKey();
  holder.keys = [key, ...keys];
  // Write a sibling file, then rename: the old file is never half-written. Keep it private.
  const mode = statSync(file).mode & 0o777 & ~0o077;
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: mode || 0o600 });
  chmodSync(tmp, mode || 0o600);
  renameSync(tmp, file);
  print(String(key.kid));
};

export const commands: Record<string, Command> = {
  'db init': dbInit,
  'clinic create': clinicCreate,
  'staff welcome-link': staffWelcomeLink,
  'client register': clientRegister,
  'keys rotate': keysRotate,
};
