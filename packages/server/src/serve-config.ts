/**
 * What `twostep serve` needs, from the settings, with the production rules: every missing or unsafe
 * piece is one line naming the setting and what to do. `--dev` relaxes them to the demo's conveniences
 * (http on localhost, memory store, generated keys, codes in the log).
 */
import { isPhoneCountry, isTimeZone } from '@twostep/core';
import type { Settings } from './config.ts';
import { label } from './settings.ts';

export interface SmsDelivery {
  kind: 'twilio' | 'webhook' | 'log';
  twilio?: { accountSid: string; authToken: string; from?: string; messagingServiceSid?: string };
  webhook?: { url: string; secret: string; keyId?: string };
}

export interface EmailDelivery {
  kind: 'smtp' | 'log';
  smtp?: {
    host: string;
    port: number;
    secure?: boolean;
    requireTLS?: boolean;
    auth?: { user: string; pass: string };
    from: string;
  };
}

export interface ServeConfig {
  dev: boolean;
  issuer: string;
  host: string;
  port: number;
  trustProxy: false | number | string;
  siteName: string | undefined;
  /** Pages' language when nothing else decides (createIdp's `defaultLocale`). */
  defaultLocale: string | undefined;
  /** Who helps with signing in, shown on the "Having trouble?" page. */
  supportContact: string | undefined;
  /** Clinics without their own: the zone of times people read, the country of phone numbers typed without +. */
  region: { timeZone?: string; phoneCountry?: string };
  store: { kind: 'memory' } | { kind: 'mongodb'; uri: string; database?: string; ttlIndexes: boolean };
  /** A key set (docs/keys.md): `keys.dir` and/or the `keys.signing|cookie|secretBox|hash` settings. */
  keys: { kind: 'set'; source: KeySetSettings } | { kind: 'devFile'; file: string };
  sms: SmsDelivery;
  email: EmailDelivery;
  clients: unknown[];
  resourceServers: Record<string, unknown>;
  storeTimeoutMs: number | undefined;
  /** createIdp's `passwordHashing` (unset: its defaults). */
  passwords: { hashConcurrency: number | undefined; queueTimeoutMs: number | undefined };
  /** JSON lines by default; pretty with --dev. */
  log: { level: LogLevel; format: 'json' | 'pretty' };
  /** `/healthz`, `/readyz`, `/metrics` on their own port; without it no `/metrics` (except --dev). */
  management: { port: number; host: string } | null;
  shutdownGraceMs: number | undefined;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** What `loadKeySet` (@twostep/oidc-server/keys) reads: the directory and each kind's variable. */
export interface KeySetSettings {
  dir: string | undefined;
  env: Record<string, string | undefined>;
}

export function keySetSource(settings: Settings): KeySetSettings {
  return {
    dir: settings.get<string>('keys.dir'),
    env: {
      TWOSTEP_KEYS_SIGNING: settings.get<string>('keys.signing'),
      TWOSTEP_KEYS_COOKIE: settings.get<string>('keys.cookie'),
      TWOSTEP_KEYS_SECRET_BOX: settings.get<string>('keys.secretBox'),
      TWOSTEP_KEYS_HASH: settings.get<string>('keys.hash'),
    },
  };
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_DEV_KEYS_FILE = 'twostep-dev-keys.json';

/** `{ config }` or one line per problem. */
export function serveConfig(
  settings: Settings,
  dev: boolean,
): { config: ServeConfig; problems: [] } | { problems: string[] } {
  const problems: string[] = [];
  const get = <T extends string | number | boolean>(key: string) => settings.get<T>(key);
  const problem = (key: string, text: string) => problems.push(`${label(key)}: ${text}`);

  const port = get<number>('listen.port') ?? DEFAULT_PORT;
  const host = get<string>('listen.host') ?? '127.0.0.1';
  let issuer = get<string>('issuer');
  if (!issuer) {
    if (dev) issuer = `http://localhost:${port}`;
    else
      problem(
        'issuer',
        'required: the public https address people and apps use, e.g. https://id.clinic.example',
      );
  } else if (!dev && new URL(issuer).protocol !== 'https:') {
    problem(
      'issuer',
      `${issuer} is not https; production needs https (put a TLS proxy in front), or run with --dev`,
    );
  } else if (new URL(issuer).search || new URL(issuer).hash) {
    problem('issuer', 'must not have a query or fragment');
  }

  const timeZone = get<string>('timeZone');
  if (timeZone !== undefined && !isTimeZone(timeZone))
    problem('timeZone', `"${timeZone}" is not a time zone; use an IANA name such as America/Toronto`);
  const phoneCountry = get<string>('phoneCountry');
  if (phoneCountry !== undefined && !isPhoneCountry(phoneCountry))
    problem('phoneCountry', `"${phoneCountry}" is not a country code; use two capital letters such as CA`);

  const uri = get<string>('mongodb.uri');
  const storeKind = get<string>('store') ?? (dev && !uri ? 'memory' : 'mongodb');
  let store: ServeConfig['store'] = { kind: 'memory' };
  if (storeKind === 'memory') {
    if (!dev)
      problem(
        'store',
        'memory keeps everything in this one process and forgets it on restart; use mongodb (set TWOSTEP_MONGODB_URI), or run with --dev',
      );
  } else if (!uri) {
    problem(
      'mongodb.uri',
      'required: the MongoDB connection string, e.g. mongodb://db.internal:27017/twostep',
    );
  } else if (!/^mongodb(\+srv)?:\/\//.test(uri)) {
    problem('mongodb.uri', 'expected a mongodb:// or mongodb+srv:// connection string');
  } else {
    const database = get<string>('mongodb.database');
    store = {
      kind: 'mongodb',
      uri,
      ...(database ? { database } : {}),
      ttlIndexes: get<boolean>('mongodb.ttlIndexes') ?? true,
    };
  }

  const keySet = keySetSource(settings);
  const devFile = get<string>('keys.devFile');
  let keys: ServeConfig['keys'] = { kind: 'devFile', file: devFile ?? DEFAULT_DEV_KEYS_FILE };
  if (keySet.dir || Object.values(keySet.env).some(Boolean)) keys = { kind: 'set', source: keySet };
  else if (!dev)
    problem(
      'keys.dir',
      devFile
        ? 'required in production (keys.devFile is for --dev only): create a key set with `twostep keys init --dir DIR`'
        : 'required: the directory of the key set; create one with `twostep keys init --dir DIR`',
    );

  const sms = smsDelivery(settings, dev, problem);
  const email = emailDelivery(settings, dev, problem);

  if (problems.length > 0) return { problems };
  return {
    problems: [],
    config: {
      dev,
      issuer: issuer!,
      host,
      port,
      trustProxy: (settings.get<number | string | boolean>('trustProxy') ??
        false) as ServeConfig['trustProxy'],
      siteName: get<string>('siteName'),
      defaultLocale: get<string>('defaultLocale'),
      supportContact: get<string>('supportContact'),
      region: {
        ...(timeZone ? { timeZone } : {}),
        ...(phoneCountry ? { phoneCountry } : {}),
      },
      store,
      keys,
      sms,
      email,
      clients: settings.get<unknown[]>('clients') ?? [],
      resourceServers: settings.get<Record<string, unknown>>('resourceServers') ?? {},
      storeTimeoutMs: get<number>('storeTimeoutMs'),
      passwords: {
        hashConcurrency: get<number>('passwords.hashConcurrency'),
        queueTimeoutMs: get<number>('passwords.queueTimeoutMs'),
      },
      log: {
        level: (get<string>('log.level') ?? 'info') as LogLevel,
        format: (get<string>('log.format') ?? (dev ? 'pretty' : 'json')) as 'json' | 'pretty',
      },
      management:
        get<number>('management.port') === undefined
          ? null
          : { port: get<number>('management.port')!, host: get<string>('management.host') ?? host },
      shutdownGraceMs: get<number>('shutdownGraceMs'),
    },
  };
}

type Problem = (key: string, text: string) => void;

function smsDelivery(settings: Settings, dev: boolean, problem: Problem): SmsDelivery {
  const get = (key: string) => settings.get<string>(key);
  const kind = get('sms.delivery') ?? (dev ? 'log' : undefined);
  if (kind === 'twilio') {
    const accountSid = get('sms.twilio.accountSid');
    const authToken = get('sms.twilio.authToken');
    const from = get('sms.twilio.from');
    const messagingServiceSid = get('sms.twilio.messagingServiceSid');
    if (!accountSid)
      problem('sms.twilio.accountSid', 'required with sms.delivery twilio (your Twilio Account SID)');
    if (!authToken)
      problem('sms.twilio.authToken', 'required with sms.delivery twilio (your Twilio auth token)');
    if (!from && !messagingServiceSid)
      problem('sms.twilio.from', 'set the sending number (E.164), or sms.twilio.messagingServiceSid');
    return {
      kind,
      twilio: {
        accountSid: accountSid ?? '',
        authToken: authToken ?? '',
        ...(from ? { from } : {}),
        ...(messagingServiceSid ? { messagingServiceSid } : {}),
      },
    };
  }
  if (kind === 'webhook') {
    const url = get('sms.webhook.url');
    const secret = get('sms.webhook.secret');
    const keyId = get('sms.webhook.keyId');
    if (!url) problem('sms.webhook.url', 'required with sms.delivery webhook (where to POST each message)');
    else if (!dev && new URL(url).protocol !== 'https:')
      problem('sms.webhook.url', 'must be https in production (the body carries the code)');
    if (!secret || secret.length < 32)
      problem(
        'sms.webhook.secret',
        'required with sms.delivery webhook: at least 32 characters, shared with the receiver',
      );
    return { kind, webhook: { url: url ?? '', secret: secret ?? '', ...(keyId ? { keyId } : {}) } };
  }
  if (kind === 'log') return { kind };
  problem(
    'sms.delivery',
    'required: twilio or webhook to send text messages, or log to write them to the server log (a trial only: the log then holds sign-in codes)',
  );
  return { kind: 'log' };
}

export function emailDelivery(settings: Settings, dev: boolean, problem: Problem): EmailDelivery {
  const kind = settings.get<string>('email.delivery') ?? (dev ? 'log' : undefined);
  if (kind === 'smtp') {
    const host = settings.get<string>('email.smtp.host');
    const from = settings.get<string>('email.from');
    const user = settings.get<string>('email.smtp.user');
    const pass = settings.get<string>('email.smtp.password');
    const secure = settings.get<boolean>('email.smtp.secure');
    const requireTLS = settings.get<boolean>('email.smtp.requireTLS');
    if (!host) problem('email.smtp.host', 'required with email.delivery smtp (your mail server)');
    if (!from || !/@[^@\s>]+/.test(from))
      problem(
        'email.from',
        'required with email.delivery smtp: the sender, e.g. "Clinic security <security@clinic.example>"',
      );
    if (Boolean(user) !== Boolean(pass))
      problem(
        user ? 'email.smtp.password' : 'email.smtp.user',
        'set both email.smtp.user and email.smtp.password, or neither',
      );
    return {
      kind,
      smtp: {
        host: host ?? '',
        port: settings.get<number>('email.smtp.port') ?? 587,
        ...(secure === undefined ? {} : { secure }),
        ...(requireTLS === undefined ? {} : { requireTLS }),
        ...(user && pass ? { auth: { user, pass } } : {}),
        from: from ?? '',
      },
    };
  }
  if (kind === 'log') return { kind };
  problem(
    'email.delivery',
    'required: smtp to email staff (security notices, welcome links), or log to write the emails to the server log (a trial only)',
  );
  return { kind: 'log' };
}
