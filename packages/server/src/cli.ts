/** What every command shares: its errors, argument parsing, and the settings it runs with. */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { loadSettings, type Settings, splitSettingFlags } from './config.ts';
import type { Value } from './settings.ts';

/** Wrong use of the command line: exit 2 with the usage. */
export class UsageError extends Error {}
/** The command could not do its job: exit 1, the message says why. */
export class CliError extends Error {}
/** Settings are wrong: exit 1, one line per problem. */
export class SettingsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.problems = problems;
  }
}

export type Env = Record<string, string | undefined>;
export type Print = (line: string) => void;
export interface CommandContext {
  env: Env;
  print: Print;
  /** Guidance that is not the command's output (stderr). */
  note: Print;
}
export type Command = (args: string[], context: CommandContext) => Promise<void>;

export function parse<const T extends ParseArgsOptionsConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

/**
 * The settings a command runs with: `--config FILE` and setting flags (`--mongodb-uri …`) are taken
 * out of `args`; what is left is the command's own.
 */
export async function withSettings(
  args: string[],
  env: Env,
  defaults: Record<string, Value> = {},
): Promise<{ settings: Settings; rest: string[] }> {
  const { flags, rest: others } = splitSettingFlags(args);
  const rest: string[] = [];
  let configFile: string | undefined = env.TWOSTEP_CONFIG || undefined;
  for (let i = 0; i < others.length; i++) {
    const arg = others[i]!;
    if (arg === '--config') {
      configFile = others[++i];
      if (!configFile) throw new UsageError('--config needs a file');
    } else if (arg.startsWith('--config=')) configFile = arg.slice('--config='.length);
    else rest.push(arg);
  }
  const { TWOSTEP_CONFIG: _config, ...settingsEnv } = env;
  const loaded = await loadSettings({ flags, env: settingsEnv, configFile, defaults });
  if (!loaded.ok) throw new SettingsError(loaded.errors);
  return { settings: loaded.settings, rest };
}
