// Complete sign-ins per second through the twostep IdP over real HTTP: authorization request →
// password form → (TOTP code page →) code exchange at the token endpoint (PKCE, client_secret_basic),
// for staff with an authenticator app (loa:2fa) and for password-only staff (loa:1fa), in one run.
// The ratio is what 2-Step adds to a sign-in, in server CPU (goal: under 25 %); the server CPU time per complete
// sign-in (goal: ≤ 30 ms) and the IdP's peak RSS with CONCURRENCY sign-ins at once (goal: ≤ 300 MB),
// at the IdP's production defaults (argon2id m=7 MiB t=5, one hash per core at once).
//
//   node --conditions=@twostep/source bench/signin.ts [seconds]
//
// The IdP runs in a child process (memory-idp.ts), so its CPU time and RSS are its own; this process
// is the load generator: CONCURRENCY sign-ins at a time, each with a fresh cookie jar.
// TOTP codes are real and never replayed: ACCOUNTS staff have known secrets, and the IdP's core clock
// runs CLOCK_SPEED× faster than real time from a shared epoch, so each account gets a new 30 s step
// every few seconds; an account is only reused once its last code's step has passed. Each code is
// computed just before it is posted.
import { createHash, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import {
  type Clinic,
  type Clock,
  createAesGcmSecretBox,
  createMemoryStores,
  DEFAULT_PASSWORD_COST,
  hashPassword,
  outboxNotifier,
  outboxSmsSender,
  type StaffMember,
  TOTP,
  totp,
} from '@twostep/core';
import {
  createIdp,
  createLog,
  createMemoryAdapter,
  createMetrics,
  generateCookieKey,
  generateSigningKey,
} from '@twostep/oidc-server';
import { Browser } from '../test/helpers/browser.ts';
import { startIdpProcess } from './memory-idp.ts';
import type { Row } from './row.ts';

export type { Row };

export const CONCURRENCY = 8;
export const ACCOUNTS = 200;
/**
 * The IdP core's clock runs this much faster than real time: a 30 s TOTP step lasts 3 real seconds.
 * Fast enough that 200 accounts never wait for a new step; slow enough that a code posted up to about
 * 3 s after it was computed (a busy shared machine) is still inside the ±1 step window. (At 120× a
 * request delayed half a second arrived outside it, and the scale scenario failed.)
 */
export const CLOCK_SPEED = 10;
/** Goal: 2-Step adds less than this to a sign-in (time per sign-in). */
export const GOAL_OVERHEAD = 0.25;
/** Goal: a complete password + TOTP sign-in costs at most this much server CPU, ms. */
export const GOAL_SIGNIN_CPU_MS = 30;
/** Goal: peak resident memory of the IdP process with CONCURRENCY sign-ins at once, MB. */
export const GOAL_PEAK_RSS_MB = 300;
/** The hash setting every bench IdP runs with: the production default. */
export const HASH_SETTING = `argon2id m=${DEFAULT_PASSWORD_COST.memoryKiB} KiB t=${DEFAULT_PASSWORD_COST.passes} p=${DEFAULT_PASSWORD_COST.parallelism} (the default)`;

/** TOTP parameters for `totp()` codes the seeded authenticators would show. */
export const PARAMS = { algorithm: TOTP.algorithm, digits: TOTP.digits, period: TOTP.period } as const;

export interface BenchIdpInfo {
  issuer: string;
  clientId: string;
  /** The same app registered with ES256 ID tokens (same secret). */
  es256ClientId: string;
  clientSecret: string;
  redirectUri: string;
  /** One password for every seeded account. */
  password: string;
  /** Staff of a clinic enforcing 2-Step, each with an authenticator app. */
  totpStaff: { email: string; secret: string }[];
  /** Staff of a clinic not enforcing 2-Step, no factor: loa:1fa. */
  plainStaff: { email: string }[];
}

/** The core clock both threads agree on: `epoch` + CLOCK_SPEED × (real time since `epoch`). */
export const fastNow = (epoch: number): number => epoch + (Date.now() - epoch) * CLOCK_SPEED;

// ---------------------------------------------------------------------------------------------
// The IdP (worker thread)

export interface IdpSetup {
  /** Registers this resource server (JWT access tokens) when set. */
  resourceServer?: string | undefined;
  /** Staff with an authenticator app (enforcing clinic) and password-only staff; default ACCOUNTS each. */
  totpAccounts?: number | undefined;
  plainAccounts?: number | undefined;
  /** More password-only staff that never sign in, in clinics of 500 (not listed in the info); default 0. */
  fillerStaff?: number | undefined;
  /** JSON logs at info (to /dev/null: serialising and writing every line) and Prometheus metrics. */
  observability?: boolean | undefined;
  /** Run on MongoDB (stores and oidc-provider adapter) instead of memory. */
  mongo?: { uri: string; dbName: string } | undefined;
}

/**
 * Starts the bench IdP in this thread or process on 127.0.0.1 (memory stores, MemoryAdapter, no rate
 * limits, the core clock running CLOCK_SPEED× from `epoch`) and seeds it; returns what a client needs.
 */
export async function createBenchIdp(epoch: number, setup: IdpSetup = {}): Promise<BenchIdpInfo> {
  const { createServer } = await import('node:http');
  const clock: Clock = { now: () => new Date(fastNow(epoch)) };
  const mongo = setup.mongo ? await openMongo(setup.mongo) : null;
  const stores = mongo?.stores ?? createMemoryStores();
  const secretBox = createAesGcmSecretBox([{ id: 'bench', key: new Uint8Array(randomBytes(32)) }]);
  const hashKey = new Uint8Array(randomBytes(32));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const issuer = `http://127.0.0.1:${address.port}`;
  const redirectUri = 'http://127.0.0.1:9/callback'; // never requested: the generator stops there
  const clientSecret = randomBytes(24).toString('base64url');
  const unlimited = 1_000_000_000;
  const idp = createIdp({
    // Logs go where `twostep serve` sends them (pino's own asynchronous stdout writer); the bench's IdP
    // process has /dev/null as stdout (memory-idp.ts).
    ...(setup.observability ? { log: createLog(), metrics: createMetrics() } : {}),
    issuer,
    stores,
    secretBox,
    hashKey,
    smsSender: outboxSmsSender(),
    notifier: outboxNotifier(),
    clock,
    logger: { warn: () => {}, error: (message, details) => console.error(message, details) },
    jwks: { keys: [generateSigningKey('bench-rsa'), generateSigningKey('bench-ec', 'ES256')] },
    cookieKeys: [generateCookieKey()],
    // Password hashing at the IdP's defaults (argon2id, one hash per core at once): what production runs.
    // Unlimited, expiring Maps (oidc-provider's own development adapter is an LRU of 1,000 entries:
    // under load it evicts sessions and grants, and refresh grants then fail with invalid_grant).
    adapter: mongo?.adapter ?? createMemoryAdapter(),
    clients: [
      {
        client_id: 'bench-app',
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'client_secret_basic',
        firstParty: true,
      },
      {
        client_id: 'bench-app-es256',
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
        firstParty: true,
      },
    ],
    ...(setup.resourceServer
      ? { resourceServers: { [setup.resourceServer]: { scope: 'charts:read' } } }
      : {}),
    rateLimits: {
      passwordPerIp: unlimited,
      passwordPerAccount: unlimited,
      codePerIp: unlimited,
      codePerAccount: unlimited,
    },
  });
  server.on('request', idp.app);

  // Seed through the IdP's own core (same secret box), as an admin tool would.
  const now = clock.now();
  const enforcing: Clinic = {
    id: 'clinic-2fa',
    name: 'Maple Street Physio',
    enforceTwoStep: true,
    allowTrustedDevices: true,
    createdAt: now,
  };
  const relaxed: Clinic = {
    ...enforcing,
    id: 'clinic-1fa',
    name: 'Birch Lane Dental',
    enforceTwoStep: false,
  };
  await stores.clinics.create(enforcing);
  await stores.clinics.create(relaxed);
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  // One salted hash shared by every account (a sign-in costs the same; seeding stays quick).
  const passwordHash = await hashPassword(password);
  const info: BenchIdpInfo = {
    issuer,
    clientId: 'bench-app',
    es256ClientId: 'bench-app-es256',
    clientSecret,
    redirectUri,
    password,
    totpStaff: [],
    plainStaff: [],
  };
  const totpAccounts = setup.totpAccounts ?? ACCOUNTS;
  const plainAccounts = setup.plainAccounts ?? ACCOUNTS;
  for (let i = 0; i < Math.max(totpAccounts, plainAccounts); i++) {
    for (const clinic of [enforcing, relaxed]) {
      if (i >= (clinic === relaxed ? plainAccounts : totpAccounts)) continue;
      const member: StaffMember = {
        id: `${clinic.id}-${i}`,
        clinicId: clinic.id,
        email: `staff${i}@${clinic.id}.test`,
        name: `Staff ${i}`,
        role: i === 0 ? 'full_access' : 'staff',
        passwordHash,
        active: true,
        createdAt: now,
      };
      await stores.staff.create(member);
      if (clinic === relaxed) {
        info.plainStaff.push({ email: member.email });
        continue;
      }
      const enrolling = await idp.twostep.enrollment.startTotp(member);
      const code = totp(enrolling.secret, Math.floor(clock.now().getTime() / 1000), PARAMS);
      const confirmed = await idp.twostep.enrollment.confirmTotp({ actorId: null }, member, code);
      if (!confirmed.ok) throw new Error(`seeding TOTP failed: ${confirmed.reason}`);
      info.totpStaff.push({ email: member.email, secret: enrolling.secret });
    }
  }
  const fillerStaff = setup.fillerStaff ?? 0;
  for (let i = 0; i < fillerStaff; i++) {
    const clinicId = `clinic-filler-${Math.floor(i / 500)}`;
    if (i % 500 === 0) await stores.clinics.create({ ...relaxed, id: clinicId, name: `Filler ${i / 500}` });
    await stores.staff.create({
      id: `filler-${i}`,
      clinicId,
      email: `filler${i}@${clinicId}.test`,
      name: `Filler ${i}`,
      role: i % 500 === 0 ? 'full_access' : 'staff',
      passwordHash,
      active: true,
      createdAt: now,
    });
  }
  return info;
}

/** MongoDB stores and oidc-provider adapter for the bench IdP (store-mongoose loaded only then). */
async function openMongo({ uri, dbName }: { uri: string; dbName: string }) {
  const { connectMongo, createMongooseStores, createOidcAdapter, syncIndexes } = await import(
    '@twostep/store-mongoose'
  );
  const connection = await connectMongo(uri, { dbName });
  await connection.dropDatabase();
  await syncIndexes(connection);
  return { stores: createMongooseStores(connection), adapter: createOidcAdapter(connection) };
}

// ---------------------------------------------------------------------------------------------
// The load generator (main thread)

const base64url = (b: Buffer) => b.toString('base64url');

function idTokenClaims(idToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/**
 * The browser half of a sign-in, with a fresh browser (a new SSO session at the IdP): authorization
 * request → password (→ TOTP code) → back at the redirect_uri; returns the code and PKCE verifier.
 */
export async function authorize(
  info: BenchIdpInfo,
  email: string,
  code: (() => string) | undefined,
  resource?: string,
): Promise<{ code: string; verifier: string }> {
  const browser = new Browser();
  const verifier = base64url(randomBytes(32));
  const state = base64url(randomBytes(16));
  const auth = new URL(`${info.issuer}/auth`);
  auth.search = new URLSearchParams({
    client_id: info.clientId,
    response_type: 'code',
    redirect_uri: info.redirectUri,
    scope: 'openid',
    state,
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    ...(resource === undefined ? {} : { resource }),
  }).toString();
  const passwordPage = await browser.get(auth);
  let page = await browser.submit(passwordPage, '/password', { email, password: info.password });
  if (code !== undefined) page = await browser.submit(page, '/verify', { method: 'totp', code: code() });
  const back = page.leftTo;
  if (back === undefined || back.searchParams.get('state') !== state || !back.searchParams.has('code'))
    throw new Error(`sign-in did not come back with a code (${page.status}): ${page.body.slice(0, 300)}`);
  return { code: back.searchParams.get('code')!, verifier };
}

/** One complete sign-in with a fresh browser; returns the token response. */
export async function signIn(
  info: BenchIdpInfo,
  email: string,
  code: (() => string) | undefined,
  resource?: string,
): Promise<{ id_token: string; refresh_token?: string; access_token: string }> {
  const grant = await authorize(info, email, code, resource);
  const response = await fetch(`${info.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${info.clientId}:${info.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: grant.code,
      redirect_uri: info.redirectUri,
      code_verifier: grant.verifier,
    }).toString(),
  });
  const tokens = (await response.json()) as { id_token?: string; access_token?: string; error?: string };
  if (!response.ok || tokens.id_token === undefined || tokens.access_token === undefined)
    throw new Error(`token endpoint: ${response.status} ${tokens.error ?? ''}`);
  return tokens as { id_token: string; access_token: string };
}

/** Hands out accounts so that no TOTP step is used twice for the same account. */
export class AccountPool {
  readonly #free: number[];
  readonly #lastStep: number[];
  readonly epoch: number;
  waits = 0;

  constructor(size: number, epoch: number) {
    this.epoch = epoch;
    this.#free = Array.from({ length: size }, (_, i) => i);
    const step = this.step();
    this.#lastStep = Array.from({ length: size }, () => step); // seeding used the current step
  }

  step(): number {
    return Math.floor(fastNow(this.epoch) / 1000 / TOTP.period);
  }

  async take(): Promise<number> {
    for (;;) {
      const step = this.step();
      const index = this.#free.findIndex((i) => this.#lastStep[i]! < step);
      if (index >= 0) return this.#free.splice(index, 1)[0]!;
      this.waits++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  release(account: number, step: number): void {
    this.#lastStep[account] = Math.max(this.#lastStep[account]!, step);
    this.#free.push(account);
  }
}

/** A complete password + TOTP sign-in of an account from `pool`, with a code never used before. */
export async function signInWithTotp(info: BenchIdpInfo, pool: AccountPool): ReturnType<typeof signIn> {
  const account = await pool.take();
  const staff = info.totpStaff[account]!;
  let step = pool.step();
  try {
    return await signIn(info, staff.email, () => {
      step = pool.step();
      return totp(staff.secret, Math.floor(fastNow(pool.epoch) / 1000), PARAMS);
    });
  } finally {
    pool.release(account, step);
  }
}

export interface Measured {
  count: number;
  ms: number;
  latencies: number[];
  /** CPU time of the IdP process (event loop, libuv pool with the password hashes), µs. */
  cpuMicros: number;
}

/** CONCURRENCY loops of `one()` for `seconds`; `serverCpu()` reads the IdP process's CPU time (µs). */
export async function drive(
  seconds: number,
  one: () => Promise<void>,
  serverCpu: () => Promise<number>,
): Promise<Measured> {
  const latencies: number[] = [];
  const cpuBefore = await serverCpu();
  const start = performance.now();
  const end = start + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await one();
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  const ms = performance.now() - start;
  return { count: latencies.length, ms, latencies, cpuMicros: (await serverCpu()) - cpuBefore };
}

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

/**
 * Runs both scenarios in alternating rounds (so background load hits both alike), `seconds` per
 * scenario in total (default 12), after a warm-up; returns the table rows.
 */
export async function runSignInBench(seconds = 12): Promise<Row[]> {
  const idp = await startIdpProcess();
  const serverCpu = async () => (await idp.usage()).cpuMicros;
  try {
    const { info, epoch } = idp;
    const pool = new AccountPool(info.totpStaff.length, epoch);
    let plainNext = 0;
    const acrs = { '1fa': new Set<unknown>(), '2fa': new Set<unknown>() };
    const twoStep = async () => {
      const tokens = await signInWithTotp(info, pool);
      acrs['2fa'].add(idTokenClaims(tokens.id_token).acr);
    };
    const plain = async () => {
      const staff = info.plainStaff[plainNext++ % info.plainStaff.length]!;
      const tokens = await signIn(info, staff.email, undefined);
      acrs['1fa'].add(idTokenClaims(tokens.id_token).acr);
    };

    await drive(1, plain, serverCpu);
    await drive(1, twoStep, serverCpu);
    // Alternating rounds: background load hits both alike; the overhead is the median of the rounds'.
    const rounds = 6;
    const totals = { plain: [] as Measured[], twoStep: [] as Measured[] };
    const overheads: number[] = [];
    const timeOverheads: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const a = await drive(seconds / rounds, plain, serverCpu);
      const b = await drive(seconds / rounds, twoStep, serverCpu);
      totals.plain.push(a);
      totals.twoStep.push(b);
      // Judged on the server's CPU per sign-in, like the other goals: what 2-Step costs the IdP.
      // Sign-ins/s on this shared machine follow the load generator's share of the CPUs as well.
      overheads.push(b.cpuMicros / b.count / (a.cpuMicros / a.count) - 1);
      timeOverheads.push(a.count / a.ms / (b.count / b.ms) - 1);
    }
    const sum = (ms: Measured[]) => ({
      perSec: ms.reduce((a, m) => a + m.count, 0) / (ms.reduce((a, m) => a + m.ms, 0) / 1000),
      latencies: ms.flatMap((m) => m.latencies),
      cpuMs: ms.reduce((a, m) => a + m.cpuMicros, 0) / 1000 / ms.reduce((a, m) => a + m.count, 0),
    });
    const p = sum(totals.plain);
    const t = sum(totals.twoStep);
    if (
      [...acrs['1fa']].join() !== 'urn:twostep:loa:1fa' ||
      [...acrs['2fa']].join() !== 'urn:twostep:loa:2fa'
    )
      throw new Error(
        `unexpected acr: ${JSON.stringify({ '1fa': [...acrs['1fa']], '2fa': [...acrs['2fa']] })}`,
      );

    const cost = HASH_SETTING;
    const peakRss = (await idp.usage()).maxRss / 2 ** 20;
    const latency = (l: number[]) =>
      `p50 ${percentile(l, 50).toFixed(1)} ms, p95 ${percentile(l, 95).toFixed(1)} ms`;
    const overhead = percentile(overheads, 50);
    const spread = `rounds ${round(Math.min(...overheads) * 100)}…${round(Math.max(...overheads) * 100)} %`;
    const timeOverhead = percentile(timeOverheads, 50);
    return [
      {
        scenario: 'sign-in, password only (loa:1fa)',
        value: round(p.perSec),
        unit: 'sign-ins/s',
        note: `${CONCURRENCY} parallel, ${cost}; ${latency(p.latencies)}; 5 HTTP requests`,
      },
      {
        scenario: 'sign-in, password + TOTP (loa:2fa)',
        value: round(t.perSec),
        unit: 'sign-ins/s',
        note: `${CONCURRENCY} parallel, ${cost}; ${latency(t.latencies)}; 7 HTTP requests; ${ACCOUNTS} accounts, ${pool.waits} waits for a new TOTP step`,
      },
      {
        scenario: 'server CPU per sign-in, password only',
        value: round(p.cpuMs),
        unit: 'ms',
        note: 'CPU time of the IdP process (event loop + libuv pool with the hash) ÷ complete sign-ins; the load generator is another process',
      },
      {
        scenario: 'server CPU per sign-in, password + TOTP',
        value: round(t.cpuMs),
        unit: 'ms',
        note: `password + authenticator code + code exchange; ${round((t.cpuMs / p.cpuMs - 1) * 100)} % more than password only; goal ≤ ${GOAL_SIGNIN_CPU_MS} ms`,
      },
      {
        scenario: `peak RSS, ${CONCURRENCY} concurrent sign-ins`,
        value: round(peakRss),
        unit: 'MB',
        note: `the IdP process's maxRSS over this whole scenario (seeding ${ACCOUNTS * 2} staff, ${seconds * 2 + 2} s of sign-ins ${CONCURRENCY} at a time); goal ≤ ${GOAL_PEAK_RSS_MB} MB`,
      },
      {
        scenario: 'server CPU 2-Step adds to a sign-in',
        value: round(overhead * 100),
        unit: '%',
        note: `median over ${rounds} alternating rounds of (CPU per 2fa sign-in ÷ CPU per 1fa sign-in − 1), ${spread}; goal < ${GOAL_OVERHEAD * 100} % — ${overhead < GOAL_OVERHEAD ? 'met' : 'NOT met'}; in time (1fa/s ÷ 2fa/s − 1, not judged): ${round(timeOverhead * 100)} %; IdP in its own process, ${availableParallelism()} CPUs`,
      },
    ];
  } finally {
    await idp.stop();
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

if (import.meta.main) {
  const seconds = Number(process.argv[2] ?? 12);
  console.table(await runSignInBench(seconds));
}
