#!/usr/bin/env -S node --conditions=@twostep/source
/**
 * `twostep`: the operator CLI.
 *
 *   node --conditions=@twostep/source packages/server/src/main.ts <command> [options]
 *
 * See `help` below (or packages/server/README.md). Exit codes: 0 done, 1 failed, 2 usage error.
 */
import { commands, CliError, UsageError, usage } from './commands.ts';

async function main(argv: string[]): Promise<number> {
  const [group, action, ...rest] = argv;
  if (!group || group === 'help' || group === '--help' || group === '-h') {
    process.stdout.write(usage);
    return 0;
  }
  const command = commands[`${group} ${action ?? ''}`.trim()];
  if (!command) throw new UsageError(`unknown command "${[group, action].filter(Boolean).join(' ')}"`);
  await command(rest, process.env, (line) => process.stdout.write(`${line}\n`));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`twostep: ${error.message}\n\n${usage}`);
      process.exitCode = 2;
    } else if (error instanceof CliError) {
      process.stderr.write(`twostep: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`twostep: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
