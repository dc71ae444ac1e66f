/**
 * Graceful shutdown of a real IdP process (fixtures/gated-idp.ts): SIGTERM while 20 sign-ins are
 * in flight → readiness 503 at once, no new connections, all 20 finish with their normal answer
 * (the password accepted, 303 on to the
 * authorization endpoint), exit code 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Browser, findForm } from '../helpers/browser.ts';
import * as oidc from 'openid-client';

const FIXTURE = fileURLToPath(new URL('./fixtures/gated-idp.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

let child: ChildProcess | undefined;
afterAll(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
});

/** Starts the fixture; resolves with its URLs and a way to wait for its messages. */
async function startGatedIdp() {
  const proc = spawn(process.execPath, ['--conditions=@twostep/source', FIXTURE], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child = proc;
  const output: string[] = [];
  proc.stdout!.on('data', (d) => output.push(String(d)));
  proc.stderr!.on('data', (d) => output.push(String(d)));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let held = 0;
  const waiters: (() => void)[] = [];
  const urls = new Promise<{ url: string; management: string }>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`fixture exited (${code}):\n${output.join('')}`)));
    proc.on('message', (message: { url?: string; management?: string; held?: number }) => {
      if (message.url && message.management) resolve({ url: message.url, management: message.management });
      if (message.held !== undefined) {
        held = message.held;
        for (const wake of waiters.splice(0)) wake();
      }
    });
  });
  const heldAtLeast = async (n: number) => {
    while (held < n) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { proc, output, exited, heldAtLeast, ...(await urls) };
}

describe('graceful shutdown', { timeout: 120_000 }, () => {
  it('SIGTERM with 20 sign-ins in flight: readiness 503, all 20 complete normally, exit 0', async () => {
    const idp = await startGatedIdp();
    expect((await fetch(`${idp.management}/readyz`)).status).toBe(200);

    const config = await oidc.discovery(
      new URL(idp.url),
      'gate-app',
      'gate-app-secret-0123456789abcdef',
      undefined,
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    const who = { email: 'staff@gate.test', password: 'gate-password' };
    const sessions = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const browser = new Browser();
        const url = oidc.buildAuthorizationUrl(config, {
          redirect_uri: 'http://127.0.0.1:9/callback',
          scope: 'openid',
          state: oidc.randomState(),
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
        });
        const page = await browser.get(url);
        expect(page.body).toContain('name="password"');
        return { browser, page };
      }),
    );
    // The password POST itself (its answer sends the browser on to the IdP, through the balancer).
    const signIns = sessions.map(({ browser, page }) => {
      const form = findForm(page, '/password');
      const body = new URLSearchParams({ csrf: form.csrf, ...who }).toString();
      return browser.request('POST', new URL(form.action, page.url), body);
    });
    await idp.heldAtLeast(20);

    idp.proc.kill('SIGTERM');
    // Readiness turns 503 at once (the management port stays up during the drain) …
    let readiness: Response;
    do readiness = await fetch(`${idp.management}/readyz`);
    while (readiness.status === 200);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toEqual({ status: 'not_ready', reason: 'shutting_down' });
    // … the main listener takes no new connection, liveness still answers on the management port.
    await expect(fetch(`${idp.url}/healthz`)).rejects.toThrow();
    expect((await fetch(`${idp.management}/healthz`)).status).toBe(200);

    idp.proc.send('release');
    const results = await Promise.all(signIns);
    for (const done of results) {
      expect(done.status).toBe(303); // password accepted: on to oidc-provider's resume
      expect(new URL(done.headers.get('location')!, idp.url).pathname).toMatch(/^\/auth\/[\w-]+$/);
    }
    expect(await idp.exited).toBe(0);
    const lines = idp.output
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['signal received', 'stopped']));
  });
});

// ./run installs dependencies first, then the demo seeds with production-cost password hashes.
describe('./run demo', { timeout: 180_000 }, () => {
  it('SIGTERM to ./run demo stops the demo it started: exit 0, nothing left serving', async () => {
    const proc = spawn('bash', ['run', 'demo'], {
      cwd: REPO,
      env: { ...process.env, IDP_PORT: '0', APP_PORT: '0', LOG_LEVEL: 'warn', MONGODB_URI: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let output = '';
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const urls = await new Promise<{ idp: string; app: string }>((resolve, reject) => {
      proc.stdout!.on('data', (d) => {
        output += String(d);
        const idp = /Sign-in service\s+(http:\/\/\S+)/.exec(output)?.[1];
        const app = /Clinic app\s+(http:\/\/\S+)/.exec(output)?.[1];
        if (idp && app && output.includes('Press Ctrl-C')) resolve({ idp, app });
      });
      proc.stderr!.on('data', (d) => {
        output += String(d);
      });
      void exited.then((code) => reject(new Error(`./run demo exited (${code}):\n${output}`)));
    });
    expect((await fetch(`${urls.idp}/readyz`)).status).toBe(200);
    expect((await fetch(urls.app)).status).toBe(200);

    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${urls.idp}/healthz`)).rejects.toThrow();
    await expect(fetch(urls.app)).rejects.toThrow();
  });
});
