/**
 * Support for the MongoDB end-to-end tests: IdP child processes
 * (fixtures/idp-process.ts), a round-robin HTTP proxy that gives every
 * process one issuer (a load balancer without sticky sessions), a TCP relay
 * to take the database away, a seeded database (through `startTestIdp`),
 * and fresh TOTP codes on the real clock.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CoreConfigInput,
  createTwostep,
  outboxSmsSender,
  type PasswordCost,
  type Stores,
  TOTP,
  type Twostep,
  totp,
} from '@twostep/core';
import { developmentKeys, type IdpClient, type RateLimits } from '@twostep/oidc-server';
import { connectMongo, createMongooseStores, createOidcAdapter, syncIndexes } from '@twostep/store-mongoose';
import type { Connection } from 'mongoose';
import { startTestIdp, TEST_PASSWORD_COST, type TestIdp } from '../helpers/idp.ts';
import { getMongoUri, testDatabaseName } from '../helpers/mongo.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/idp-process.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// IdP child processes

export interface IdpProcessConfig {
  mongoUri: string;
  dbName: string;
  issuer: string;
  keysFile: string;
  clients: IdpClient[];
  passwordCost: PasswordCost;
  rateLimits?: Partial<RateLimits>;
  /** `createIdp`'s `core` (2-Step rules: throttle, SMS cooldown and quotas…). */
  core?: CoreConfigInput;
  serverSelectionTimeoutMS?: number;
  label?: string;
}

export interface IdpProcess {
  label: string;
  url: string;
  child: ChildProcess;
  /** stdout and stderr lines so far. */
  output: string[];
  /** SMS messages the process sent (printed as IDP_SMS lines). */
  sms: { to: string; body: string }[];
  exited: Promise<number | null>;
  /** SIGKILL (a crash) by default; resolves once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<IdpProcess>();

/** Kills every IdP process still running (call from afterAll/afterEach). */
export async function killAllIdpProcesses(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill()));
}

// Last resort if a test run is torn down without its hooks.
process.on('exit', () => {
  for (const p of running) p.child.kill('SIGKILL');
});

/** Spawns `node --conditions=@twostep/source fixtures/idp-process.ts <config>` and waits for its URL. */
export async function startIdpProcess(config: IdpProcessConfig, dir: string): Promise<IdpProcess> {
  const label = config.label ?? 'idp';
  const configPath = join(dir, `${label}-${Date.now()}.json`);
  writeFileSync(configPath, JSON.stringify(config), { mode: 0o600 });
  const child = spawn(process.execPath, ['--conditions=@twostep/source', FIXTURE, configPath], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const output: string[] = [];
  const sms: IdpProcess['sms'] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let onUrl: (url: string) => void = () => undefined;
  const urlSeen = new Promise<string>((resolve) => {
    onUrl = resolve;
  });
  const lines = (stream: NodeJS.ReadableStream) => {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        output.push(line);
        if (line.startsWith('IDP_LISTENING ')) onUrl(line.slice('IDP_LISTENING '.length).trim());
        if (line.startsWith('IDP_SMS ')) sms.unshift(JSON.parse(line.slice('IDP_SMS '.length)));
      }
    });
  };
  lines(child.stdout!);
  lines(child.stderr!);
  const proc: IdpProcess = {
    label,
    url: '',
    child,
    output,
    sms,
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      running.delete(proc);
    },
  };
  running.add(proc);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ timeout: true }>((resolve) => {
    timer = setTimeout(() => resolve({ timeout: true }), 30_000);
  });
  const first = await Promise.race([urlSeen, exited.then((code) => ({ code })), timeout]);
  clearTimeout(timer);
  if (typeof first !== 'string') {
    await proc.kill();
    const why = 'timeout' in first ? 'did not start within 30 s' : `exited with ${first.code}`;
    throw new Error(`IdP process ${label} ${why}:\n${output.join('\n')}`);
  }
  proc.url = first;
  return proc;
}

/** Starts a process and returns its exit code, for processes expected to refuse to start. */
export async function idpProcessExitCode(
  config: IdpProcessConfig,
  dir: string,
): Promise<{
  code: number | null;
  output: string[];
}> {
  try {
    const proc = await startIdpProcess(config, dir);
    await proc.kill();
    return { code: null, output: proc.output };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = /exited with (\d+)/.exec(message)?.[1];
    return { code: code === undefined ? null : Number(code), output: message.split('\n') };
  }
}

// ---------------------------------------------------------------------------
// One issuer in front of several processes

export interface Balancer {
  url: string;
  /** Backend URLs; replace entries to restart a process behind the same issuer. */
  targets: string[];
  /** `'round-robin'` (default) or the index of the one target to use. */
  mode: 'round-robin' | number;
  /** Which target served each request, in order (indexes into `targets`). */
  served: number[];
  close(): Promise<void>;
}

/**
 * A tiny HTTP reverse proxy on 127.0.0.1 (the issuer every process is
 * configured with). Without sticky sessions: each request goes to the next
 * target, or to the pinned one. A target that does not answer gets a 502.
 */
export async function startBalancer(): Promise<Balancer> {
  let next = 0;
  const balancer: Balancer = {
    url: '',
    targets: [],
    mode: 'round-robin',
    served: [],
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const index =
      balancer.mode === 'round-robin' ? next++ % Math.max(balancer.targets.length, 1) : balancer.mode;
    const target = balancer.targets[index];
    if (target === undefined) {
      res.writeHead(502).end('no backend');
      return;
    }
    balancer.served.push(index);
    const upstream = httpRequest(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.rawHeaders);
        response.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end('backend down');
      else res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  balancer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  balancer.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return balancer;
}

// ---------------------------------------------------------------------------
// A database connection that can be cut: ../helpers/tcp-relay.ts

export { startTcpRelay, type TcpRelay } from '../helpers/tcp-relay.ts';

// ---------------------------------------------------------------------------
// A seeded shared database

export interface SharedDatabase {
  dbName: string;
  connection: Connection;
  /** The seeded clinic, staff and clients (its in-process IdP is already closed). */
  seed: TestIdp;
  dir: string;
  keysFile: string;
  clients: IdpClient[];
  /** Core on the shared database with the shared keys (what an admin page of any process runs). */
  core: Twostep;
  /** A config for one more IdP process on this database behind `issuer`. */
  processConfig(issuer: string, label: string, extra?: Partial<IdpProcessConfig>): IdpProcessConfig;
  /** Drops the database, closes the connection, removes the temp dir. */
  drop(): Promise<void>;
}

/**
 * A fresh database seeded exactly like `startTestIdp` (clinics, staff, the
 * owner's TOTP and recovery code, the front desk's SMS), with keys in a JSON
 * file (`developmentKeys`, mode 0600) that every IdP process loads: signing
 * keys, cookie keys, secret-box key and hash key.
 */
export async function seedSharedDatabase(label: string): Promise<SharedDatabase> {
  const dbName = testDatabaseName(label);
  const dir = mkdtempSync(join(tmpdir(), 'twostep-e2e-mongo-'));
  const keysFile = join(dir, 'keys.json');
  const keys = developmentKeys(keysFile, { warn: () => undefined, error: () => undefined });
  const connection = await connectMongo(getMongoUri(), { dbName });
  await syncIndexes(connection);
  const seed = await startTestIdp({
    stores: createMongooseStores(connection),
    adapter: createOidcAdapter(connection),
    jwks: keys.jwks,
    cookieKeys: keys.cookieKeys,
    secretBox: keys.secretBox,
    hashKey: keys.hashKey,
  });
  await seed.close();
  const clients: IdpClient[] = [
    {
      client_id: seed.clientId,
      client_secret: seed.clientSecret,
      redirect_uris: [seed.redirectUri],
      token_endpoint_auth_method: 'client_secret_basic',
      client_name: 'Clinic App',
      firstParty: true,
    },
  ];
  return {
    dbName,
    connection,
    seed,
    dir,
    keysFile,
    clients,
    core: createTwostep({
      stores: seed.stores,
      secretBox: keys.secretBox,
      hashKey: keys.hashKey,
      smsSender: outboxSmsSender(),
      logger: { warn: () => undefined, error: () => undefined },
    }),
    processConfig: (issuer, processLabel, extra = {}) => ({
      mongoUri: getMongoUri(),
      dbName,
      issuer,
      keysFile,
      clients,
      passwordCost: TEST_PASSWORD_COST,
      // Many sign-ins of the same account in one file: not what these tests are about.
      rateLimits: { passwordPerAccount: 1000, codePerAccount: 1000 },
      label: processLabel,
      ...extra,
    }),
    async drop() {
      try {
        await connection.dropDatabase();
      } catch {
        // best effort
      }
      await connection.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------
// TOTP codes on the real clock

/**
 * The IdP processes keep real time, and a code is accepted once per 30-s step
 * (±1 step). `next(secret)` gives the code of the earliest step after the last
 * one used that is still safely inside the window: the previous step while at
 * least 5 s of the current one remain, else the current or the next step;
 * it waits for the clock only when all of them are used.
 */
export class TotpSteps {
  readonly #last = new Map<string, number>();

  /** Records the last step the store accepted (e.g. from `factors.list`). */
  used(secret: string, step: number | null): void {
    if (step !== null) this.#last.set(secret, Math.max(step, this.#last.get(secret) ?? step));
  }

  async next(secret: string): Promise<string> {
    const periodMs = TOTP.period * 1000;
    const current = () => Math.floor(Date.now() / periodMs);
    const earliest = () => (Date.now() % periodMs < periodMs - 5000 ? current() - 1 : current());
    const step = Math.max(earliest(), (this.#last.get(secret) ?? Number.NEGATIVE_INFINITY) + 1);
    while (step > current() + 1) await sleep(200);
    this.#last.set(secret, step);
    return totp(secret, step * TOTP.period, {
      algorithm: TOTP.algorithm,
      digits: TOTP.digits,
      period: TOTP.period,
    });
  }

  /** Enrolls an authenticator for `staffId` through core (as its own setup page would); returns the secret. */
  async enroll(core: Twostep, stores: Stores, staffId: string): Promise<string> {
    const member = await stores.staff.get(staffId);
    if (!member) throw new Error(`no staff member ${staffId}`);
    const setup = await core.enrollment.startTotp(member);
    const confirmed = await core.enrollment.confirmTotp(
      { actorId: member.id },
      member,
      await this.next(setup.secret),
    );
    if (!confirmed.ok) throw new Error(`TOTP enrollment failed: ${confirmed.reason}`);
    return setup.secret;
  }
}
