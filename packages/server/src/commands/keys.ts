/** `twostep keys …`: make a key set and rotate its keys in phases (docs/keys.md). */
import type { SecretBox } from '@twostep/core';
import {
  describeKeySet,
  initKeySet,
  KEY_KINDS,
  type KeyInfo,
  type KeyKind,
  KeySetError,
  promoteKey,
  publishKey,
  retireKey,
  type SigningAlg,
} from '@twostep/oidc-server/keys';
import { CliError, type Command, parse, required, UsageError, withSettings } from '../cli.ts';
import type { Settings } from '../config.ts';
import { type Database, withDatabase } from '../database.ts';
import { keySetSource } from '../serve-config.ts';

function dirOf(values: { dir?: string | undefined }, settings: Settings): string {
  const dir = values.dir?.trim() || settings.get<string>('keys.dir');
  if (!dir) throw new UsageError('--dir is required (or set keys.dir: TWOSTEP_KEYS_DIR)');
  return dir;
}

function kindOf(values: Record<string, unknown>): KeyKind {
  const kind = required(values, 'kind');
  if (!KEY_KINDS.includes(kind as KeyKind)) throw new UsageError(`--kind: one of ${KEY_KINDS.join(', ')}`);
  return kind as KeyKind;
}

/** Key-set errors are the operator's to fix: a plain message, exit code 1. */
function run<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof KeySetError) throw new CliError(error.message);
    throw error;
  }
}

const keysInit: Command = async (args, { env, print }) => {
  const { settings, rest } = await withSettings(args, env);
  const values = parse(rest, { dir: { type: 'string' } });
  const dir = dirOf(values, settings);
  const ids = run(() => initKeySet(dir));
  print(`key set created in ${dir}:`);
  for (const kind of KEY_KINDS) print(`  ${kind.padEnd(10)}  ${ids[kind].join(' ')}`);
  print('Back up the secret-box keys with the database: without them no authenticator app works.');
};

const keysList: Command = async (args, { env, print }) => {
  const { settings, rest } = await withSettings(args, env);
  const values = parse(rest, { dir: { type: 'string' } });
  const source = keySetSource(settings);
  const ids = run(() => describeKeySet({ ...source, dir: values.dir?.trim() || source.dir }));
  const shown = (keys: KeyInfo[]) => keys.map((k) => (k.alg ? `${k.id} (${k.alg})` : k.id)).join(' ');
  for (const kind of KEY_KINDS) {
    const accepted = ids[kind].filter((k) => !k.inUse);
    print(
      `${kind.padEnd(10)}  in use: ${shown(ids[kind].filter((k) => k.inUse))}${accepted.length ? `  accepted: ${shown(accepted)}` : ''}`,
    );
  }
};

const keysPublish: Command = async (args, { env, print, note }) => {
  const { settings, rest } = await withSettings(args, env);
  const values = parse(rest, { dir: { type: 'string' }, kind: { type: 'string' }, alg: { type: 'string' } });
  const kind = kindOf(values);
  const alg = values.alg?.trim();
  if (alg !== undefined && (kind !== 'signing' || !['RS256', 'ES256', 'EdDSA'].includes(alg)))
    throw new UsageError('--alg: RS256, ES256 or EdDSA, for --kind signing only');
  const id = run(() => publishKey(dirOf(values, settings), kind, alg as SigningAlg | undefined));
  print(id);
  note(
    `Published ${kind} key ${id}. Reload every IdP process (kill -HUP), then: twostep keys promote --kind ${kind} --id ${id}`,
  );
};

const keysPromote: Command = async (args, { env, print }) => {
  const { settings, rest } = await withSettings(args, env);
  const values = parse(rest, { dir: { type: 'string' }, kind: { type: 'string' }, id: { type: 'string' } });
  const kind = kindOf(values);
  const id = required(values, 'id');
  run(() => promoteKey(dirOf(values, settings), kind, id));
  print(`${kind} key ${id} is in use once every IdP process has reloaded (kill -HUP)`);
};

const keysRetire: Command = async (args, { env, print }) => {
  const { settings, rest } = await withSettings(args, env);
  const values = parse(rest, { dir: { type: 'string' }, kind: { type: 'string' }, id: { type: 'string' } });
  const kind = kindOf(values);
  const id = required(values, 'id');
  const dir = dirOf(values, settings);
  if (kind === 'secret-box') {
    // Losing this key loses every enrollment still sealed with it: look in the database first.
    if (!settings.get<string>('mongodb.uri'))
      throw new CliError(
        'retiring a secret-box key needs mongodb.uri (TWOSTEP_MONGODB_URI): it checks that no authenticator secret is still sealed with it',
      );
    const { countSealedWith, sealedKeyId } = await import('@twostep/core');
    const [left, clientsLeft] = await withDatabase(settings, async ({ stores, clients }) => [
      await countSealedWith(stores.factors, id),
      (await clients.list()).filter((c) => {
        const sealed = c.metadata[SEALED];
        return typeof sealed === 'string' && sealedKeyId(sealed) === id;
      }).length,
    ]);
    if (left > 0)
      throw new CliError(
        `${left} authenticator secret(s) are still sealed with key ${id}: run \`twostep keys reencrypt\` first`,
      );
    if (clientsLeft > 0)
      throw new CliError(
        `${clientsLeft} client secret(s) are still sealed with key ${id}: run \`twostep keys reencrypt\` first`,
      );
  }
  run(() => retireKey(dir, kind, id));
  print(`${kind} key ${id} removed; reload every IdP process (kill -HUP)`);
};

/** `twostep keys reencrypt`: every authenticator secret sealed with the secret-box key in use. */
const keysReencrypt: Command = async (args, { env, print }) => {
  const { settings, rest } = await withSettings(args, env);
  const values = parse(rest, { dir: { type: 'string' } });
  const source = keySetSource(settings);
  const { loadKeySet } = await import('@twostep/oidc-server/keys');
  const { secretBox } = run(() => loadKeySet({ ...source, dir: values.dir?.trim() || source.dir }));
  const { reencryptSecrets } = await import('@twostep/core');
  const { resealClientSecret } = await import('@twostep/oidc-server');
  const { report, clients } = await withDatabase(settings, async (db) => ({
    report: await reencryptSecrets(db.stores.factors, secretBox),
    clients: await resealClientSecrets(db.clients, secretBox, resealClientSecret),
  }));
  print(
    `checked ${report.checked}, re-sealed ${report.resealed}, already current ${report.current}, changed meanwhile ${report.changed}, unreadable ${report.unreadable}`,
  );
  print(
    `client secrets: checked ${clients.checked}, re-sealed ${clients.resealed}, changed meanwhile ${clients.changed}`,
  );
  report.changed += clients.changed;
  if (report.unreadable > 0)
    throw new CliError(
      `${report.unreadable} secret(s) are sealed with a key not in this key set (${report.unreadableKeyIds.join(', ')}): put that key back in secret-box-keys.json (as an older key), then run again`,
    );
  if (report.changed > 0) print('some secrets changed while this ran: run it again to re-seal them');
  else
    print('every authenticator secret is sealed with the key in use: older secret-box keys can be retired');
};

/** The client secrets in the database sealed again with the key in use (`client_secret_sealed`). */
async function resealClientSecrets(
  clients: Database['clients'],
  secretBox: SecretBox,
  reseal: (box: SecretBox, clientId: string, sealed: string) => string | null,
): Promise<{ checked: number; resealed: number; changed: number }> {
  const counts = { checked: 0, resealed: 0, changed: 0 };
  for (const { metadata } of await clients.list()) {
    const sealed = metadata[SEALED];
    const clientId = String(metadata.client_id);
    if (typeof sealed !== 'string') continue;
    counts.checked++;
    let next: string | null;
    try {
      next = reseal(secretBox, clientId, sealed);
    } catch {
      throw new CliError(
        `the secret of client ${clientId} is sealed with a key not in this key set: put that key back (as an older key), then run again`,
      );
    }
    if (next === null) continue;
    if (await clients.replaceField(clientId, SEALED, sealed, next)) counts.resealed++;
    else counts.changed++;
  }
  return counts;
}

/** How a stored client keeps its secret (`SEALED_CLIENT_SECRET` of @twostep/oidc-server). */
const SEALED = 'client_secret_sealed';

export { keysInit, keysList, keysPromote, keysPublish, keysReencrypt, keysRetire };
