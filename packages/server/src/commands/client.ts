/**
 * `twostep client register|list|update|disable|enable`: OIDC clients in the database, which every
 * running IdP process reads on the next request (oidc-provider looks clients up through the adapter
 * on each use). Without `mongodb.uri`, `register` prints an entry for the config file's `clients`.
 */
import { randomBytes } from 'node:crypto';
import type { SecretBox } from '@twostep/core';
import { readFileSync } from 'node:fs';
import {
  CliError,
  type Command,
  type CommandContext,
  parse,
  required,
  UsageError,
  withSettings,
} from '../cli.ts';
import type { Settings } from '../config.ts';
import { withDatabase } from '../database.ts';
import { keySetSource } from '../serve-config.ts';
import { name } from './clinic.ts';

/** How a stored client keeps its secret (`SEALED_CLIENT_SECRET` of @twostep/oidc-server). */
const SEALED = 'client_secret_sealed';

/**
 * `{ client_secret_sealed }`: the secret sealed with the key set's secret-box key, which every IdP
 * process opens it with (keys.devFile's for a --dev server).
 */
async function sealed(settings: Settings, clientId: string, secret: string): Promise<Record<string, string>> {
  const source = keySetSource(settings);
  const devFile = settings.get<string>('keys.devFile');
  const { sealClientSecret, developmentKeys, loadKeySet, KeySetError } = await import('@twostep/oidc-server');
  let secretBox: SecretBox;
  if (source.dir || Object.values(source.env).some(Boolean)) {
    try {
      secretBox = loadKeySet(source).secretBox;
    } catch (error) {
      throw error instanceof KeySetError ? new CliError(error.message) : error;
    }
  } else if (devFile) {
    secretBox = developmentKeys(devFile, { warn() {}, error() {} }).secretBox;
  } else {
    throw new CliError(
      'keys.dir (TWOSTEP_KEYS_DIR) is needed: client secrets are stored sealed with the key set the IdP uses (keys.devFile for a --dev server)',
    );
  }
  return sealClientSecret(secretBox, clientId, secret);
}

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
type AuthMethod = (typeof AUTH_METHODS)[number];

/** The flags that describe a sign-in client, shared by register and update. */
const CLIENT_FLAGS = {
  name: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  'backchannel-logout-uri': { type: 'string' },
  'first-party': { type: 'boolean' },
  'not-first-party': { type: 'boolean' },
  'auth-method': { type: 'string' },
  public: { type: 'boolean' },
  jwks: { type: 'string' },
  'jwks-uri': { type: 'string' },
  json: { type: 'boolean' },
} as const;

function uris(values: string[] | undefined, flag: string): string[] | undefined {
  if (!values) return undefined;
  for (const uri of values) {
    if (!URL.canParse(uri)) throw new UsageError(`${flag} ${uri}: not an absolute URL`);
    const url = new URL(uri);
    if (url.hash) throw new UsageError(`${flag} ${uri}: no fragment`);
    if (url.protocol === 'javascript:' || url.protocol === 'data:')
      throw new UsageError(`${flag} ${uri}: not a redirect URL`);
  }
  return values;
}

/**
 * Where the IdP POSTs logout tokens when someone's sessions end (express-mfa's
 * `/auth/backchannel-logout`); with the IdP session id, so signing out at the IdP ends only that one.
 */
function backchannel(uri: string | undefined): Record<string, unknown> {
  if (uri === undefined) return {};
  const [checked] = uris([uri], '--backchannel-logout-uri')!;
  return { backchannel_logout_uri: checked, backchannel_logout_session_required: true };
}

function authMethod(values: { 'auth-method'?: string; public?: boolean }): AuthMethod | undefined {
  if (values.public && values['auth-method'] && values['auth-method'] !== 'none')
    throw new UsageError('--public is --auth-method none: give one of them');
  if (values.public) return 'none';
  const method = values['auth-method'];
  if (method === undefined) return undefined;
  if (!(AUTH_METHODS as readonly string[]).includes(method))
    throw new UsageError(`--auth-method: one of ${AUTH_METHODS.join(', ')}`);
  return method as AuthMethod;
}

/** A JWKS file of the client's public keys (for private_key_jwt). */
function publicJwks(file: string): { keys: Record<string, unknown>[] } {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--jwks ${file}: cannot read a JSON file (${(error as Error).message})`);
  }
  const keys = (data as { keys?: unknown }).keys;
  if (
    !Array.isArray(keys) ||
    keys.length === 0 ||
    !keys.every((k) => typeof k === 'object' && k && 'kty' in k)
  )
    throw new UsageError(`--jwks ${file}: expected a JWKS, { "keys": [ { "kty": … } ] }`);
  if (keys.some((k) => 'd' in k))
    throw new UsageError(`--jwks ${file}: has private keys; give the public keys only`);
  return { keys };
}

function jwksUri(value: string): string {
  if (!URL.canParse(value) || new URL(value).protocol !== 'https:')
    throw new UsageError('--jwks-uri: an https URL where the client publishes its public keys');
  return value;
}

export const clientRegister: Command = async (args, context) => {
  const { settings, rest } = await withSettings(args, context.env);
  const values = parse(rest, {
    ...CLIENT_FLAGS,
    id: { type: 'string' },
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
  let entry: Record<string, unknown> & { client_id: string };
  const useDb = Boolean(settings.get('mongodb.uri'));

  if (values.provisioning) {
    const signInFlags = [
      'redirect-uri',
      'post-logout-redirect-uri',
      'backchannel-logout-uri',
      'public',
      'first-party',
      'jwks',
      'jwks-uri',
    ];
    if (signInFlags.some((f) => values[f as keyof typeof values] !== undefined))
      throw new UsageError(
        '--provisioning takes no sign-in flags (--redirect-uri, --public, --first-party, --jwks…)',
      );
    const clinicId = required(values, 'clinic');
    const method = authMethod(values) ?? 'client_secret_basic';
    if (method === 'none' || method === 'private_key_jwt')
      throw new UsageError('--provisioning: --auth-method client_secret_basic or client_secret_post');
    entry = {
      client_id: clientId,
      client_secret: secret,
      client_name: clientName,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: method,
      clinic_id: clinicId,
    };
  } else {
    if (values.clinic) throw new UsageError('--clinic is for --provisioning clients');
    const redirects = uris(values['redirect-uri'], '--redirect-uri');
    if (!redirects?.length) throw new UsageError('--redirect-uri is required (repeat it for several)');
    const method = authMethod(values) ?? 'client_secret_basic';
    const keys = keySource(values, method);
    entry = {
      client_id: clientId,
      ...(method === 'client_secret_basic' || method === 'client_secret_post'
        ? { client_secret: secret }
        : {}),
      client_name: clientName,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: redirects,
      // Only what the operator gives: a sign-in callback is not a place to land after sign-out.
      post_logout_redirect_uris: uris(values['post-logout-redirect-uri'], '--post-logout-redirect-uri') ?? [],
      token_endpoint_auth_method: method,
      ...backchannel(values['backchannel-logout-uri']),
      ...keys,
    };
  }
  const firstParty = values['first-party'] === true;

  if (!useDb) {
    // The config file's form: `firstParty` (camelCase, required there).
    const { first_party: _fp, ...fileEntry } = entry;
    context.print(JSON.stringify({ ...fileEntry, firstParty }, null, 2));
    context.note(
      'mongodb.uri is not set: add this entry to `clients` in the config file and restart, or set ' +
        'TWOSTEP_MONGODB_URI to register the client in the database (no restart).',
    );
    if (entry.client_secret) context.note("The secret is shown once; keep it in the app's secret store.");
    return;
  }

  if (firstParty) entry.first_party = true;
  // Stored sealed: the database never holds the secret itself (the printed entry does, once).
  const { client_secret: plain, ...stored } = entry;
  if (typeof plain === 'string') Object.assign(stored, await sealed(settings, clientId, plain));
  await withDatabase(settings, async ({ stores, clients }) => {
    if (entry.clinic_id && !(await stores.clinics.get(String(entry.clinic_id))))
      throw new CliError(`no clinic ${String(entry.clinic_id)}`);
    if (!(await clients.create({ ...stored, client_id: clientId })))
      throw new CliError(`a client ${clientId} exists already`);
  });
  context.print(JSON.stringify(entry, null, 2));
  context.note(
    [
      `registered ${clientId}; every running IdP process accepts it now.`,
      entry.client_secret ? "The secret is shown once; keep it in the app's secret store." : '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
};

function keySource(
  values: { jwks?: string; 'jwks-uri'?: string },
  method: AuthMethod,
): { jwks?: { keys: Record<string, unknown>[] }; jwks_uri?: string } {
  if (values.jwks && values['jwks-uri']) throw new UsageError('give --jwks or --jwks-uri, not both');
  const has = values.jwks !== undefined || values['jwks-uri'] !== undefined;
  if (method === 'private_key_jwt' && !has)
    throw new UsageError(
      "--auth-method private_key_jwt needs the client's public keys: --jwks FILE or --jwks-uri URL",
    );
  if (method !== 'private_key_jwt' && has)
    throw new UsageError('--jwks / --jwks-uri are for --auth-method private_key_jwt');
  if (values.jwks) return { jwks: publicJwks(values.jwks) };
  if (values['jwks-uri']) return { jwks_uri: jwksUri(values['jwks-uri']) };
  return {};
}

export const clientList: Command = async (args, { env, print }) => {
  const { settings, rest } = await withSettings(args, env);
  const values = parse(rest, { json: { type: 'boolean' } });
  const clients = await withDatabase(settings, ({ clients }) => clients.list());
  const rows = clients.map(({ metadata, disabled }) => {
    const { client_secret: _secret, [SEALED]: _sealed, ...shown } = metadata;
    return { ...shown, disabled } as Record<string, unknown>;
  });
  if (values.json) {
    print(JSON.stringify(rows));
    return;
  }
  if (rows.length === 0) print('no clients in the database (clients from the config file are not listed)');
  for (const row of rows) {
    const kind = row.clinic_id
      ? `provisioning (${String(row.clinic_id)})`
      : String(row.token_endpoint_auth_method);
    print(
      `${row.client_id}  ${JSON.stringify(row.client_name ?? '')}  ${kind}${row.first_party ? '  first-party' : ''}` +
        `${row.disabled ? '  DISABLED' : ''}  ${((row.redirect_uris as string[] | undefined) ?? []).join(' ')}`,
    );
  }
};

export const clientUpdate: Command = async (args, { env, print, note }) => {
  const { settings, rest } = await withSettings(args, env);
  const values = parse(rest, { ...CLIENT_FLAGS, id: { type: 'string' }, 'new-secret': { type: 'boolean' } });
  const clientId = required(values, 'id');
  if (values['first-party'] && values['not-first-party'])
    throw new UsageError('--first-party or --not-first-party, not both');
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  if (values.name !== undefined) set.client_name = name(values.name, '--name');
  const redirects = uris(values['redirect-uri'], '--redirect-uri');
  if (redirects) set.redirect_uris = redirects;
  const logout = uris(values['post-logout-redirect-uri'], '--post-logout-redirect-uri');
  if (logout) set.post_logout_redirect_uris = logout;
  Object.assign(set, backchannel(values['backchannel-logout-uri']));
  if (values['first-party']) set.first_party = true;
  if (values['not-first-party']) unset.push('first_party');
  let secret: string | undefined;
  await withDatabase(settings, async ({ clients }) => {
    const found = await clients.get(clientId);
    if (!found) throw new CliError(`no client ${clientId} in the database`);
    const current = found.metadata;
    const method = authMethod(values) ?? (current.token_endpoint_auth_method as AuthMethod);
    if (current.clinic_id && (set.first_party || redirects || logout || values.jwks || values['jwks-uri']))
      throw new UsageError(`${clientId} is a provisioning client: it has no sign-in settings`);
    if (method !== current.token_endpoint_auth_method) set.token_endpoint_auth_method = method;
    const keys =
      values.jwks || values['jwks-uri'] || set.token_endpoint_auth_method
        ? keySourceFor(values, method, current)
        : {};
    Object.assign(set, keys);
    if (method !== 'private_key_jwt') unset.push('jwks', 'jwks_uri');
    else if (keys.jwks) unset.push('jwks_uri');
    else if (keys.jwks_uri) unset.push('jwks');
    const wantsSecret = method === 'client_secret_basic' || method === 'client_secret_post';
    const hasSecret = Boolean(current.client_secret || current[SEALED]);
    if (wantsSecret && (values['new-secret'] || !hasSecret)) {
      secret = randomBytes(32).toString('base64url');
      Object.assign(set, await sealed(settings, clientId, secret));
      unset.push('client_secret');
    }
    if (!wantsSecret) {
      if (values['new-secret']) throw new UsageError(`--new-secret: ${method} clients have no secret`);
      unset.push('client_secret', SEALED);
    }
    const removing = unset.filter((k) => k in current && !(k in set));
    if (Object.keys(set).length === 0 && removing.length === 0) throw new UsageError('nothing to change');
    await clients.update(clientId, set, removing);
  });
  if (secret) print(JSON.stringify({ client_id: clientId, client_secret: secret }, null, 2));
  note(
    `updated ${clientId}; every running IdP process uses the new settings now.${secret ? ' The new secret is shown once.' : ''}`,
  );
};

/** Keys for an update: the given ones, or the stored ones when the method stays private_key_jwt. */
function keySourceFor(
  values: { jwks?: string; 'jwks-uri'?: string },
  method: AuthMethod,
  current: Record<string, unknown>,
) {
  if (
    method === 'private_key_jwt' &&
    !values.jwks &&
    !values['jwks-uri'] &&
    (current.jwks || current.jwks_uri)
  )
    return {};
  return keySource(values, method);
}

function switchClient(disabled: boolean): Command {
  return async (args, { env, note }: CommandContext) => {
    const { settings, rest } = await withSettings(args, env);
    const clientId = required(parse(rest, { id: { type: 'string' } }), 'id');
    const found = await withDatabase(settings, ({ clients }) => clients.setDisabled(clientId, disabled));
    if (!found) throw new CliError(`no client ${clientId} in the database`);
    note(
      disabled
        ? `disabled ${clientId}: every IdP process refuses it from now on (its tokens no longer introspect or reach userinfo)`
        : `enabled ${clientId} again`,
    );
  };
}

export const clientDisable = switchClient(true);
export const clientEnable = switchClient(false);
