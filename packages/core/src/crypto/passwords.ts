import * as crypto from 'node:crypto';
import { TwostepError } from '../errors.ts';

/** argon2id cost (RFC 9106): memory in KiB, passes over it, lanes. */
export interface Argon2idCost {
  algorithm: 'argon2id';
  memoryKiB: number;
  passes: number;
  parallelism: number;
}

/** scrypt cost: still verified (hashes made before argon2id) and still a valid setting. */
export interface ScryptCost {
  algorithm?: 'scrypt';
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

export type PasswordCost = Argon2idCost | ScryptCost;

/**
 * OWASP Password Storage Cheat Sheet: argon2id with m=7168 KiB (7 MiB), t=5, p=1 — the
 * lowest-memory of its five equal-strength settings (19 MiB/t=2 … 7 MiB/t=5), so K concurrent
 * checks hold K × 7 MiB. Keycloak's default is the same setting.
 */
export const DEFAULT_PASSWORD_COST: Argon2idCost = {
  algorithm: 'argon2id',
  memoryKiB: 7168,
  passes: 5,
  parallelism: 1,
};

const SALT_BYTES = 16;
const HASH_BYTES = 32;

export const isArgon2idCost = (cost: PasswordCost): cost is Argon2idCost => cost.algorithm === 'argon2id';

/** A stored hash taken apart. */
export interface ParsedPasswordHash {
  cost: PasswordCost;
  salt: Buffer;
  hash: Buffer;
}

const PHC_ARGON2ID =
  /^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const positive = (v: number) => Number.isSafeInteger(v) && v > 0;
/** RFC 9106's floor (8 KiB per lane) and a 1 GiB ceiling: a stored hash never makes us allocate more. */
export const withinArgon2idLimits = (memoryKiB: number, parallelism: number): boolean =>
  memoryKiB >= 8 * parallelism && memoryKiB <= 2 ** 20 && parallelism <= 255;

/**
 * Reads a stored hash: argon2id in the PHC string format
 * (`$argon2id$v=19$m=7168,t=5,p=1$salt$hash`, what libsodium, argon2-cli and other
 * libraries write) or the older `scrypt$N$r$p$salt$hash`. Null when malformed.
 */
export function parsePasswordHash(stored: string): ParsedPasswordHash | null {
  const argon = PHC_ARGON2ID.exec(stored);
  if (argon) {
    const [memoryKiB, passes, parallelism] = [argon[1], argon[2], argon[3]].map(Number) as [
      number,
      number,
      number,
    ];
    if (![memoryKiB, passes, parallelism].every(positive) || !withinArgon2idLimits(memoryKiB, parallelism))
      return null;
    return {
      cost: { algorithm: 'argon2id', memoryKiB, passes, parallelism },
      salt: Buffer.from(argon[4]!, 'base64'),
      hash: Buffer.from(argon[5]!, 'base64'),
    };
  }
  const [scheme, n, r, p, salt, hash, extra] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash || extra !== undefined) return null;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (![cost.N, cost.r, cost.p].every(positive)) return null;
  return { cost, salt: Buffer.from(salt, 'base64url'), hash: Buffer.from(hash, 'base64url') };
}

const phcBase64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

/** Writes a hash record (the inverse of {@link parsePasswordHash}). */
export function formatPasswordHash(cost: PasswordCost, salt: Buffer, hash: Buffer): string {
  if (isArgon2idCost(cost)) {
    const params = `m=${cost.memoryKiB},t=${cost.passes},p=${cost.parallelism}`;
    return `$argon2id$v=19$${params}$${phcBase64(salt)}$${phcBase64(hash)}`;
  }
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

type Argon2id = (password: Buffer, salt: Buffer, cost: Argon2idCost, length: number) => Promise<Buffer>;

/** Node's own argon2 (Node ≥ 24.7, OpenSSL's implementation); absent on Node 22. */
export function nodeArgon2id(): Argon2id | null {
  const builtin = (crypto as { argon2?: typeof crypto.argon2 }).argon2;
  if (typeof builtin !== 'function') return null;
  return (message, nonce, cost, tagLength) =>
    new Promise((resolve, reject) =>
      builtin(
        'argon2id',
        {
          message,
          nonce,
          tagLength,
          memory: cost.memoryKiB,
          passes: cost.passes,
          parallelism: cost.parallelism,
        },
        (error, key) => (error ? reject(error) : resolve(key)),
      ),
    );
}

/**
 * @node-rs/argon2 (prebuilt binaries, Node 22 and 24): the same bytes as Node's own argon2
 * (tested) at about a third of its CPU time, measured in bench/. Loaded on first use.
 */
export async function nodeRsArgon2id(): Promise<Argon2id | null> {
  const module = await import('@node-rs/argon2').catch(() => null);
  if (!module) return null;
  const ARGON2ID = 2 as never; // Algorithm.Argon2id, a const enum
  const V0X13 = 1 as never; // Version.V0x13
  return (password, salt, cost, outputLen) =>
    module.hashRaw(password, {
      algorithm: ARGON2ID,
      version: V0X13,
      memoryCost: cost.memoryKiB,
      timeCost: cost.passes,
      parallelism: cost.parallelism,
      outputLen,
      salt,
    });
}

let argon2id: Promise<Argon2id> | undefined;
function loadArgon2id(): Promise<Argon2id> {
  argon2id ??= nodeRsArgon2id().then((rs) => {
    const chosen = rs ?? nodeArgon2id();
    if (!chosen) {
      throw new TwostepError(
        'invalid_config',
        'argon2id needs @node-rs/argon2 (no prebuilt binary for this platform) or Node ≥ 24.7',
      );
    }
    return chosen;
  });
  return argon2id;
}

function scrypt(password: Buffer, salt: Buffer, cost: ScryptCost, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.scrypt(
      password,
      salt,
      length,
      { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** The derivation for `cost` (loading argon2id throws `invalid_config` when no implementation loads). */
async function deriver(cost: PasswordCost) {
  const argon2id = isArgon2idCost(cost) ? await loadArgon2id() : null;
  return (password: string, salt: Buffer, length: number): Promise<Buffer> => {
    const bytes = Buffer.from(password.normalize('NFKC'), 'utf8');
    return argon2id && isArgon2idCost(cost)
      ? argon2id(bytes, salt, cost, length)
      : scrypt(bytes, salt, cost as ScryptCost, length);
  };
}

/**
 * Hashes a password (argon2id by default). The result records its own algorithm, cost and
 * salt, so a later change of the setting keeps every stored hash verifiable.
 *
 * @example
 * ```ts
 * const stored = await hashPassword('correct horse battery staple');
 * await verifyPassword('correct horse battery staple', stored); // true
 * ```
 */
export async function hashPassword(
  password: string,
  cost: PasswordCost = DEFAULT_PASSWORD_COST,
): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const derive = await deriver(cost);
  return formatPasswordHash(cost, salt, await derive(password, salt, HASH_BYTES));
}

/** Constant-time check of a password against a stored hash. A malformed hash is a mismatch. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed || parsed.hash.length === 0) return false;
  const derive = await deriver(parsed.cost);
  // Values the algorithm refuses (N not a power of two, a salt too short) mean a malformed hash:
  // a mismatch, not a throw.
  const actual = await derive(password, parsed.salt, parsed.hash.length).catch(() => null);
  return actual !== null && crypto.timingSafeEqual(actual, parsed.hash);
}

/** True when `stored` was made with another algorithm or cost than `cost` (rehash it at sign-in). */
export function needsRehash(stored: string, cost: PasswordCost): boolean {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return false;
  const same =
    isArgon2idCost(cost) && isArgon2idCost(parsed.cost)
      ? cost.memoryKiB === parsed.cost.memoryKiB &&
        cost.passes === parsed.cost.passes &&
        cost.parallelism === parsed.cost.parallelism
      : !isArgon2idCost(cost) &&
        !isArgon2idCost(parsed.cost) &&
        cost.N === parsed.cost.N &&
        cost.r === parsed.cost.r &&
        cost.p === parsed.cost.p;
  return !same || parsed.salt.length < SALT_BYTES || parsed.hash.length !== HASH_BYTES;
}
