/**
 * The key set of a twostep IdP: four lists of keys, newest first, each in its
 * own file of a keys directory (docs/keys.md) or in an environment variable
 * holding the same JSON.
 *
 * | kind        | file                   | variable                  | what it keys                     |
 * |-------------|------------------------|---------------------------|----------------------------------|
 * | signing     | `signing-keys.json`    | `TWOSTEP_KEYS_SIGNING`    | ID and access tokens (a JWKS)    |
 * | cookie      | `cookie-keys.json`     | `TWOSTEP_KEYS_COOKIE`     | cookie and CSRF signatures       |
 * | secret-box  | `secret-box-keys.json` | `TWOSTEP_KEYS_SECRET_BOX` | authenticator secrets at rest    |
 * | hash        | `hash-keys.json`       | `TWOSTEP_KEYS_HASH`       | SMS code hashes, welcome links   |
 *
 * In every list the first key is the one in use (signs, seals, hashes); the
 * others are still accepted (verify, open, check). That order is the whole
 * rotation state: `publishKey` appends a new key (accepted everywhere once every
 * process has reloaded), `promoteKey` moves it first (in use), `retireKey`
 * removes an old one. Error messages name the file or variable, never a key.
 */
import { createPrivateKey, type JsonWebKey, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createAesGcmSecretBox, type SecretBox } from '@twostep/core';
import type { JWK } from 'oidc-provider';
import { generateSigningKey, type SigningAlg } from './keys.ts';

export type { SigningAlg } from './keys.ts';

export type KeyKind = 'signing' | 'cookie' | 'secret-box' | 'hash';
export const KEY_KINDS: readonly KeyKind[] = ['signing', 'cookie', 'secret-box', 'hash'];

export const KEY_FILES: Record<KeyKind, string> = {
  signing: 'signing-keys.json',
  cookie: 'cookie-keys.json',
  'secret-box': 'secret-box-keys.json',
  hash: 'hash-keys.json',
};

/** The variables (`twostep serve` settings `keys.signing`, `keys.cookie`, `keys.secretBox`, `keys.hash`). */
export const KEY_VARIABLES: Record<KeyKind, string> = {
  signing: 'TWOSTEP_KEYS_SIGNING',
  cookie: 'TWOSTEP_KEYS_COOKIE',
  'secret-box': 'TWOSTEP_KEYS_SECRET_BOX',
  hash: 'TWOSTEP_KEYS_HASH',
};

/** The directory variable (`twostep keys init --dir`). */
export const KEYS_DIR_VARIABLE = 'TWOSTEP_KEYS_DIR';

/** Exactly the key options of `createIdp`. */
export interface KeySet {
  /** Private signing keys; the first signs, all are published at /jwks. */
  jwks: { keys: JWK[] };
  /** Cookie keys, newest first. */
  cookieKeys: string[];
  /** Seals with the first secret-box key, opens with any. */
  secretBox: SecretBox;
  /** Hash keys, newest first. */
  hashKey: Uint8Array[];
}

export interface KeySetSource {
  /** A keys directory; default `env.TWOSTEP_KEYS_DIR`. */
  dir?: string | undefined;
  /** Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** A key of the cookie, secret-box or hash list as stored. `key` is base64url. */
export interface StoredKey {
  id: string;
  key: string;
}

export class KeySetError extends Error {
  readonly code = 'invalid_key_set';
  constructor(message: string) {
    super(message);
    this.name = 'KeySetError';
  }
}

const ID = /^[A-Za-z0-9_-]{1,32}$/;
const KID = /^[A-Za-z0-9_.-]{1,64}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A new key id: the date (so its age shows) and 6 random hex digits. */
export function newKeyId(now: Date = new Date()): string {
  return `${now.toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
}

function newKey(kind: KeyKind, id: string, alg: SigningAlg = 'RS256'): JWK | StoredKey {
  if (kind === 'signing') return generateSigningKey(id, alg);
  return { id, key: randomBytes(32).toString('base64url') };
}

// ---------------------------------------------------------------------------
// Reading and checking one list

type Where = string; // "TWOSTEP_KEYS_HASH" or "/etc/twostep/keys/hash-keys.json"

/** Parses and checks one list; `where` names its file or variable in every error. */
function parseList(kind: KeyKind, text: string, where: Where): (JWK | StoredKey)[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text, which is key material.
    throw new KeySetError(`${where}: not valid JSON`);
  }
  if (!isObject(data) || !Array.isArray(data.keys) || data.keys.length === 0)
    throw new KeySetError(`${where}: expected { "keys": [ … ] } with at least one key`);
  const ids = new Set<string>();
  return data.keys.map((entry: unknown, i) => {
    const at = `${where}: keys[${i}]`;
    if (!isObject(entry)) throw new KeySetError(`${at}: expected an object`);
    const id = kind === 'signing' ? entry.kid : entry.id;
    const idName = kind === 'signing' ? 'kid' : 'id';
    if (typeof id !== 'string' || !(kind === 'signing' ? KID : ID).test(id))
      throw new KeySetError(`${at}.${idName}: required; letters, digits, - and _`);
    if (ids.has(id)) throw new KeySetError(`${at}.${idName}: "${id}" is repeated`);
    ids.add(id);
    return kind === 'signing' ? checkJwk(entry, `${at} (kid ${id})`) : checkStoredKey(kind, entry, at, id);
  });
}

function checkJwk(entry: Record<string, unknown>, at: string): JWK {
  if (!('d' in entry)) throw new KeySetError(`${at}: not a private key`);
  if (entry.use !== undefined && entry.use !== 'sig') throw new KeySetError(`${at}: use must be "sig"`);
  try {
    createPrivateKey({ key: entry as JsonWebKey, format: 'jwk' });
  } catch {
    throw new KeySetError(`${at}: not a usable private JWK`);
  }
  return entry as JWK;
}

function checkStoredKey(kind: KeyKind, entry: Record<string, unknown>, at: string, id: string): StoredKey {
  const { key } = entry;
  const bytes = typeof key === 'string' && BASE64URL.test(key) ? Buffer.from(key, 'base64url') : null;
  const exact = kind === 'secret-box';
  if (!bytes || (exact ? bytes.length !== 32 : bytes.length < 32))
    throw new KeySetError(`${at}.key: expected ${exact ? 'exactly' : 'at least'} 32 bytes, base64url`);
  return { id, key: key as string };
}

/** Files others could read or change are refused (like ssh's private keys); the group may read (Kubernetes fsGroup). */
function readKeyFile(path: string): string {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    throw new KeySetError(`${path}: missing (make a key set with \`twostep keys init --dir DIR\`)`);
  }
  if (!stat.isFile()) throw new KeySetError(`${path}: not a file`);
  if (stat.mode & 0o027)
    throw new KeySetError(
      `${path}: other users can access it (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 it`,
    );
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new KeySetError(`${path}: cannot be read by this user`);
  }
}

/** One list from its variable or its file in `dir` (both set: refused, so it is never unclear which one is used). */
function loadList(kind: KeyKind, source: KeySetSource): (JWK | StoredKey)[] {
  const env = source.env ?? process.env;
  const dir = source.dir ?? env[KEYS_DIR_VARIABLE];
  const variable = KEY_VARIABLES[kind];
  const value = env[variable];
  const path = dir ? join(dir, KEY_FILES[kind]) : undefined;
  if (value !== undefined && value !== '') {
    if (path && existsSync(path))
      throw new KeySetError(`${variable} is set and ${path} exists: keep only one of them`);
    return parseList(kind, value, variable);
  }
  if (!path)
    throw new KeySetError(
      `no ${kind} keys: set ${KEYS_DIR_VARIABLE} (a directory from \`twostep keys init\`) or ${variable}`,
    );
  return parseList(kind, readKeyFile(path), path);
}

const bytes = (key: StoredKey) => new Uint8Array(Buffer.from(key.key, 'base64url'));

/**
 * Reads the key set from a keys directory (`dir`, else `TWOSTEP_KEYS_DIR`) and/or
 * the `TWOSTEP_KEYS_*` variables, checks it, and returns the options
 * `createIdp` takes. Throws a `KeySetError` naming the file or variable.
 *
 * @example
 * ```ts
 * const idp = createIdp({ ...loadKeySet({ dir: '/etc/twostep/keys' }), issuer, stores, smsSender, clients });
 * ```
 */
export function loadKeySet(source: KeySetSource = {}): KeySet {
  const signing = loadList('signing', source) as JWK[];
  const cookie = loadList('cookie', source) as StoredKey[];
  const secretBox = loadList('secret-box', source) as StoredKey[];
  return {
    jwks: { keys: signing },
    cookieKeys: cookie.map((k) => k.key),
    secretBox: createAesGcmSecretBox(secretBox.map((k) => ({ id: k.id, key: bytes(k) }))),
    hashKey: loadHashKeys(source),
  };
}

/** Only the hash keys (what the CLI needs to make welcome links). */
export function loadHashKeys(source: KeySetSource = {}): Uint8Array[] {
  return (loadList('hash', source) as StoredKey[]).map(bytes);
}

/** One key as `keys list` shows it: never the key itself. */
export interface KeyInfo {
  id: string;
  /** Signing keys: the algorithm. */
  alg?: string;
  /** Signs / seals / hashes (else only accepted). */
  inUse: boolean;
}

/** The keys of each list, in order: safe to print. */
export function describeKeySet(source: KeySetSource = {}): Record<KeyKind, KeyInfo[]> {
  const ids = (kind: KeyKind) => {
    const keys = loadList(kind, source);
    return keys.map((key, i) => ({
      id: idOf(key),
      ...(kind === 'signing' ? { alg: algOf(key) } : {}),
      inUse: inUse(keys, i),
    }));
  };
  return {
    signing: ids('signing'),
    cookie: ids('cookie'),
    'secret-box': ids('secret-box'),
    hash: ids('hash'),
  };
}

// ---------------------------------------------------------------------------
// Making and changing a keys directory

function writeNew(path: string, keys: (JWK | StoredKey)[]) {
  writeFileSync(path, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}

/** Writes a sibling file, then renames it: readers never see a half-written list. */
function replace(path: string, keys: (JWK | StoredKey)[]) {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeNew(tmp, keys);
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/**
 * Creates `dir` (mode 0700) with a new key set, one key of each kind (two
 * signing keys: RS256, which every client supports, and ES256 for clients that
 * choose it), files mode 0600. Refuses a directory that already has any key file.
 */
export function initKeySet(dir: string): Record<KeyKind, string[]> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const taken = readdirSync(dir).filter((name) => Object.values(KEY_FILES).includes(name));
  if (taken.length > 0)
    throw new KeySetError(`${dir} already has ${taken.join(', ')}: refusing to overwrite keys`);
  const ids = {} as Record<KeyKind, string[]>;
  for (const kind of KEY_KINDS) {
    const keys =
      kind === 'signing'
        ? [newKey(kind, newKeyId()), newKey(kind, newKeyId(), 'ES256')]
        : [newKey(kind, newKeyId())];
    if (idOf(keys[0]!) === idOf(keys.at(-1)!)) keys[0] = newKey(kind, newKeyId()); // one chance in 16 million
    ids[kind] = keys.map(idOf);
    writeNew(join(dir, KEY_FILES[kind]), keys);
  }
  return ids;
}

function idOf(key: JWK | StoredKey): string {
  return String('kid' in key ? key.kid : (key as StoredKey).id);
}

/** A signing key's algorithm (its `alg`, else from its type); '' for the other kinds. */
function algOf(key: JWK | StoredKey): string {
  if (!('kty' in key)) return '';
  return String(key.alg ?? (key.kty === 'RSA' ? 'RS256' : key.kty === 'EC' ? 'ES256' : 'EdDSA'));
}

/** The first key is in use; of signing keys, the first of each algorithm (that is how oidc-provider picks). */
function inUse(keys: (JWK | StoredKey)[], index: number): boolean {
  return keys.findIndex((k) => algOf(k) === algOf(keys[index]!)) === index;
}

/**
 * Phase 1: a new key, accepted (published) but not used until promoted. Returns its id.
 * Signing keys: RS256 unless `alg` says ES256 or EdDSA.
 */
export function publishKey(dir: string, kind: KeyKind, alg?: SigningAlg): string {
  const path = join(dir, KEY_FILES[kind]);
  const keys = parseList(kind, readKeyFile(path), path);
  let id = newKeyId();
  while (keys.some((k) => idOf(k) === id)) id = newKeyId();
  replace(path, [...keys, newKey(kind, id, alg)]);
  return id;
}

/** Phase 2: the key `id` becomes the one in use (of its algorithm); the others stay accepted. */
export function promoteKey(dir: string, kind: KeyKind, id: string): void {
  const path = join(dir, KEY_FILES[kind]);
  const keys = parseList(kind, readKeyFile(path), path);
  const key = keys.find((k) => idOf(k) === id);
  if (!key) throw new KeySetError(`${path}: no key "${id}"`);
  replace(path, [key, ...keys.filter((k) => k !== key)]);
}

/** Phase 3: the key `id` is removed. The key in use cannot be (promote another first). */
export function retireKey(dir: string, kind: KeyKind, id: string): void {
  const path = join(dir, KEY_FILES[kind]);
  const keys = parseList(kind, readKeyFile(path), path);
  const index = keys.findIndex((k) => idOf(k) === id);
  if (index < 0) throw new KeySetError(`${path}: no key "${id}"`);
  if (inUse(keys, index))
    throw new KeySetError(`${path}: "${id}" is the key in use: promote another one first`);
  replace(
    path,
    keys.filter((_, i) => i !== index),
  );
}
