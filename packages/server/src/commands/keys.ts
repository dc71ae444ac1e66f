/** `twostep keys rotate --file FILE` */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { CliError, type Command, parse, required } from '../cli.ts';

export const keysRotate: Command = async (args, { print }) => {
  const values = parse(args, { file: { type: 'string' } });
  const file = required(values, 'file');
  if (!existsSync(file)) throw new CliError(`${file} does not exist`);
  let data: { keys?: unknown; jwks?: { keys?: unknown } };
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as typeof data;
  } catch {
    throw new CliError(`${file} is not JSON`);
  }
  const holder = Array.isArray(data.keys) ? data : Array.isArray(data.jwks?.keys) ? data.jwks! : null;
  if (!holder) throw new CliError(`${file}: expected a JWKS ({ "keys": [...] }) or a developmentKeys file`);
  const keys = holder.keys as { kid?: unknown; d?: unknown }[];
  if (!keys.every((k) => typeof k === 'object' && k !== null && typeof k.kid === 'string' && 'd' in k))
    throw new CliError(`${file}: every key needs a kid and its private part`);
  const kids = new Set(keys.map((k) => k.kid));
  const { generateSigningKey } = await import('@twostep/oidc-server');
  let key = generateSigningKey();
  while (kids.has(key.kid)) key = generateSigningKey();
  holder.keys = [key, ...keys];
  // Write a sibling file, then rename: the old file is never half-written. Keep it private.
  const mode = statSync(file).mode & 0o777 & ~0o077;
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: mode || 0o600 });
  chmodSync(tmp, mode || 0o600);
  renameSync(tmp, file);
  print(String(key.kid));
};
