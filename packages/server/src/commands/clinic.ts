/**
 * `twostep clinic create` (a clinic and its first Full Access User, with a one-time welcome link,
 * emailed when email is configured) and `twostep staff welcome-link` (a new link).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Clinic, StaffMember } from '@twostep/core';
import { CliError, type Command, parse, required, UsageError, withSettings } from '../cli.ts';
import type { Settings } from '../config.ts';
import { withDatabase } from '../database.ts';
import { emailDelivery, keySetSource } from '../serve-config.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export function email(value: string): string {
  const normalized = value.trim().toLowerCase();
  if (normalized.length > 254 || !EMAIL.test(normalized))
    throw new UsageError(`not an email address: ${value}`);
  return normalized;
}

export function name(value: string, what: string): string {
  const trimmed = value.normalize('NFC').trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (trimmed.length > 200 || /[\u0000-\u001f\u007f-\u009f]/.test(trimmed))
    throw new UsageError(`${what}: 1 to 200 characters, no control characters`);
  return trimmed;
}

/**
 * The IdP's hash key, which signs welcome links: the newest of the key set (`keys.dir` or
 * `keys.hash`), else `keys.hashKey`, else the hashKey of `keys.devFile`.
 */
async function hashKey(settings: Settings): Promise<Uint8Array> {
  const source = keySetSource(settings);
  if (source.dir || source.env.TWOSTEP_KEYS_HASH) {
    const { KeySetError, loadHashKeys } = await import('@twostep/oidc-server/keys');
    try {
      return loadHashKeys(source)[0]!;
    } catch (error) {
      throw error instanceof KeySetError ? new CliError(error.message) : error;
    }
  }
  let base64 = settings.get<string>('keys.hashKey');
  const devFile = settings.get<string>('keys.devFile');
  if (!base64 && devFile) {
    const stored = JSON.parse(readFileSync(devFile, 'utf8')) as { hashKey?: unknown };
    if (typeof stored.hashKey !== 'string') throw new CliError(`${devFile} has no hashKey`);
    base64 = stored.hashKey;
  }
  if (!base64)
    throw new CliError(
      'keys.hashKey (TWOSTEP_KEYS_HASH_KEY) or keys.devFile (TWOSTEP_KEYS_DEV_FILE) is needed to sign welcome links',
    );
  const key = new Uint8Array(Buffer.from(base64, 'base64'));
  if (key.length < 32)
    throw new CliError('keys.hashKey (TWOSTEP_KEYS_HASH_KEY) must be at least 32 bytes (base64)');
  return key;
}

function issuer(settings: Settings): string {
  const value = settings.get<string>('issuer');
  if (!value) throw new CliError('issuer (TWOSTEP_ISSUER) is needed: welcome links point at the IdP');
  return value;
}

function output(
  print: (line: string) => void,
  json: boolean,
  result: Record<string, unknown>,
  lines: string[],
) {
  if (json) print(JSON.stringify(result));
  else for (const line of lines) print(line);
}

export const clinicCreate: Command = async (args, { env, print, note }) => {
  const { settings, rest } = await withSettings(args, env);
  const values = parse(rest, {
    name: { type: 'string' },
    'owner-email': { type: 'string' },
    'owner-name': { type: 'string' },
    'no-enforce': { type: 'boolean' },
    'no-email': { type: 'boolean' },
    country: { type: 'string' },
    json: { type: 'boolean' },
  });
  const clinicName = name(required(values, 'name'), '--name');
  const { isPhoneCountry, isTimeZone } = await import('@twostep/core');
  // The clinic's own zone and country: given on this command line (`--time-zone` is also the
  // server's `timeZone` setting; from the environment or the config file it stays the server's).
  const fromFlag = (key: string) => (settings.source(key) === 'flag' ? settings.get<string>(key) : undefined);
  const timeZone = fromFlag('timeZone');
  if (timeZone !== undefined && !isTimeZone(timeZone))
    throw new UsageError(
      `--time-zone: "${timeZone}" is not a time zone; use an IANA name such as America/Toronto`,
    );
  const country = values.country ?? fromFlag('phoneCountry');
  if (country !== undefined && !isPhoneCountry(country))
    throw new UsageError(`--country: "${country}" is not a country code; use two capital letters such as CA`);
  const ownerEmail = email(required(values, 'owner-email'));
  const ownerName = name(required(values, 'owner-name'), '--owner-name');
  const key = await hashKey(settings);
  const iss = issuer(settings);
  const mail = values['no-email'] ? undefined : mailDelivery(settings);
  const { createAuditLog, systemClock, systemRandom } = await import('@twostep/core');
  const { createWelcomeToken, unusablePasswordHash, welcomeUrl } = await import('@twostep/oidc-server');
  await withDatabase(settings, async ({ stores }) => {
    if (await stores.staff.findByEmail(ownerEmail))
      throw new CliError(`${ownerEmail} already belongs to a staff member`);
    const now = systemClock.now();
    const clinic: Clinic = {
      id: `clinic-${randomBytes(8).toString('hex')}`,
      name: clinicName,
      enforceTwoStep: values['no-enforce'] !== true,
      allowTrustedDevices: true,
      ...(timeZone ? { timeZone } : {}),
      ...(country ? { country } : {}),
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
    // The email's times in the clinic's zone, else the server's (`timeZone`), else UTC.
    const zone = clinic.timeZone ?? settings.get<string>('timeZone') ?? 'UTC';
    const emailed = mail ? await sendWelcome(mail, owner, clinic.name, zone, url, expiresAt, note) : false;
    output(
      print,
      values.json === true,
      {
        clinic: {
          id: clinic.id,
          name: clinic.name,
          enforceTwoStep: clinic.enforceTwoStep,
          ...(timeZone ? { timeZone } : {}),
          ...(country ? { country } : {}),
        },
        owner: { id: owner.id, email: owner.email, name: owner.name, role: owner.role },
        welcomeLink: { url, expiresAt: expiresAt.toISOString(), emailed },
      },
      [
        `clinic  ${clinic.id}  ${clinic.name}${clinic.enforceTwoStep ? '' : '  (2-Step not enforced)'}`,
        `owner   ${owner.id}  ${owner.email}  (Full Access User)`,
        `welcome link, valid until ${expiresAt.toISOString()}${emailed ? `, emailed to ${owner.email}` : ''}; give it to ${owner.email} only:`,
        url,
      ],
    );
  });
};

type Mail = NonNullable<ReturnType<typeof emailDelivery>['smtp']>;

/** SMTP settings when email delivery is configured as smtp; otherwise the link is only printed. */
function mailDelivery(settings: Settings): Mail | undefined {
  if (settings.get<string>('email.delivery') !== 'smtp') return undefined;
  const problems: string[] = [];
  const delivery = emailDelivery(settings, false, (key, text) => problems.push(`${key}: ${text}`));
  if (problems.length > 0) throw new CliError(problems.join('\n'));
  return delivery.smtp;
}

/** True when sent; a failure is reported (the printed link still works), not fatal. */
async function sendWelcome(
  smtp: Mail,
  owner: StaffMember,
  clinicName: string,
  timeZone: string,
  url: string,
  expiresAt: Date,
  note: (line: string) => void,
): Promise<boolean> {
  const { createSmtpNotifier } = await import('@twostep/oidc-server');
  const notifier = createSmtpNotifier(smtp);
  try {
    await notifier.notify({
      kind: 'welcome',
      to: { staffId: owner.id, email: owner.email, name: owner.name },
      clinicName,
      timeZone,
      params: { url, until: expiresAt.toISOString() },
    });
    return true;
  } catch (error) {
    note(
      `twostep: the welcome email to ${owner.email} could not be sent (${(error as Error).message}); give them the link below`,
    );
    return false;
  } finally {
    notifier.close();
  }
}

export const staffWelcomeLink: Command = async (args, { env, print }) => {
  const { settings, rest } = await withSettings(args, env);
  const values = parse(rest, { email: { type: 'string' }, json: { type: 'boolean' } });
  const address = email(required(values, 'email'));
  const key = await hashKey(settings);
  const iss = issuer(settings);
  const { systemClock } = await import('@twostep/core');
  const { createWelcomeToken, hasPassword, welcomeUrl } = await import('@twostep/oidc-server');
  await withDatabase(settings, async ({ stores }) => {
    const staff = await stores.staff.findByEmail(address);
    if (!staff?.active) throw new CliError(`no active staff member with email ${address}`);
    if (hasPassword(staff))
      throw new CliError(`${address} has a password: welcome links are for a first password only`);
    const { token, expiresAt } = createWelcomeToken(key, staff, systemClock.now());
    const url = welcomeUrl(iss, token);
    output(print, values.json === true, { staffId: staff.id, url, expiresAt: expiresAt.toISOString() }, [
      `welcome link for ${staff.email}, valid until ${expiresAt.toISOString()}:`,
      url,
    ]);
  });
};
