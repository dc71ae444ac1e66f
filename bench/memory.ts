// Resident memory (RSS) of an idle twostep IdP process and after SESSIONS SSO sessions.
//
//   node --conditions=@twostep/source bench/memory.ts [sessions]
//
// The IdP of signin.ts (memory stores, oidc-provider state in an unlimited Map adapter) runs in a
// child process (memory-idp.ts); RSS is per process, so this process's load generator is not in it.
// Each session is a real sign-in over HTTP with a fresh cookie jar: password-only staff of a clinic
// not enforcing 2-Step, stopped at the redirect to the redirect_uri with a code (no token exchange).
// What a session leaves behind: the oidc-provider Session, Grant, Interaction and unredeemed
// AuthorizationCode entries, and the core's audit events for the sign-in. Memory is read after two
// full GCs in the child. Bytes per session = (RSS after − idle RSS) ÷ sessions, so they include the
// one-time costs of the first sign-ins (lazy loading, JIT code) and the V8 heap reserve and allocator
// pages the process keeps; the live JS heap per session (heapUsed) is in the note.
// The issue sets no goal here: the numbers are for capacity planning.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Row } from './row.ts';
import { authorize, CONCURRENCY, GOAL_PEAK_RSS_MB, HASH_SETTING } from './signin.ts';
import { mongoServer } from './store.ts';
import { type MemorySample, startIdpProcess } from './memory-idp.ts';

export type { Row };

/** Goal: resident memory of an idle IdP process, MB. */
export const GOAL_IDLE_RSS_MB = 100;
/** Accounts signed in round-robin: each sign-in is a new browser, so a new session. */
const ACCOUNTS = 50;

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

const repo = fileURLToPath(new URL('..', import.meta.url));

/** The packages' dist/ JavaScript, as production runs it (type stripping alone adds about 17 MB). */
function build(): void {
  execFileSync(
    process.execPath,
    [join(repo, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
    {
      cwd: repo,
      stdio: 'inherit',
    },
  );
}

/** RSS of bench/idle-idp.mjs: createIdp with memory stores from dist/, as an app embedding it runs. */
function idleBuilt(): { rss: number; heapUsed: number; heapTotal: number; external: number } {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(new URL('./idle-idp.mjs', import.meta.url))],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

/**
 * RSS of the server operators run: `twostep serve` from packages/server/dist (no flags of ours),
 * `--dev` for the memory store and generated keys, with JSON logs and /metrics as in production.
 * After its start it answers one discovery request (a health check's worth); RSS is read from /proc
 * one second later, with no GC forced from outside.
 */
async function idleServe(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'twostep-bench-serve-'));
  const child = spawn(
    process.execPath,
    [
      join(repo, 'packages/server/dist/main.js'),
      'serve',
      '--dev',
      '--listen-port',
      '0',
      '--log-format',
      'json',
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  try {
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        const listening = /listening on (http:\/\/[^ ,)]+)/.exec(stderr);
        if (listening) resolve(listening[1]!);
      });
      child.once('exit', (code) =>
        reject(new Error(`twostep serve exited (${code}): ${stderr.slice(-500)}`)),
      );
    });
    await new Promise<void>((resolve, reject) =>
      httpGet(`${url}/.well-known/openid-configuration`, (res) => res.resume().on('end', resolve)).on(
        'error',
        reject,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runMemoryBench(sessions = 10_000): Promise<Row[]> {
  if (!(sessions > 0)) throw new Error('sessions must be positive');
  build();
  const serve = await idleServe();
  const built = idleBuilt();
  const idp = await startIdpProcess({
    totpAccounts: 0,
    plainAccounts: ACCOUNTS,
  });
  try {
    const { info } = idp;
    const idle = await idp.memory();
    let started = 0;
    const loop = async () => {
      while (started < sessions) {
        const staff = info.plainStaff[started++ % info.plainStaff.length]!;
        await authorize(info, staff.email, undefined);
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, loop));
    const seconds = (performance.now() - start) / 1000;
    const after = await idp.memory();
    const perSession = (after.rss - idle.rss) / sessions;
    const heapPerSession = (after.heapUsed - idle.heapUsed) / sessions;
    const heap = (s: MemorySample) =>
      `heapUsed ${mb(s.heapUsed)} of ${mb(s.heapTotal)}, external ${mb(s.external)}`;
    const cost = HASH_SETTING;
    return [
      {
        scenario: 'IdP process RSS, idle, `twostep serve`',
        value: round(serve / 2 ** 20),
        unit: 'MB',
        note: `the built server (packages/server/dist), memory store (--dev), JSON logs and /metrics, one discovery request, 1 s later; goal ≤ ${GOAL_IDLE_RSS_MB} MB`,
      },
      {
        scenario: 'IdP process RSS, idle, createIdp in an app, built JavaScript',
        value: round(built.rss / 2 ** 20),
        unit: 'MB',
        note: `bench/idle-idp.mjs: createIdp with memory stores from the packages' dist/, listening, one discovery request; ${heap(built as MemorySample)}; after two plain GCs (not serve's start-up collection)`,
      },
      {
        scenario: 'IdP process RSS, idle (bench IdP, TypeScript sources)',
        value: round(idle.rss / 2 ** 20),
        unit: 'MB',
        note: `seeded (${ACCOUNTS} staff), listening, no sign-in yet; ${heap(idle)}; after GC`,
      },
      {
        scenario: `IdP process RSS after ${sessions.toLocaleString('en-US')} sessions`,
        value: round(after.rss / 2 ** 20),
        unit: 'MB',
        note: `${sessions.toLocaleString('en-US')} password-only sign-ins over HTTP, ${CONCURRENCY} parallel, ${round(sessions / seconds)}/s; ${cost}; ${heap(after)}; after GC`,
      },
      {
        scenario: 'memory per session (RSS)',
        value: Math.round(perSession),
        unit: 'bytes',
        note: `(RSS after − idle RSS) ÷ ${sessions.toLocaleString('en-US')}; live JS heap ${Math.round(heapPerSession).toLocaleString('en-US')} B/session (heapUsed after GC), the rest is V8 heap reserve and allocator pages; no goal in the issue`,
      },
    ];
  } finally {
    await idp.stop();
  }
}

/** Goal: RSS after all sessions within this × RSS after the first tenth (warmed up), on MongoDB. */
export const GOAL_FLAT_RATIO = 1.2;

/**
 * The same sign-ins against an IdP whose stores and oidc-provider adapter are on MongoDB (FerretDB
 * started by the bench, or MONGODB_URI): sessions live in the database, so RSS must stay flat.
 */
export async function runMongoMemoryBench(sessions = 10_000): Promise<Row[]> {
  const server = mongoServer();
  if ('skip' in server)
    return [
      { scenario: 'MongoDB store: RSS after sign-ins', value: Number.NaN, unit: 'MB', note: server.skip },
    ];
  const dbName = `twostep_bench_memory_${process.pid}`;
  const idp = await startIdpProcess({
    totpAccounts: 0,
    plainAccounts: ACCOUNTS,
    mongo: { uri: server.uri, dbName },
  });
  try {
    const { info } = idp;
    let started = 0;
    const signInUntil = async (total: number) => {
      const loop = async () => {
        while (started < total) {
          const staff = info.plainStaff[started++ % info.plainStaff.length]!;
          await authorize(info, staff.email, undefined);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, loop));
    };
    const warm = Math.round(sessions / 10);
    const t0 = performance.now();
    await signInUntil(warm);
    const first = await idp.memory();
    await signInUntil(sessions);
    const perSec = sessions / ((performance.now() - t0) / 1000);
    const last = await idp.memory();
    const peak = (await idp.usage()).maxRss;
    const ratio = last.rss / first.rss;
    const n = (x: number) => x.toLocaleString('en-US');
    return [
      {
        scenario: `MongoDB store: RSS after ${n(warm)} sign-ins`,
        value: round(first.rss / 2 ** 20),
        unit: 'MB',
        note: `${server.label}; password-only sign-ins over HTTP, ${CONCURRENCY} parallel, ${round(perSec)}/s; ${HASH_SETTING}; after GC`,
      },
      {
        scenario: `MongoDB store: RSS after ${n(sessions)} sign-ins`,
        value: round(last.rss / 2 ** 20),
        unit: 'MB',
        note: `${round(ratio)}× the RSS after ${n(warm)}; heapUsed ${mb(last.heapUsed)}; goal flat, ≤ ${GOAL_FLAT_RATIO}× — ${ratio <= GOAL_FLAT_RATIO ? 'met' : 'NOT met'}`,
      },
      {
        scenario: `MongoDB store: peak RSS over ${n(sessions)} sign-ins, ${CONCURRENCY} at a time`,
        value: round(peak / 2 ** 20),
        unit: 'MB',
        note: `maxRSS of the IdP process; goal ≤ ${GOAL_PEAK_RSS_MB} MB — ${peak / 2 ** 20 <= GOAL_PEAK_RSS_MB ? 'met' : 'NOT met'}`,
      },
    ];
  } finally {
    await idp.stop();
    server.stop();
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

if (import.meta.main) {
  const sessions = Number(process.argv[3] ?? 10_000);
  console.table(
    await (process.argv[2] === 'mongo' ? runMongoMemoryBench(sessions) : runMemoryBench(sessions)),
  );
}
