/**
 * `createIdp` options: validated once at start; a wrong value throws an
 * `IdpConfigError` naming its path (e.g. `clients[1].redirect_uris`).
 *
 * Hand-written rather than zod: the import-arrow check allows oidc-server only
 * core, oidc-provider, express, passport(-local), helmet and nodemailer.
 */
import {
  type Clock,
  type CoreConfigInput,
  type HashKeys,
  isArgon2idCost,
  type Logger,
  type Notifier,
  type PasswordCost,
  type SecretBox,
  type SmsSender,
  type Stores,
  withinArgon2idLimits,
} from '@twostep/core';
import type { Adapter, ClientMetadata, JWK } from 'oidc-provider';
import { IDP_DEFAULTS } from './defaults.ts';
import { keySignsWith } from './keys.ts';
import { type Locale, SUPPORTED_LOCALES } from './messages/locale.ts';
import type { Log } from './ops/logging.ts';
import type { IdpMetrics } from './ops/metrics.ts';

export type AdapterClass = new (name: string) => Adapter;

/** The bound on password hashing (see `passwordHashing` below). */
export interface PasswordHashing {
  concurrency: number;
  queueTimeoutMs: number;
  maxQueued: number;
}

/**
 * OIDC client metadata plus whether the client is one of the clinic's own apps (no consent screen).
 * A provisioning client for the admin API (`/api/v1`) has `clinic_id` and
 * `grant_types: ['client_credentials']` (no redirect_uris).
 */
export type IdpClient = ClientMetadata & { firstParty: boolean; clinic_id?: string };

/** What the IdP reads of a client kept in the database (see `storedClients`). */
export interface StoredClientMetadata {
  client_id: string;
  backchannel_logout_uri?: unknown;
}

export interface ResourceServerOptions {
  /** Space-separated scopes this API accepts. */
  scope: string;
  accessTokenFormat?: 'jwt';
  /** Seconds; default `ttl.AccessToken`. */
  accessTokenTTL?: number;
  /** Algorithm of its JWT access tokens: default RS256; ES256 or EdDSA cost far less CPU per grant. */
  signingAlg?: 'RS256' | 'ES256' | 'EdDSA';
}

export interface RateLimits {
  windowSeconds: number;
  passwordPerIp: number;
  passwordPerAccount: number;
  codePerIp: number;
  codePerAccount: number;
  resetPerIp: number;
  resetPerAccount: number;
}

export interface IdpOptions {
  /** The issuer URL, e.g. `https://id.clinic.example`; a path is allowed (`https://x.example/oidc`). */
  issuer: string;
  stores: Stores;
  secretBox: SecretBox;
  /**
   * ≥ 32 bytes, shared by every process (keys SMS code hashes and welcome links). A list, newest
   * first, rotates: the first hashes, the others still verify what was made before.
   */
  hashKey: HashKeys;
  smsSender: SmsSender;
  notifier?: Notifier;
  /** Core's clock (tests move it). oidc-provider always uses real time. */
  clock?: Clock;
  logger?: Logger;
  clients: IdpClient[];
  /** Audience (resource indicator) → what the API accepts. Access tokens for them are JWTs. */
  resourceServers?: Record<string, ResourceServerOptions>;
  /** Private signing keys (JWKS); the first signs. Development: generated, with a warning. */
  jwks?: { keys: JWK[] };
  /** Cookie signing keys, newest first. Development: generated, with a warning. */
  cookieKeys?: string[];
  /** New password hashes and the dummy hash: default argon2id m=7168 KiB, t=5, p=1 (OWASP). */
  passwordCost?: PasswordCost;
  /**
   * At most `concurrency` password hashes at once (default: the core count); the rest wait up to
   * `queueTimeoutMs` (default 10000), at most `maxQueued` of them (default 1000), then get a 503.
   */
  passwordHashing?: Partial<PasswordHashing>;
  /** oidc-provider adapter class for persistence; default in-memory (one process only). */
  adapter?: AdapterClass;
  /**
   * The clients kept outside `clients` (in the database: `twostep client register`), read when every
   * session of a person ends, so that those with a `backchannel_logout_uri` are sent logout tokens
   * too (and their back-channel URIs pass oidc-provider's SSRF guard, as configured clients' do).
   */
  storedClients?: () => Promise<StoredClientMetadata[]>;
  /** Default true unless the issuer is http://localhost or http://127.0.0.1. */
  secureCookies?: boolean;
  /** Page header before the clinic is known. */
  siteName?: string;
  /**
   * The language of pages when nothing else decides (no switch cookie, saved preference, app
   * `ui_locales`, browser language or clinic default): `en` (default) or `fr-CA`.
   */
  defaultLocale?: string;
  /**
   * Who helps with signing in, shown on the "Having trouble?" page (an email address, phone number
   * or URL, as plain text), e.g. `"IT help desk: help@example.org"`. Default none.
   */
  supportContact?: string;
  /** Behind a TLS-terminating proxy: Express's `trust proxy` value (client IPs, https). Default off. */
  trustProxy?: boolean | number | string;
  rateLimits?: Partial<RateLimits>;
  /** Passed to `createTwostep` (`@twostep/core` config). */
  core?: CoreConfigInput;
  /**
   * Milliseconds any one store call may take; a slower call fails with `store_unavailable` (a 503
   * page: fail closed). Integer 100..60000; default 5000.
   */
  storeTimeoutMs?: number;
  /**
   * JSON logs (`createLog()`): request ids, access log, oidc-provider errors, audit events at info.
   * Also core's logger unless `logger` is given.
   */
  log?: Log;
  /** Prometheus metrics (`createMetrics()`): sign-ins, codes, SMS, HTTP, store calls, grants. */
  metrics?: IdpMetrics;
}

export interface IdpConfig
  extends Omit<
    IdpOptions,
    'rateLimits' | 'passwordCost' | 'passwordHashing' | 'siteName' | 'storeTimeoutMs' | 'defaultLocale'
  > {
  defaultLocale: Locale;
  issuerUrl: URL;
  /** Issuer path without trailing slash ('' at the root). */
  basePath: string;
  secureCookies: boolean;
  passwordCost: PasswordCost;
  passwordHashing: PasswordHashing;
  siteName: string;
  rateLimits: RateLimits;
  resourceServers: Record<string, ResourceServerOptions>;
  deviceCookieName: string;
  storeTimeoutMs: number;
}

export class IdpConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(path: string, message: string) {
    super(`invalid oidc-server config: ${path}: ${message}`);
    this.name = 'IdpConfigError';
  }
}

function need(condition: unknown, path: string, message: string): asserts condition {
  if (!condition) throw new IdpConfigError(path, message);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const hasMethods = (v: unknown, names: string[]) =>
  isObject(v) && names.every((n) => typeof v[n] === 'function');
const positiveInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function parseIdpOptions(input: IdpOptions): IdpConfig {
  need(isObject(input), '(root)', 'expected an object');
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(input.issuer);
  } catch {
    throw new IdpConfigError('issuer', 'expected an absolute URL');
  }
  const local = LOCAL_HOSTS.has(issuerUrl.hostname);
  need(
    issuerUrl.protocol === 'https:' || (issuerUrl.protocol === 'http:' && local),
    'issuer',
    'must be https (http only for localhost)',
  );
  need(!issuerUrl.search && !issuerUrl.hash, 'issuer', 'must not have a query or fragment');

  need(isObject(input.stores), 'stores', 'expected the core Stores');
  for (const name of ['clinics', 'staff', 'factors', 'counters', 'audit'] as const) {
    need(isObject(input.stores[name]), `stores.${name}`, 'missing');
  }
  need(hasMethods(input.secretBox, ['seal', 'open']), 'secretBox', 'expected a SecretBox');
  const hashKeys = input.hashKey instanceof Uint8Array ? [input.hashKey] : input.hashKey;
  need(
    Array.isArray(hashKeys) &&
      hashKeys.length > 0 &&
      hashKeys.every((key) => key instanceof Uint8Array && key.length >= 32),
    'hashKey',
    'expected ≥ 32 bytes, or a list of such keys (newest first)',
  );
  need(hasMethods(input.smsSender, ['send']), 'smsSender', 'expected an SmsSender');
  if (input.notifier !== undefined)
    need(hasMethods(input.notifier, ['notify']), 'notifier', 'expected a Notifier');
  if (input.clock !== undefined) need(hasMethods(input.clock, ['now']), 'clock', 'expected a Clock');

  need(Array.isArray(input.clients), 'clients', 'expected an array');
  const ids = new Set<string>();
  input.clients.forEach((client, i) => {
    const path = `clients[${i}]`;
    need(isObject(client), path, 'expected client metadata');
    need(
      typeof client.client_id === 'string' && client.client_id.length > 0,
      `${path}.client_id`,
      'required',
    );
    need(!ids.has(client.client_id), `${path}.client_id`, 'repeated');
    ids.add(client.client_id);
    need(typeof client.firstParty === 'boolean', `${path}.firstParty`, 'expected a boolean');
    // A provisioning client (admin API) has a clinic and only the client_credentials grant.
    if (client.clinic_id !== undefined) {
      need(
        typeof client.clinic_id === 'string' && client.clinic_id !== '',
        `${path}.clinic_id`,
        'expected a clinic id',
      );
      need(
        Array.isArray(client.grant_types) &&
          client.grant_types.length === 1 &&
          client.grant_types[0] === 'client_credentials',
        `${path}.grant_types`,
        "a client with a clinic_id has only ['client_credentials']",
      );
      need(!client.firstParty, `${path}.firstParty`, 'a provisioning client is not a sign-in client');
    } else {
      need(
        Array.isArray(client.redirect_uris) && client.redirect_uris.length > 0,
        `${path}.redirect_uris`,
        'expected at least one URI',
      );
    }
  });

  const resourceServers = input.resourceServers ?? {};
  need(isObject(resourceServers), 'resourceServers', 'expected an object');
  for (const [audience, rs] of Object.entries(resourceServers)) {
    const path = `resourceServers["${audience}"]`;
    need(URL.canParse(audience), path, 'the audience must be an absolute URI');
    need(isObject(rs) && typeof rs.scope === 'string' && rs.scope.trim(), `${path}.scope`, 'required');
    need(
      rs.accessTokenFormat === undefined || rs.accessTokenFormat === 'jwt',
      `${path}.accessTokenFormat`,
      "only 'jwt'",
    );
    need(
      rs.accessTokenTTL === undefined || positiveInt(rs.accessTokenTTL),
      `${path}.accessTokenTTL`,
      'positive integer',
    );
  }

  if (input.jwks !== undefined) {
    need(
      isObject(input.jwks) && Array.isArray(input.jwks.keys) && input.jwks.keys.length > 0,
      'jwks.keys',
      'expected at least one key',
    );
    const kids = new Set<string>();
    input.jwks.keys.forEach((key, i) => {
      need(isObject(key) && typeof key.kid === 'string' && key.kid, `jwks.keys[${i}].kid`, 'required');
      need(!kids.has(key.kid), `jwks.keys[${i}].kid`, 'must be unique');
      kids.add(key.kid);
      need('d' in key, `jwks.keys[${i}]`, 'must be a private key');
    });
  }
  // Each algorithm a client or an API asks for needs a key of its kind (without `jwks`, the IdP
  // generates an RS256 and an ES256 key for development).
  const canSign = (alg: unknown) =>
    alg === undefined ||
    (typeof alg === 'string' &&
      (input.jwks === undefined
        ? ['RS256', 'ES256'].includes(alg)
        : input.jwks.keys.some((k) => keySignsWith(k, alg))));
  input.clients.forEach((client, i) => {
    for (const field of ['id_token_signed_response_alg', 'userinfo_signed_response_alg'] as const) {
      need(canSign(client[field]), `clients[${i}].${field}`, 'no key in jwks signs with this algorithm');
    }
  });
  for (const [audience, rs] of Object.entries(resourceServers)) {
    need(canSign(rs.signingAlg), `resourceServers["${audience}"].signingAlg`, 'no key in jwks signs with it');
  }
  if (input.cookieKeys !== undefined) {
    need(
      Array.isArray(input.cookieKeys) && input.cookieKeys.length > 0,
      'cookieKeys',
      'expected at least one key',
    );
    input.cookieKeys.forEach((key, i) => {
      need(typeof key === 'string' && key.length >= 32, `cookieKeys[${i}]`, 'expected ≥ 32 characters');
    });
  }
  const cost: PasswordCost = input.passwordCost ?? IDP_DEFAULTS.passwordCost;
  need(isObject(cost), 'passwordCost', 'expected an object');
  if (isArgon2idCost(cost)) {
    need(
      positiveInt(cost.memoryKiB) &&
        positiveInt(cost.passes) &&
        positiveInt(cost.parallelism) &&
        withinArgon2idLimits(cost.memoryKiB, cost.parallelism),
      'passwordCost',
      'argon2id: integers with 8 × parallelism ≤ memoryKiB ≤ 1048576, parallelism ≤ 255, passes ≥ 1',
    );
  } else {
    need(
      positiveInt(cost.N) && (cost.N & (cost.N - 1)) === 0 && positiveInt(cost.r) && positiveInt(cost.p),
      'passwordCost',
      'scrypt: N must be a power of two; r, p positive integers',
    );
  }
  const passwordHashing = { ...IDP_DEFAULTS.passwordHashing, ...input.passwordHashing };
  need(isObject(passwordHashing), 'passwordHashing', 'expected an object');
  for (const [name, value] of Object.entries(passwordHashing)) {
    need(positiveInt(value), `passwordHashing.${name}`, 'expected a positive integer');
  }
  if (input.adapter !== undefined) need(typeof input.adapter === 'function', 'adapter', 'expected a class');
  if (input.storedClients !== undefined)
    need(typeof input.storedClients === 'function', 'storedClients', 'expected a function');
  if (input.secureCookies !== undefined)
    need(typeof input.secureCookies === 'boolean', 'secureCookies', 'expected a boolean');
  const secureCookies = input.secureCookies ?? !(issuerUrl.protocol === 'http:' && local);
  need(secureCookies || issuerUrl.protocol === 'http:', 'secureCookies', 'false is only for http issuers');

  if (input.trustProxy !== undefined)
    need(
      ['boolean', 'number', 'string'].includes(typeof input.trustProxy),
      'trustProxy',
      'expected an Express trust proxy value',
    );
  const rateLimits: RateLimits = { ...IDP_DEFAULTS.rateLimits, ...input.rateLimits };
  for (const [name, value] of Object.entries(rateLimits)) {
    need(positiveInt(value), `rateLimits.${name}`, 'expected a positive integer');
  }

  const storeTimeoutMs = input.storeTimeoutMs ?? IDP_DEFAULTS.storeTimeoutMs;
  need(
    Number.isSafeInteger(storeTimeoutMs) && storeTimeoutMs >= 100 && storeTimeoutMs <= 60_000,
    'storeTimeoutMs',
    'expected an integer from 100 to 60000 (milliseconds)',
  );

  const defaultLocale = input.defaultLocale ?? 'en';
  need(
    (SUPPORTED_LOCALES as readonly unknown[]).includes(defaultLocale),
    'defaultLocale',
    `expected one of ${SUPPORTED_LOCALES.join(', ')}`,
  );

  return {
    ...input,
    defaultLocale: defaultLocale as Locale,
    issuerUrl,
    basePath: issuerUrl.pathname.replace(/\/+$/, ''),
    secureCookies,
    passwordCost: cost,
    passwordHashing,
    siteName: input.siteName ?? IDP_DEFAULTS.siteName,
    rateLimits,
    resourceServers,
    deviceCookieName: IDP_DEFAULTS.deviceCookieName,
    storeTimeoutMs,
  };
}
