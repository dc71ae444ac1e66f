/**
 * Strict input checks for the admin API. Bodies and queries are plain data:
 * unknown fields, wrong types, arrays and objects where a string belongs are
 * refused (400) before anything reaches a store, so `{ "$ne": null }` is never a value.
 */
import { canonicalLocale, type Role } from '@twostep/core';
import { PROVISIONING_DEFAULTS } from './constants.ts';

/** A 400 with a message naming the field. */
export class InvalidInput extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInput';
  }
}

const ROLES: readonly Role[] = ['full_access', 'staff'];
// Control characters (C0, DEL, C1) and bidi overrides have no place in a name.
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
// Pragmatic address syntax (WHATWG input[type=email]); delivery proves the rest.
const EMAIL =
  /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

// JSON.parse gives Object.prototype; Node's querystring (Express 5's query parser) gives null.
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  [Object.prototype, null].includes(Object.getPrototypeOf(v));

function onlyKeys(input: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(input).filter((k) => !allowed.includes(k));
  if (unknown.length > 0)
    throw new InvalidInput(
      `${where}: unknown ${where === 'query' ? 'parameter' : 'field'}${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')} (allowed: ${allowed.join(', ')})`,
    );
}

export function name(value: unknown, field = 'name'): string {
  if (typeof value !== 'string') throw new InvalidInput(`${field}: expected a string`);
  const trimmed = value.normalize('NFC').trim();
  if (trimmed.length < 1 || trimmed.length > 200) throw new InvalidInput(`${field}: 1 to 200 characters`);
  if (CONTROL.test(trimmed)) throw new InvalidInput(`${field}: must not contain control characters`);
  return trimmed;
}

export function email(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidInput('email: expected a string');
  const normalized = value.trim().toLowerCase();
  if (normalized.length > 254 || !EMAIL.test(normalized))
    throw new InvalidInput('email: expected an email address');
  return normalized;
}

export function role(value: unknown): Role {
  if (typeof value !== 'string' || !ROLES.includes(value as Role))
    throw new InvalidInput(`role: expected one of ${ROLES.join(', ')}`);
  return value as Role;
}

/** A staff id in a path. */
export function id(value: unknown): string {
  if (typeof value !== 'string' || !ID.test(value))
    throw new InvalidInput('id: expected 1 to 64 letters, digits, "-" or "_"');
  return value;
}

function body(input: unknown): Record<string, unknown> {
  if (!isPlainObject(input)) throw new InvalidInput('body: expected a JSON object');
  return input;
}

export function clinicPatch(input: unknown): { name?: string; defaultLocale?: string } {
  const b = body(input);
  onlyKeys(b, ['name', 'defaultLocale'], 'body');
  if (Object.keys(b).length === 0) throw new InvalidInput('body: nothing to change (name, defaultLocale)');
  return {
    ...('name' in b ? { name: name(b.name) } : {}),
    ...('defaultLocale' in b ? { defaultLocale: locale(b.defaultLocale, 'defaultLocale') } : {}),
  };
}

/** A BCP 47 language tag, returned in canonical form (`fr-ca` → `fr-CA`). */
export function locale(value: unknown, path = 'locale'): string {
  const tag = canonicalLocale(value);
  if (tag === null) throw new InvalidInput(`${path}: expected a BCP 47 language tag, e.g. fr-CA`);
  return tag;
}

/** The optional profile of a staff member (OIDC given_name, family_name, locale). */
interface StaffProfile {
  givenName?: string;
  familyName?: string;
  locale?: string;
}
const STAFF_FIELDS = ['name', 'email', 'role', 'givenName', 'familyName', 'locale'];

function staffProfile(b: Record<string, unknown>): StaffProfile {
  return {
    ...('givenName' in b ? { givenName: name(b.givenName, 'givenName') } : {}),
    ...('familyName' in b ? { familyName: name(b.familyName, 'familyName') } : {}),
    ...('locale' in b ? { locale: locale(b.locale) } : {}),
  };
}

export function staffCreate(input: unknown): { name: string; email: string; role: Role } & StaffProfile {
  const b = body(input);
  onlyKeys(b, STAFF_FIELDS, 'body');
  for (const field of ['name', 'email', 'role'])
    if (!(field in b)) throw new InvalidInput(`${field}: required`);
  return { name: name(b.name), email: email(b.email), role: role(b.role), ...staffProfile(b) };
}

export function staffPatch(input: unknown): { name?: string; email?: string; role?: Role } & StaffProfile {
  const b = body(input);
  onlyKeys(b, STAFF_FIELDS, 'body');
  if (Object.keys(b).length === 0)
    throw new InvalidInput(`body: nothing to change (${STAFF_FIELDS.join(', ')})`);
  return {
    ...('name' in b ? { name: name(b.name) } : {}),
    ...('email' in b ? { email: email(b.email) } : {}),
    ...('role' in b ? { role: role(b.role) } : {}),
    ...staffProfile(b),
  };
}

/** An empty body (or none) for action endpoints. */
export function noBody(input: unknown): void {
  if (input === undefined) return;
  onlyKeys(body(input), [], 'body');
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value))
    throw new InvalidInput(`${field}: expected an integer`);
  const n = Number(value);
  if (n < min || n > max) throw new InvalidInput(`${field}: expected ${min} to ${max}`);
  return n;
}

export function staffQuery(query: unknown): { search?: string; offset: number; limit: number } {
  const q = isPlainObject(query) ? query : {};
  onlyKeys(q, ['search', 'offset', 'limit'], 'query');
  let search: string | undefined;
  if (q.search !== undefined) {
    if (typeof q.search !== 'string') throw new InvalidInput('search: expected one string');
    search = q.search.trim();
    if (search.length > 100) throw new InvalidInput('search: at most 100 characters');
    if (CONTROL.test(search)) throw new InvalidInput('search: must not contain control characters');
  }
  return {
    ...(search ? { search } : {}),
    offset: q.offset === undefined ? 0 : integer(q.offset, 'offset', 0, 1_000_000),
    limit:
      q.limit === undefined
        ? PROVISIONING_DEFAULTS.defaultLimit
        : integer(q.limit, 'limit', 1, PROVISIONING_DEFAULTS.maxLimit),
  };
}
