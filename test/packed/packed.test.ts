/**
 * The packages as an integrator gets them. Every publishable package is packed (`pnpm pack`);
 * the tarballs' contents are checked; then an app in a temporary directory outside the workspace
 * installs them with plain `npm install` (their dependencies from the registry), type-checks and
 * compiles the README's Express snippet unchanged, and runs it on the oldest Node the packages
 * declare and on Node 24 against a running twostep IdP: sign-in with password + authenticator
 * code, "Hello <name>", an RFC 9470 challenge from the chart route called as an API, and step-up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWwwAuthenticate } from '../../packages/express-mfa/test/helpers.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { NavBrowser, type NavPage } from '../helpers/nav-browser.ts';
import { submitPassword, submitTotp } from '../helpers/sign-in.ts';
import { nodeBinary, oldestNode, type Packed, packAll, readmeSnippet, repoRoot, run } from './pack.ts';

const work = mkdtempSync(join(tmpdir(), 'twostep-packed-'));
let packed: Packed[] = [];

beforeAll(async () => {
  packed = await packAll(join(work, 'tarballs'));
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every `exports` / `types` / `bin` target named in a manifest. */
function targets(manifest: Record<string, unknown>): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') found.push(value);
    else if (value && typeof value === 'object') for (const v of Object.values(value)) walk(v);
  };
  walk(manifest.exports);
  walk(manifest.types);
  walk(manifest.bin);
  return found;
}

describe('pnpm pack contents', () => {
  it('packs every publishable package, the CLI/server included', () => {
    expect(packed.map((p) => p.name).sort()).toEqual([
      '@twostep/core',
      '@twostep/express-mfa',
      '@twostep/oidc-server',
      '@twostep/server',
      '@twostep/store-mongoose',
    ]);
  });

  it('holds built JavaScript with types and source maps, README, LICENSE, CHANGELOG; no tests, sources or secrets', () => {
    for (const { name, files, unpacked } of packed) {
      expect(files, name).toContain('README.md');
      expect(files, name).toContain('LICENSE');
      expect(files, name).toContain('CHANGELOG.md');
      expect(files, name).toContain('package.json');
      for (const file of files) {
        expect(file, name).not.toMatch(/(^|\/)(test|tests|__tests__|fixtures|src)\//);
        expect(file, name).not.toMatch(/\.(test|spec)\.[cm]?[jt]s$/);
        expect(file, name).not.toMatch(/(?<!\.d)\.[cm]?ts$/); // .d.ts only
        expect(file, name).not.toMatch(/(^|\/)\.env|\.pem$|\.key$|\.p12$|dev-keys|\.tsbuildinfo$|\.data\//);
        if (file.endsWith('.js')) {
          expect(files, `${name}: types for ${file}`).toContain(file.replace(/\.js$/, '.d.ts'));
          expect(files, `${name}: source map for ${file}`).toContain(`${file}.map`);
        }
        const text = readFileSync(join(unpacked, 'package', file), 'utf8');
        expect(text, `${name}/${file}`).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
        expect(text, `${name}/${file}`).not.toMatch(/"d"\s*:\s*"[A-Za-z0-9_-]{40,}"/); // a private JWK
      }
    }
  });

  it('every exports/types/bin target is in the tarball, and the manifest is ready for npm', () => {
    for (const { name, files, manifest } of packed) {
      const named = targets(manifest);
      if (name !== '@twostep/server') expect(manifest.types, name).toBeTypeOf('string');
      expect(named.length, name).toBeGreaterThan(0);
      for (const target of named) expect(files, `${name}: ${target}`).toContain(target.replace(/^\.\//, ''));
      // The development condition (sources) stays home; versions replace workspace links.
      expect(JSON.stringify([manifest.exports, manifest.bin, manifest.main]), name).not.toContain(
        '@twostep/source',
      );
      expect(JSON.stringify(manifest.dependencies ?? {}), name).not.toContain('workspace:');
      expect(manifest.license, name).toBe('MIT');
      expect(manifest.repository, name).toMatchObject({
        type: 'git',
        directory: relative(repoRoot, packed.find((p) => p.name === name)!.dir),
      });
      expect(manifest.engines, name).toEqual(packed[0]!.manifest.engines);
      expect(manifest.type, name).toBe('module');
    }
  });
});

/** A free port on 127.0.0.1 (the app needs it before the IdP registers its redirect URI). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** Resolves once something accepts connections on `port`, or rejects when `child` exits first. */
async function listening(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}):\n${output()}`);
    const open = await new Promise<boolean>((done) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => {
        socket.end();
        done(true);
      });
      socket.on('error', () => done(false));
    });
    if (open) return;
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe('an app outside the workspace, installed from the tarballs with npm', () => {
  const engines = JSON.parse(readFileSync(join(repoRoot, 'packages/core/package.json'), 'utf8')).engines;
  // The oldest Node the packages declare, and the Node 24 the toolchain uses.
  const toolchain = readFileSync(join(repoRoot, 'scripts/toolchain.sh'), 'utf8');
  const node24 = /^NODE_WANTED="(24\.\d+\.\d+)"$/m.exec(toolchain)![1]!;
  const versions = [oldestNode(engines.node), node24];
  const app = join(work, 'app');
  const ports = new Map<string, number>();
  const apps: ChildProcess[] = [];
  let idp: TestIdp;

  beforeAll(async () => {
    expect(relative(repoRoot, app).startsWith('..')).toBe(true);
    for (const version of versions) ports.set(version, await freePort());
    const tarball = (name: string) => packed.find((p) => p.name === name)!.tarball;
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      `${JSON.stringify(
        {
          name: 'clinic-charts',
          private: true,
          type: 'module',
          dependencies: {
            ...Object.fromEntries(packed.map((p) => [p.name, `file:${tarball(p.name)}`])),
            express: '^5.1.0',
          },
          devDependencies: { typescript: '~5.9.3', '@types/express': '^5.0.0', '@types/node': '^22.12.0' },
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          strict: true,
          skipLibCheck: false,
          outDir: 'dist',
          types: ['node'],
        },
        files: ['app.ts', 'types.ts'],
      }),
    );
    writeFileSync(join(app, 'app.ts'), readmeSnippet('## Add 2-Step to your Express app'));
    // Every package's declarations, checked too (skipLibCheck is off): no type they name may be missing.
    writeFileSync(
      join(app, 'types.ts'),
      packed
        .filter((p) => p.manifest.types !== undefined)
        .map((p, i) => `import type * as p${i} from '${p.name}';\nexport type { p${i} };\n`)
        .join(''),
    );
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd: app,
    });
    // The README's snippet, type-checked against the published .d.ts files.
    // Errors inside other libraries' declarations (e.g. @types/koa against a newer content-disposition)
    // are theirs; ours and the snippet's fail the test. tsc still emits the JavaScript.
    const tsc = await run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', app], { cwd: app }).catch(
      (error: { stdout: string }) => error,
    );
    const ours = tsc.stdout
      .split('\n')
      .filter((line) => /^\S.*\(\d+,\d+\): error TS/.test(line))
      .filter((line) => !line.startsWith('node_modules/') || line.startsWith('node_modules/@twostep/'));
    expect(ours).toEqual([]);
    expect(existsSync(join(app, 'dist', 'app.js'))).toBe(true);

    idp = await startTestIdp({
      redirectUris: versions.map((v) => `http://127.0.0.1:${ports.get(v)}/auth/callback`),
    });
  }, 600_000);

  afterAll(async () => {
    for (const child of apps) child.kill();
    await idp?.close();
  });

  it('installs the tarballs themselves, not workspace links', () => {
    for (const { name } of packed) {
      const installed = join(app, 'node_modules', name);
      expect(statSync(installed).isSymbolicLink(), name).toBe(false);
      expect(existsSync(join(installed, 'src')), name).toBe(false);
      expect(existsSync(join(installed, 'dist')), name).toBe(true);
    }
  });

  for (const version of versions) {
    describe(`on Node ${version}`, () => {
      let node: string;
      beforeAll(async () => {
        node = await nodeBinary(version);
      }, 300_000);

      it('loads every export and runs the twostep command', async () => {
        const specifiers = packed.flatMap(({ name, manifest }) =>
          Object.keys((manifest.exports as Record<string, unknown>) ?? {}).map((subpath) =>
            subpath === '.' ? name : `${name}/${subpath.slice(2)}`,
          ),
        );
        // One process: the Node version, then each specifier with its number of exports.
        const script = `console.log(process.versions.node);
          for (const s of ${JSON.stringify(specifiers)}) console.log(s, Object.keys(await import(s)).length);`;
        const { stdout } = await run(node, ['--input-type=module', '-e', script], { cwd: app });
        const [seen, ...loaded] = stdout.trim().split('\n');
        expect(seen).toBe(version);
        expect(loaded.map((line) => line.split(' ')[0])).toEqual(specifiers);
        for (const line of loaded) expect(Number(line.split(' ')[1]), line).toBeGreaterThan(0);
        const { stdout: help } = await run(node, [join(app, 'node_modules', '.bin', 'twostep'), 'help'], {
          cwd: app,
        });
        expect(help).toMatch(/twostep/);
      });

      it("runs the README snippet: password + code, Hello <name>, an API's RFC 9470 challenge, step-up", async () => {
        const port = ports.get(version)!;
        const url = `http://127.0.0.1:${port}`;
        let output = '';
        const child = spawn(node, ['dist/app.js'], {
          cwd: app,
          env: {
            PATH: process.env.PATH,
            OIDC_ISSUER: idp.issuer,
            OIDC_CLIENT_ID: idp.clientId,
            OIDC_CLIENT_SECRET: idp.clientSecret,
            APP_URL: url,
            SESSION_SECRET: randomBytes(32).toString('base64url'),
            PORT: String(port),
          },
        });
        apps.push(child);
        child.stdout.on('data', (chunk) => {
          output += chunk;
        });
        child.stderr.on('data', (chunk) => {
          output += chunk;
        });
        await listening(port, child, () => output);
        const owner = idp.staff.owner;
        const text = (page: NavPage) => {
          expect(page.status, `${page.url}: ${page.body.slice(0, 300)}\n${output}`).toBe(200);
          return page.body;
        };

        // Password, then the authenticator code with "Remember this device".
        const browser = new NavBrowser();
        const passwordPage = await browser.navigate(`${url}/schedule`);
        expect(passwordPage.url.startsWith(idp.issuer)).toBe(true);
        const codePage = await submitPassword(browser, passwordPage, owner);
        const schedule = await submitTotp(browser, codePage, idp.nextTotpCode(owner.totpSecret!), {
          remember: 'yes',
        });
        expect(schedule.url).toBe(`${url}/schedule`);
        expect(text(schedule)).toBe('Hello Olivia Owner');

        // A new browser session on the remembered device: the password is enough for the schedule…
        browser.clearCookies(url);
        browser.clearCookies(idp.issuer, (name) => name === 'twostep_device');
        const again = await submitPassword(browser, await browser.navigate(`${url}/schedule`), owner);
        expect(text(again)).toBe('Hello Olivia Owner');

        // …but the chart wants a fresh second factor: an API call gets the RFC 9470 challenge…
        const api = await browser.request('GET', `${url}/patients/7/chart`, {
          headers: { accept: 'application/json' },
        });
        expect(api.status).toBe(401);
        const [challenge] = parseWwwAuthenticate(api.headers.get('www-authenticate')!);
        expect(challenge).toMatchObject({
          scheme: 'Bearer',
          params: {
            error: 'insufficient_user_authentication',
            acr_values: 'urn:twostep:loa:2fa',
            max_age: '600',
          },
        });

        // …and a navigation steps up at the IdP (the code only) and comes back to the chart.
        const stepUp = await browser.navigate(`${url}/patients/7/chart`);
        expect(stepUp.body).not.toContain('name="password"');
        const chart = await submitTotp(browser, stepUp, idp.nextTotpCode(owner.totpSecret!));
        expect(chart.url).toBe(`${url}/patients/7/chart`);
        expect(text(chart)).toBe('chart');

        child.kill();
      });
    });
  }
});
