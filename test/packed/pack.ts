/**
 * The publishable packages as npm would get them: `pnpm pack` of each (its `prepack` builds dist/),
 * unpacked for inspection, and the Node versions the packed test runs on.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export const repoRoot = resolve(import.meta.dirname, '../..');

/** The packages we publish: every non-private package under packages/. */
export function publishableDirs(): string[] {
  const root = join(repoRoot, 'packages');
  return readdirSync(root)
    .map((name) => join(root, name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .filter((dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private !== true);
}

export interface Packed {
  name: string;
  dir: string;
  tarball: string;
  /** Where the tarball was unpacked: `<unpacked>/package/…`. */
  unpacked: string;
  /** Paths inside the tarball, relative to `package/`. */
  files: string[];
  /** The package.json inside the tarball (what npm sees). */
  manifest: Record<string, unknown>;
}

/** Packs every publishable package into `dest` and unpacks each next to its tarball. */
export async function packAll(dest: string): Promise<Packed[]> {
  await run('pnpm', ['-s', 'build'], { cwd: repoRoot });
  const packed: Packed[] = [];
  for (const dir of publishableDirs()) {
    const { stdout } = await run('pnpm', ['pack', '--json', '--pack-destination', dest], { cwd: dir });
    // The JSON follows the prepack script's output.
    const { name, filename } = JSON.parse(stdout.slice(stdout.search(/^\{/m))) as {
      name: string;
      filename: string;
    };
    const tarball = resolve(dest, filename);
    const unpacked = join(dest, name.replace('/', '+'));
    mkdirSync(unpacked, { recursive: true });
    await run('tar', ['-xzf', tarball, '-C', unpacked]);
    const { stdout: listing } = await run('tar', ['-tzf', tarball]);
    const files = listing
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    const manifest = JSON.parse(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8'));
    packed.push({ name, dir, tarball, unpacked, files, manifest });
  }
  return packed;
}

/**
 * A Node binary of `version`: this process's when it is that version, otherwise the npm
 * registry's `node` package installed once into ~/.cache/twostep (as scripts/toolchain.sh does).
 */
export async function nodeBinary(version: string): Promise<string> {
  if (process.versions.node === version) return process.execPath;
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'twostep', `node-${version}`);
  const bin = join(cache, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bin)) {
    mkdirSync(cache, { recursive: true });
    await run('npm', [
      'install',
      '--silent',
      '--no-audit',
      '--no-fund',
      '--prefix',
      cache,
      `node@${version}`,
    ]);
  }
  return bin;
}

/** `>=22.12` → `22.12.0`: the oldest Node a package declares. */
export function oldestNode(range: string): string {
  const match = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(range.trim());
  if (!match) throw new Error(`engines.node "${range}" is not a plain ">=x.y" range`);
  return `${match[1]}.${match[2]}.${match[3] ?? 0}`;
}

/** The `ts` code block under the README heading `heading`, exactly as written there. */
export function readmeSnippet(heading: string): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "${heading}" heading`);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (!block) throw new Error(`no \`\`\`ts block under "${heading}"`);
  return block[1]!;
}
