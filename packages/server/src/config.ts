/**
 * Reads the settings: flags over environment (`TWOSTEP_*`) over the config file (`--config`, YAML or
 * JSON) over defaults. Every problem is collected as one line that names the setting and says what to
 * do, so an operator fixes them all in one go; unknown settings are refused (a typo must not silently
 * fall back to a default).
 */
import { readFileSync } from 'node:fs';
import {
  coerce,
  envName,
  flagName,
  isObject,
  label,
  SETTINGS,
  type Setting,
  type Value,
} from './settings.ts';

export type Source = 'default' | 'file' | 'env' | 'flag';

export interface Settings {
  /** The value of a setting, or undefined when nothing set it and it has no default. */
  get<T extends Value>(key: string): T | undefined;
  /** Where the value came from. */
  source(key: string): Source | undefined;
  /** The config file, when one was read. */
  file: string | undefined;
}

export interface SettingsInput {
  /** `--flag value` / `--flag=value` pairs for settings, already separated from the command's own. */
  flags?: Record<string, string>;
  env: Record<string, string | undefined>;
  /** `--config FILE`. */
  configFile?: string | undefined;
  defaults?: Record<string, Value>;
}

/** One line per problem; `settings` only when there are none. */
export type LoadResult = { ok: true; settings: Settings } | { ok: false; errors: string[] };

const byKey = new Map(SETTINGS.map((s) => [s.key, s]));
const byEnv = new Map<string, Setting>();
for (const s of SETTINGS) {
  byEnv.set(envName(s.key), s);
  for (const alias of s.aliases ?? []) byEnv.set(alias, s);
}
const byFlag = new Map(SETTINGS.map((s) => [flagName(s.key), s]));

/** Environment variables of other tools that share the prefix; the test suite's `TWOSTEP_TEST_*`. */
const FOREIGN_ENV = /^TWOSTEP_TEST_/;

export async function loadSettings(input: SettingsInput): Promise<LoadResult> {
  const errors: string[] = [];
  const values = new Map<string, { value: Value; source: Source }>();
  const put = (setting: Setting, raw: unknown, source: Source, where: string) => {
    const result = coerce(setting, raw);
    const shown = setting.secret || typeof raw === 'object' ? '' : `${JSON.stringify(raw)}: `;
    if ('error' in result) errors.push(`${where}: ${shown}${result.error}`);
    else values.set(setting.key, { value: result.value, source });
  };

  for (const [key, value] of Object.entries(input.defaults ?? {})) {
    values.set(key, { value, source: 'default' });
  }

  if (input.configFile) {
    const file = input.configFile;
    const read = await readConfigFile(file);
    if ('error' in read) errors.push(read.error);
    else {
      for (const [key, raw] of flatten(read.data)) {
        const setting = byKey.get(key);
        if (!setting) {
          errors.push(`${file}: unknown setting "${key}"; the settings are listed in docs/configuration.md`);
          continue;
        }
        put(setting, raw, 'file', `${label(key)} in ${file}`);
      }
    }
  }

  // The TWOSTEP_ name wins over an older alias when both are set.
  const envEntries = Object.entries(input.env).filter(([, v]) => v !== undefined && v !== '');
  envEntries.sort(([a], [b]) => Number(a.startsWith('TWOSTEP_')) - Number(b.startsWith('TWOSTEP_')));
  for (const [name, raw] of envEntries) {
    const setting = byEnv.get(name);
    if (!setting) {
      if (name.startsWith('TWOSTEP_') && !FOREIGN_ENV.test(name))
        errors.push(`${name}: unknown setting; the settings are listed in docs/configuration.md`);
      continue;
    }
    put(setting, raw, 'env', name === envName(setting.key) ? label(setting.key) : `${name} (${setting.key})`);
  }

  for (const [flag, raw] of Object.entries(input.flags ?? {})) {
    const setting = byFlag.get(flag);
    if (!setting) {
      errors.push(`${flag}: unknown option; \`twostep help\` lists them`);
      continue;
    }
    put(setting, raw, 'flag', `${flag} (${setting.key})`);
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    settings: {
      get: <T extends Value>(key: string) => values.get(key)?.value as T | undefined,
      source: (key) => values.get(key)?.source,
      file: input.configFile,
    },
  };
}

async function readConfigFile(file: string): Promise<{ data: Record<string, unknown> } | { error: string }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { error: `--config ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})` };
  }
  let data: unknown;
  try {
    // YAML is a superset of JSON: one parser for both. Loaded here: most runs read no file.
    const yaml = await import('yaml');
    data = yaml.parse(text, { prettyErrors: true });
  } catch (error) {
    return { error: `--config ${file}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}` };
  }
  if (data === null || data === undefined) return { data: {} };
  if (!isObject(data))
    return { error: `--config ${file}: expected settings (key: value), not a list or a value` };
  return { data };
}

/** `{ mongodb: { uri } }` → `mongodb.uri`; structured settings (clients) stay whole. */
function* flatten(data: Record<string, unknown>, prefix = ''): Generator<[string, unknown]> {
  for (const [name, value] of Object.entries(data)) {
    const key = `${prefix}${name}`;
    const setting = byKey.get(key);
    if (isObject(value) && !(setting?.structured || setting?.kind.type === 'trustProxy'))
      yield* flatten(value, `${key}.`);
    else yield [key, value];
  }
}

/** Separates setting flags (`--mongodb-uri x`, `--trust-proxy=1`) from the command's own arguments. */
export function splitSettingFlags(args: string[]): { flags: Record<string, string>; rest: string[] } {
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.startsWith('--') ? splitOnce(arg) : [arg, undefined];
    if (!byFlag.has(name)) {
      rest.push(arg);
      continue;
    }
    if (inline !== undefined) flags[name] = inline;
    else {
      const next = args[i + 1];
      flags[name] = next === undefined || next.startsWith('--') ? '' : next;
      if (next !== undefined && !next.startsWith('--')) i++;
    }
  }
  return { flags, rest };
}

function splitOnce(arg: string): [string, string | undefined] {
  const at = arg.indexOf('=');
  return at === -1 ? [arg, undefined] : [arg.slice(0, at), arg.slice(at + 1)];
}

/** The effective settings as YAML-ish lines, secrets redacted (`--print-config`). */
export function describeSettings(settings: Settings): string {
  const lines: string[] = [];
  for (const setting of SETTINGS) {
    const value = settings.get(setting.key);
    if (value === undefined) continue;
    const shown =
      setting.key === 'mongodb.uri'
        ? redactUri(String(value))
        : setting.secret
          ? '(secret, redacted)'
          : setting.key === 'clients'
            ? (value as Record<string, unknown>[]).map((c) => ({
                ...c,
                ...('client_secret' in c ? { client_secret: '(secret, redacted)' } : {}),
              }))
            : value;
    lines.push(`${setting.key}: ${JSON.stringify(shown)}    # ${settings.source(setting.key)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Drops the password from a connection string. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^@/:]*)(:[^@/]*)?@/, (_m, user: string) => `//${user}${user ? ':***' : ''}@`);
}
