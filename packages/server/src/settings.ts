/**
 * Every setting of `twostep`, once: its name in a config file (`mongodb.uri`), its environment variable
 * (`TWOSTEP_MONGODB_URI`), its flag (`--mongodb-uri`), how it is checked, its default and whether it
 * is a secret. docs/configuration.md is this table in words (a test keeps the two in step).
 */
import { isIP } from 'node:net';

export type Kind =
  | { type: 'string' }
  | { type: 'url' }
  | { type: 'int'; min: number; max: number }
  | { type: 'bool' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'trustProxy' }
  | { type: 'list' }
  | { type: 'object' };

export interface Setting {
  key: string;
  kind: Kind;
  /** Shown redacted by --print-config and never logged. */
  secret?: boolean;
  /** Older environment names still read (after the TWOSTEP_ one). */
  aliases?: string[];
  /** Only in a config file or as JSON in the environment (lists of clients, resource servers). */
  structured?: boolean;
}

const str = { type: 'string' } as const;
const bool = { type: 'bool' } as const;

export const SETTINGS: readonly Setting[] = [
  { key: 'issuer', kind: { type: 'url' } },
  { key: 'listen.host', kind: str },
  { key: 'listen.port', kind: { type: 'int', min: 0, max: 65_535 } },
  { key: 'trustProxy', kind: { type: 'trustProxy' } },
  { key: 'siteName', kind: str },
  { key: 'defaultLocale', kind: { type: 'enum', values: ['en', 'fr-CA'] } },
  { key: 'supportContact', kind: str },
  { key: 'timeZone', kind: str },
  { key: 'phoneCountry', kind: str },
  { key: 'store', kind: { type: 'enum', values: ['mongodb', 'memory'] } },
  { key: 'mongodb.uri', kind: str, secret: true, aliases: ['MONGODB_URI'] },
  { key: 'mongodb.database', kind: str, aliases: ['TWOSTEP_DB'] },
  { key: 'mongodb.ttlIndexes', kind: bool },
  { key: 'keys.dir', kind: str },
  // Instead of a file of keys.dir: the same JSON (docs/keys.md).
  { key: 'keys.signing', kind: str, secret: true },
  { key: 'keys.cookie', kind: str, secret: true },
  { key: 'keys.secretBox', kind: str, secret: true },
  { key: 'keys.hash', kind: str, secret: true },
  { key: 'keys.devFile', kind: str, aliases: ['TWOSTEP_KEYS_FILE'] },
  { key: 'keys.hashKey', kind: str, secret: true, aliases: ['TWOSTEP_HASH_KEY'] },
  { key: 'sms.delivery', kind: { type: 'enum', values: ['twilio', 'webhook', 'log'] } },
  { key: 'sms.twilio.accountSid', kind: str },
  { key: 'sms.twilio.authToken', kind: str, secret: true },
  { key: 'sms.twilio.from', kind: str },
  { key: 'sms.twilio.messagingServiceSid', kind: str },
  { key: 'sms.webhook.url', kind: { type: 'url' } },
  { key: 'sms.webhook.secret', kind: str, secret: true },
  { key: 'sms.webhook.keyId', kind: str },
  { key: 'email.delivery', kind: { type: 'enum', values: ['smtp', 'log'] } },
  { key: 'email.from', kind: str },
  { key: 'email.smtp.host', kind: str },
  { key: 'email.smtp.port', kind: { type: 'int', min: 1, max: 65_535 } },
  { key: 'email.smtp.secure', kind: bool },
  { key: 'email.smtp.requireTLS', kind: bool },
  { key: 'email.smtp.user', kind: str },
  { key: 'email.smtp.password', kind: str, secret: true },
  { key: 'storeTimeoutMs', kind: { type: 'int', min: 100, max: 60_000 } },
  { key: 'passwords.hashConcurrency', kind: { type: 'int', min: 1, max: 256 } },
  { key: 'passwords.queueTimeoutMs', kind: { type: 'int', min: 100, max: 120_000 } },
  {
    key: 'log.level',
    kind: { type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
  },
  { key: 'log.format', kind: { type: 'enum', values: ['json', 'pretty'] } },
  { key: 'management.port', kind: { type: 'int', min: 0, max: 65_535 } },
  { key: 'management.host', kind: str },
  { key: 'shutdownGraceMs', kind: { type: 'int', min: 0, max: 600_000 } },
  { key: 'clients', kind: { type: 'list' }, structured: true },
  { key: 'resourceServers', kind: { type: 'object' }, structured: true },
];

/** `mongodb.ttlIndexes` → `TWOSTEP_MONGODB_TTL_INDEXES`. */
export function envName(key: string): string {
  return `TWOSTEP_${key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/\./g, '_')
    .toUpperCase()}`;
}

/** `mongodb.ttlIndexes` → `--mongodb-ttl-indexes`. */
export function flagName(key: string): string {
  return `--${key
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/\./g, '-')
    .toLowerCase()}`;
}

/** How an error names a setting: `listen.port (TWOSTEP_LISTEN_PORT)`. */
export function label(key: string): string {
  return `${key} (${envName(key)})`;
}

export type Value = string | number | boolean | unknown[] | Record<string, unknown>;

/** A value from a file (any JSON type) or from the environment / a flag (a string), checked. */
export function coerce(setting: Setting, raw: unknown): { value: Value } | { error: string } {
  const { kind } = setting;
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (kind.type) {
    case 'string':
      if (typeof text === 'string' && text !== '') return { value: text };
      return { error: 'expected a non-empty text' };
    case 'url':
      if (typeof text === 'string' && URL.canParse(text) && /^https?:$/.test(new URL(text).protocol))
        return { value: text.replace(/\/+$/, '') };
      return { error: 'expected an absolute http(s) URL, e.g. https://id.clinic.example' };
    case 'int': {
      const n = typeof text === 'string' && /^-?\d+$/.test(text) ? Number(text) : text;
      if (Number.isSafeInteger(n) && (n as number) >= kind.min && (n as number) <= kind.max)
        return { value: n as number };
      return { error: `expected a whole number from ${kind.min} to ${kind.max}` };
    }
    case 'bool':
      if (text === true || text === 'true') return { value: true };
      if (text === false || text === 'false') return { value: false };
      return { error: 'expected true or false' };
    case 'enum':
      if (typeof text === 'string' && kind.values.includes(text)) return { value: text };
      return { error: `expected one of: ${kind.values.join(', ')}` };
    case 'trustProxy':
      return trustProxy(text);
    case 'list':
    case 'object': {
      let parsed = text;
      if (typeof text === 'string') {
        try {
          parsed = JSON.parse(text);
        } catch {
          return { error: `expected JSON (${kind.type === 'list' ? 'a list' : 'an object'})` };
        }
      }
      if (kind.type === 'list' ? Array.isArray(parsed) : isObject(parsed)) return { value: parsed as Value };
      return { error: `expected ${kind.type === 'list' ? 'a list' : 'an object'}` };
    }
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * `false` (default), a number of proxy hops, or addresses / CIDR ranges of the proxies (comma
 * separated, or a list in a file; `loopback`, `linklocal`, `uniquelocal` too). Never `true`: trusting
 * every address would let any client forge X-Forwarded-For and X-Forwarded-Proto.
 */
function trustProxy(raw: unknown): { value: Value } | { error: string } {
  const error = {
    error:
      'expected false, a number of proxy hops (e.g. 1), or the proxy addresses / CIDR ranges (e.g. 127.0.0.1 or 10.0.0.0/8,loopback); never true',
  };
  if (raw === false || raw === 'false') return { value: false };
  if (typeof raw === 'number' || (typeof raw === 'string' && /^\d+$/.test(raw))) {
    const hops = Number(raw);
    return Number.isSafeInteger(hops) && hops >= 1 && hops <= 10 ? { value: hops } : error;
  }
  const parts = Array.isArray(raw)
    ? raw
    : typeof raw === 'string'
      ? raw.split(',').map((p) => p.trim())
      : null;
  if (!parts || parts.length === 0) return error;
  for (const part of parts) {
    if (typeof part !== 'string') return error;
    if (PROXY_NAMES.has(part)) continue;
    const [address, prefix, ...rest] = part.split('/');
    const version = isIP(address ?? '');
    if (version === 0 || rest.length > 0) return error;
    if (prefix !== undefined) {
      const bits = /^\d+$/.test(prefix) ? Number(prefix) : -1;
      if (bits < 0 || bits > (version === 4 ? 32 : 128)) return error;
    }
  }
  return { value: parts.join(',') };
}
