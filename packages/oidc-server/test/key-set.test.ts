/**
 * The key set: `initKeySet` files and modes, `loadKeySet` from a directory or
 * the environment (errors name the file or variable, never a key), the phases
 * of a rotation, and welcome links across a hash-key rotation.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStores, outboxSmsSender, type StaffMember } from '@twostep/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  createIdp,
  createWelcomeToken,
  describeKeySet,
  initKeySet,
  KEY_FILES,
  KEY_KINDS,
  KEY_VARIABLES,
  type KeyKind,
  type KeySet,
  KeySetError,
  loadKeySet,
  promoteKey,
  publishKey,
  type ReloadingIdp,
  reloadingIdp,
  retireKey,
  unusablePasswordHash,
  verifyWelcomeToken,
} from '../src/index.ts';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'twostep-keys-')), 'keys');
const read = (dir: string, kind: keyof typeof KEY_FILES) =>
  JSON.parse(readFileSync(join(dir, KEY_FILES[kind]), 'utf8')) as { keys: Record<string, string>[] };

/** The thrown KeySetError's message (fails the test when nothing or something else is thrown). */
function failure(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(KeySetError);
    return (error as Error).message;
  }
  throw new Error('expected a KeySetError');
}

/** An IdP on memory stores with `keys` (what `twostep serve` builds, minus the rest). */
const idpWith = (keys: KeySet) =>
  createIdp({
    ...keys,
    issuer: 'http://127.0.0.1:4000',
    stores: createMemoryStores(),
    smsSender: outboxSmsSender(),
    logger: { warn: () => undefined, error: () => undefined },
    clients: [],
  });

/** The key set of `dir` as TWOSTEP_KEYS_* variables. */
const envOf = (dir: string) =>
  Object.fromEntries(
    KEY_KINDS.map((kind) => [KEY_VARIABLES[kind], readFileSync(join(dir, KEY_FILES[kind]), 'utf8')]),
  );

/** Every key string of a directory, to check no message ever contains one. */
function secretsOf(dir: string): string[] {
  return KEY_KINDS.flatMap((kind) =>
    read(dir, kind).keys.flatMap((k) => [k.key, k.d, k.p, k.q].filter((v): v is string => !!v)),
  );
}

describe('initKeySet', () => {
  it('creates one file per kind, mode 0600, in a 0700 directory, and refuses to overwrite', () => {
    const dir = fresh();
    const ids = initKeySet(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir).sort()).toEqual(Object.values(KEY_FILES).sort());
    for (const kind of KEY_KINDS) {
      expect(statSync(join(dir, KEY_FILES[kind])).mode & 0o777).toBe(0o600);
      expect(read(dir, kind).keys).toHaveLength(kind === 'signing' ? 2 : 1);
    }
    expect(read(dir, 'signing').keys).toMatchObject([
      { kid: ids.signing[0], alg: 'RS256', use: 'sig' },
      { kid: ids.signing[1], alg: 'ES256', use: 'sig' },
    ]);
    expect(Buffer.from(read(dir, 'secret-box').keys[0]!.key!, 'base64url')).toHaveLength(32);
    const before = readFileSync(join(dir, KEY_FILES.hash), 'utf8');
    expect(failure(() => initKeySet(dir))).toMatch(/refusing to overwrite/);
    expect(readFileSync(join(dir, KEY_FILES.hash), 'utf8')).toBe(before);
  });
});

describe('loadKeySet', () => {
  it('returns what createIdp takes, from a directory', async () => {
    const dir = fresh();
    initKeySet(dir);
    const keys = loadKeySet({ dir, env: {} });
    expect(Object.keys(keys).sort()).toEqual(['cookieKeys', 'hashKey', 'jwks', 'secretBox']);
    const jwks = await request(idpWith(keys).app).get('/jwks');
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual(
      read(dir, 'signing').keys.map((k) => k.kid),
    );
    expect(JSON.stringify(jwks.body)).not.toContain(read(dir, 'signing').keys[0]!.d);
  });

  it('reads TWOSTEP_KEYS_DIR, or each list from its TWOSTEP_KEYS_* variable', () => {
    const dir = fresh();
    initKeySet(dir);
    const fromDir = loadKeySet({ env: { TWOSTEP_KEYS_DIR: dir } });
    const fromEnv = loadKeySet({ env: envOf(dir) });
    expect(fromEnv.jwks).toEqual(fromDir.jwks);
    expect(fromEnv.cookieKeys).toEqual(fromDir.cookieKeys);
    expect(fromEnv.hashKey).toEqual(fromDir.hashKey);
    expect(fromEnv.secretBox.open(fromDir.secretBox.seal('x', 'staff'), 'staff')).toBe('x');
  });

  it('errors name the file or variable and never contain key material', () => {
    const dir = fresh();
    initKeySet(dir);
    const secrets = secretsOf(dir);
    const hashFile = join(dir, KEY_FILES.hash);
    const good = readFileSync(hashFile, 'utf8');
    const key = read(dir, 'hash').keys[0]!.key!;
    const messages: string[] = [];
    const expectFailure = (pattern: RegExp, action: () => unknown) => {
      const message = failure(action);
      expect(message).toMatch(pattern);
      messages.push(message);
    };

    expectFailure(/no signing keys: set TWOSTEP_KEYS_DIR .* or TWOSTEP_KEYS_SIGNING/, () =>
      loadKeySet({ env: {} }),
    );
    writeFileSync(hashFile, good.replace(key, `${key}"`), { mode: 0o600 }); // broken JSON around the key
    expectFailure(new RegExp(`^${hashFile}: not valid JSON$`), () => loadKeySet({ dir, env: {} }));
    writeFileSync(hashFile, good.replace(key, key.slice(0, 20)), { mode: 0o600 });
    expectFailure(/hash-keys\.json: keys\[0\]\.key: expected at least 32 bytes/, () =>
      loadKeySet({ dir, env: {} }),
    );
    writeFileSync(hashFile, good);
    chmodSync(hashFile, 0o644);
    expectFailure(/hash-keys\.json: other users can access it \(mode 644\): chmod 600 it/, () =>
      loadKeySet({ dir, env: {} }),
    );
    chmodSync(hashFile, 0o600);
    expectFailure(/TWOSTEP_KEYS_HASH is set and .*hash-keys\.json exists: keep only one/, () =>
      loadKeySet({ dir, env: { TWOSTEP_KEYS_HASH: good } }),
    );
    const env = envOf(dir);
    const box = JSON.parse(readFileSync(join(dir, KEY_FILES['secret-box']), 'utf8'));
    box.keys[0].key = randomBytes(16).toString('base64url');
    expectFailure(/^TWOSTEP_KEYS_SECRET_BOX: keys\[0\]\.key: expected exactly 32 bytes/, () =>
      loadKeySet({ env: { ...env, TWOSTEP_KEYS_SECRET_BOX: JSON.stringify(box) } }),
    );
    const signing = read(dir, 'signing');
    expectFailure(/^TWOSTEP_KEYS_SIGNING: keys\[2\]\.kid: ".*" is repeated/, () =>
      loadKeySet({
        env: { ...env, TWOSTEP_KEYS_SIGNING: JSON.stringify({ keys: [...signing.keys, ...signing.keys] }) },
      }),
    );
    const { d: _d, ...publicOnly } = signing.keys[0]!;
    expectFailure(/^TWOSTEP_KEYS_SIGNING: keys\[0\] \(kid .*\): not a private key/, () =>
      loadKeySet({ env: { ...env, TWOSTEP_KEYS_SIGNING: JSON.stringify({ keys: [publicOnly] }) } }),
    );
    expectFailure(/: not a usable private JWK/, () =>
      loadKeySet({
        env: {
          ...env,
          TWOSTEP_KEYS_SIGNING: JSON.stringify({ keys: [{ ...signing.keys[0], p: undefined }] }),
        },
      }),
    );
    for (const message of messages) for (const secret of secrets) expect(message).not.toContain(secret);
  });
});

describe('rotation phases', () => {
  it('publish appends (accepted, not used), promote moves first (used), retire removes', () => {
    const dir = fresh();
    const first = initKeySet(dir);
    const list = (kind: KeyKind) =>
      describeKeySet({ dir, env: {} })[kind].map((k) => `${k.id}${k.inUse ? '*' : ''}`);
    for (const kind of KEY_KINDS) {
      const old = first[kind][0]!;
      const others = first[kind].slice(1).map((id) => `${id}*`); // the ES256 signing key stays in use
      const id = publishKey(dir, kind);
      expect(list(kind)).toEqual([`${old}*`, ...others, id]);
      promoteKey(dir, kind, id);
      expect(list(kind)).toEqual([`${id}*`, old, ...others]);
      expect(failure(() => retireKey(dir, kind, id))).toMatch(/is the key in use: promote another one first/);
      expect(failure(() => promoteKey(dir, kind, 'nope'))).toMatch(/no key "nope"/);
      retireKey(dir, kind, old);
      expect(list(kind)).toEqual([`${id}*`, ...others]);
      expect(statSync(join(dir, KEY_FILES[kind])).mode & 0o777).toBe(0o600);
    }
    expect(readdirSync(dir).sort()).toEqual(Object.values(KEY_FILES).sort()); // no temp files left
  });

  it('signing keys: the first key of each algorithm signs; each can be rotated on its own', () => {
    const dir = fresh();
    const [rs, es] = initKeySet(dir).signing;
    expect(describeKeySet({ dir, env: {} }).signing).toEqual([
      { id: rs, alg: 'RS256', inUse: true },
      { id: es, alg: 'ES256', inUse: true },
    ]);
    expect(failure(() => retireKey(dir, 'signing', es!))).toMatch(/is the key in use/);
    const newEs = publishKey(dir, 'signing', 'ES256');
    promoteKey(dir, 'signing', newEs);
    expect(describeKeySet({ dir, env: {} }).signing).toEqual([
      { id: newEs, alg: 'ES256', inUse: true },
      { id: rs, alg: 'RS256', inUse: true },
      { id: es, alg: 'ES256', inUse: false },
    ]);
    retireKey(dir, 'signing', es!);
    expect(loadKeySet({ dir, env: {} }).jwks.keys.map((k) => k.kid)).toEqual([newEs, rs]);
  });

  it('each phase changes what a reloaded process signs, seals and hashes with', () => {
    const dir = fresh();
    const first = initKeySet(dir);
    const sealedBefore = loadKeySet({ dir, env: {} }).secretBox.seal('secret', 'staff');
    const id = publishKey(dir, 'secret-box');
    const published = loadKeySet({ dir, env: {} });
    expect(published.secretBox.seal('s', 'x').split('.')[1]).toBe(first['secret-box'][0]);
    promoteKey(dir, 'secret-box', id);
    const promoted = loadKeySet({ dir, env: {} });
    expect(promoted.secretBox.seal('s', 'x').split('.')[1]).toBe(id);
    expect(promoted.secretBox.open(sealedBefore, 'staff')).toBe('secret');
    expect(promoted.secretBox.needsRotation(sealedBefore)).toBe(true);
  });
});

describe('reloadingIdp', () => {
  const kids = async (app: ReloadingIdp['handler']) =>
    (await request(app).get('/jwks')).body.keys.map((k: { kid: string }) => k.kid);

  it('serves the reloaded keys; a broken key set is refused and the running keys stay', async () => {
    const dir = fresh();
    const [rs, es] = initKeySet(dir).signing;
    const idp = reloadingIdp(() => loadKeySet({ dir, env: {} }), idpWith);
    expect(await kids(idp.handler)).toEqual([rs, es]);
    const added = publishKey(dir, 'signing');
    expect(idp.reload()).toEqual({ ok: true });
    expect(await kids(idp.handler)).toEqual([rs, es, added]);

    const file = join(dir, KEY_FILES.cookie);
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.slice(0, 40));
    const result = idp.reload();
    expect(result).toEqual({ ok: false, error: `${file}: not valid JSON` });
    expect(await kids(idp.handler)).toEqual([rs, es, added]);
    writeFileSync(file, good);
    await idp.close();
  });
});

describe('welcome links across a hash-key rotation', () => {
  const staff: StaffMember = {
    id: 'staff-1',
    clinicId: 'clinic-1',
    email: 'new@clinic.example',
    name: 'New Person',
    role: 'staff',
    passwordHash: unusablePasswordHash(),
    active: true,
    createdAt: new Date(),
  };
  const now = new Date();
  const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];

  it('a link made with the old key works with [new, old], not with [new] alone', () => {
    const { token } = createWelcomeToken(oldKey, staff, now);
    expect(verifyWelcomeToken([newKey, oldKey], token, staff, now)).toBe('ok');
    expect(verifyWelcomeToken([newKey], token, staff, now)).toBe('invalid');
  });

  it('new links are made with the newest key', () => {
    const { token } = createWelcomeToken([newKey, oldKey], staff, now);
    expect(verifyWelcomeToken(newKey, token, staff, now)).toBe('ok');
    expect(verifyWelcomeToken(oldKey, token, staff, now)).toBe('invalid');
  });
});
