#!/usr/bin/env -S node --conditions=@twostep/source
/**
 * `twostep`: the operator command. `twostep serve` runs the identity server; the other commands
 * manage clinics, clients and keys. Exit codes: 0 done, 1 failed, 2 usage error.
 *
 * Each command is imported when it runs, so `twostep help` (and anything without a database) starts
 * without loading oidc-provider, Express or mongoose.

 */
import { type Command, CliError, SettingsError, UsageError } from './cli.ts';
import { restartWithServerSettings } from './idle-memory.ts';
import { usage } from './usage.ts';

const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve.ts')).serve,
  'db init': async () => (await import('./commands/db.ts')).dbInit,
  'db migrate': async () => (await import('./commands/db.ts')).dbMigrate,
  'clinic create': async () => (await import('./commands/clinic.ts')).clinicCreate,
  'staff welcome-link': async () => (await import('./commands/clinic.ts')).staffWelcomeLink,
  'client register': async () => (await import('./commands/client.ts')).clientRegister,
  'client list': async () => (await import('./commands/client.ts')).clientList,
  'client update': async () => (await import('./commands/client.ts')).clientUpdate,
  'client disable': async () => (await import('./commands/client.ts')).clientDisable,
  'client enable': async () => (await import('./commands/client.ts')).clientEnable,
  'keys init': async () => (await import('./commands/keys.ts')).keysInit,
  'keys list': async () => (await import('./commands/keys.ts')).keysList,
  'keys publish': async () => (await import('./commands/keys.ts')).keysPublish,
  'keys promote': async () => (await import('./commands/keys.ts')).keysPromote,
  'keys retire': async () => (await import('./commands/keys.ts')).keysRetire,
  'keys reencrypt': async () => (await import('./commands/keys.ts')).keysReencrypt,
};

async function main(argv: string[]): Promise<void> {
  const [group, action, ...rest] = argv;
  if (!group || group === 'help' || group === '--help' || group === '-h') {
    process.stdout.write(usage);
    return;
  }
  // One-word commands (serve) take everything after them as arguments.
  const single = commands[group];
  const load = single ?? commands[`${group} ${action ?? ''}`.trim()];
  if (!load) throw new UsageError(`unknown command "${[group, action].filter(Boolean).join(' ')}"`);
  if (group === 'serve' && !argv.includes('--print-config')) restartWithServerSettings();
  const command = await load();
  await command(single ? argv.slice(1) : rest, {
    env: process.env,
    print: (line) => process.stdout.write(`${line}\n`),
    note: (line) => process.stderr.write(`${line}\n`),
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`twostep: ${error.message}\n\n${usage}`);
    process.exitCode = 2;
  } else if (error instanceof SettingsError) {
    for (const problem of error.problems) process.stderr.write(`twostep: ${problem}\n`);
    process.exitCode = 1;
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`twostep: ${error instanceof CliError ? message : `failed: ${message}`}\n`);
    if (process.env.DEBUG && !(error instanceof CliError)) console.error(error);
    process.exitCode = 1;
  }
});
