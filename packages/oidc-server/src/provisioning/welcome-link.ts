/**
 * Welcome links: `<issuer>/welcome/<token>` lets a new staff member set their
 * password once. Nothing is stored: the token is
 * `base64url(staffId).expiresAtSeconds.HMAC(key, staffId, expiry, email, passwordHash)`,
 * keyed by a key derived from the IdP's newest `hashKey` (older ones still verify links made
 * before a rotation, until they expire). Links are only for a first password:
 * setting it changes `passwordHash`, so the link stops working (single use), and no link
 * works for a staff member who has a password (no account takeover by link); an email change
 * also ends it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  DEFAULT_PASSWORD_COST,
  formatPasswordHash,
  type HashKeys,
  hashKeyList,
  type PasswordCost,
  parsePasswordHash,
  type StaffMember,
} from '@twostep/core';
import { PROVISIONING_DEFAULTS } from './constants.ts';

const TOKEN = /^([A-Za-z0-9_-]{1,120})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/** What a link is for: each has its own derived key, so one kind of link never works as another. */
export type StaffLinkPurpose = 'welcome-link' | 'password-reset';

function mac(purpose: StaffLinkPurpose, hashKey: Uint8Array, staff: StaffMember, exp: number): Buffer {
  const key = createHmac('sha256', hashKey).update(`twostep ${purpose} v1`).digest();
  return createHmac('sha256', key)
    .update(JSON.stringify([staff.id, exp, staff.email, staff.passwordHash]))
    .digest();
}

/**
 * A link token for `staff`, valid until `now + ttlSeconds`, bound to their current email and
 * password hash: changing either (setting the password through the link) ends it.
 */
export function createStaffLinkToken(
  purpose: StaffLinkPurpose,
  hashKey: HashKeys,
  staff: StaffMember,
  now: Date,
  ttlSeconds: number,
): { token: string; expiresAt: Date } {
  const exp = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const newest = hashKeyList(hashKey)[0]!;
  const token = `${Buffer.from(staff.id).toString('base64url')}.${exp}.${mac(purpose, newest, staff, exp).toString('base64url')}`;
  return { token, expiresAt: new Date(exp * 1000) };
}

/** The staff id a well-formed link token names (not yet verified), or null. */
export function staffLinkTokenStaffId(token: unknown): string | null {
  if (typeof token !== 'string') return null;
  const match = TOKEN.exec(token);
  return match?.[1] ? Buffer.from(match[1], 'base64url').toString('utf8') : null;
}

/**
 * Checks a link token against the staff member's current record, in constant time, under every
 * key; an inactive staff member's links never work.
 */
export function verifyStaffLinkToken(
  purpose: StaffLinkPurpose,
  hashKey: HashKeys,
  token: string,
  staff: StaffMember,
  now: Date,
): 'ok' | 'invalid' | 'expired' {
  const match = TOKEN.exec(token);
  if (!match?.[2] || !match[3]) return 'invalid';
  if (Buffer.from(match[1]!, 'base64url').toString('utf8') !== staff.id) return 'invalid';
  const exp = Number(match[2]);
  const given = Buffer.from(match[3], 'base64url');
  let valid = false;
  for (const key of hashKeyList(hashKey)) {
    const expected = mac(purpose, key, staff, exp);
    // No early exit: the time does not say which key (if any) matched.
    if (given.length === expected.length && timingSafeEqual(given, expected)) valid = true;
  }
  if (!valid || !staff.active) return 'invalid';
  return exp * 1000 > now.getTime() ? 'ok' : 'expired';
}

/** Marks the salt of a hash no password derives to. scrypt records wrote it as text (older ones). */
const UNSET_SALT = Buffer.from('unset-');
const UNSET_SCRYPT = /^scrypt\$\d+\$\d+\$\d+\$unset-/;

/**
 * The password hash of a staff member who has not chosen a password yet: a
 * well-formed record at the IdP's `passwordCost` (so a sign-in attempt costs the same time
 * as for anyone else, and reveals nothing) whose hash is random bytes, which no known
 * password derives to. Its salt starts with the bytes `unset-`, then random ones, so each
 * welcome link is bound to a different value.
 */
export function unusablePasswordHash(cost: PasswordCost = DEFAULT_PASSWORD_COST): string {
  return formatPasswordHash(cost, Buffer.concat([UNSET_SALT, randomBytes(16)]), randomBytes(32));
}

/** True when the staff member has chosen a password. */
export function hasPassword(staff: StaffMember): boolean {
  const parsed = parsePasswordHash(staff.passwordHash);
  if (!parsed || UNSET_SCRYPT.test(staff.passwordHash)) return false;
  return !parsed.salt.subarray(0, UNSET_SALT.length).equals(UNSET_SALT);
}

/**
 * A welcome token for `staff`, valid until `now + ttlSeconds`.
 *
 * @example
 * ```ts
 * const { token, expiresAt } = createWelcomeToken(hashKey, staff, new Date());
 * const url = welcomeUrl('https://id.clinic.example', token);
 * ```
 */
export function createWelcomeToken(
  hashKey: HashKeys,
  staff: StaffMember,
  now: Date,
  ttlSeconds: number = PROVISIONING_DEFAULTS.welcomeLinkTTL,
): { token: string; expiresAt: Date } {
  return createStaffLinkToken('welcome-link', hashKey, staff, now, ttlSeconds);
}

/** The page that serves the token. */
export function welcomeUrl(issuer: string, token: string): string {
  return `${issuer.replace(/\/+$/, '')}/welcome/${token}`;
}

/** The staff id a well-formed token names (not yet verified), or null. */
export const welcomeTokenStaffId = staffLinkTokenStaffId;

/** Checks the token against the staff member's current record, in constant time, under every key. */
export function verifyWelcomeToken(
  hashKey: HashKeys,
  token: string,
  staff: StaffMember,
  now: Date,
): 'ok' | 'invalid' | 'expired' {
  const verdict = verifyStaffLinkToken('welcome-link', hashKey, token, staff, now);
  // Only for a first password: no account takeover by a welcome link.
  return verdict !== 'invalid' && hasPassword(staff) ? 'invalid' : verdict;
}
