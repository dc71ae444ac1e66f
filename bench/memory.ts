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
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
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

/** One point of the RSS curve over the sign-ins on MongoDB. */
export interface CurvePoint {
  signIns: number;
  seconds: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/**
 * Sign-ins against an IdP whose stores and oidc-provider adapter are on MongoDB (FerretDB started by
 * the bench, or MONGODB_URI): sessions live in the database, so RSS must stay flat. Stops after
 * `sessions` sign-ins, or at `deadline` (ms, performance.now()) if that comes first; RSS (after GC) is
 * read after the first tenth, every `every` sign-ins when given, and at the end.
 */
interface MongoRun {
  label: string;
  /** Sign-ins before the first reading (a tenth of those asked for). */
  warm: number;
  done: number;
  seconds: number;
  first: MemorySample;
  last: MemorySample;
  peak: number;
  curve: CurvePoint[];
  /** Sign-ins that failed (only counted with `tolerateFailures`) and the first error. */
  failed: number;
  firstError: string | undefined;
}

async function mongoSignIns(
  sessions: number,
  options: {
    every?: number;
    deadline?: number;
    /** Count a failed sign-in and go on (the long run: a store call past its timeout is a 503). */
    tolerateFailures?: boolean;
    onPoint?: (curve: CurvePoint[]) => void;
  } = {},
): Promise<MongoRun | { skipped: string }> {
  const server = mongoServer();
  if ('skip' in server) return { skipped: server.skip };
  const dbName = `twostep_bench_memory_${process.pid}`;
  const idp = await startIdpProcess({
    totpAccounts: 0,
    plainAccounts: ACCOUNTS,
    mongo: { uri: server.uri, dbName },
  });
  try {
    const { info } = idp;
    let started = 0;
    let done = 0;
    let failed = 0;
    let firstError: string | undefined;
    const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    const signInUntil = async (total: number) => {
      const loop = async () => {
        while (started < total && performance.now() < deadline) {
          const staff = info.plainStaff[started++ % info.plainStaff.length]!;
          try {
            await authorize(info, staff.email, undefined);
            done++;
          } catch (error) {
            if (!options.tolerateFailures || failed >= 100) throw error;
            failed++;
            firstError ??= error instanceof Error ? error.message.split('\n')[0] : String(error);
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, loop));
    };
    const t0 = performance.now();
    const curve: CurvePoint[] = [];
    const point = async () => {
      const m = await idp.memory();
      curve.push({
        signIns: done,
        seconds: (performance.now() - t0) / 1000,
        rss: m.rss,
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        external: m.external,
      });
      options.onPoint?.(curve);
      return m;
    };
    const warm = Math.round(sessions / 10);
    await signInUntil(warm);
    const first = await point();
    const every = options.every ?? sessions;
    for (let next = warm + every; ; next += every) {
      await signInUntil(Math.min(next, sessions));
      if (done >= sessions || performance.now() >= deadline) break;
      await point();
    }
    const seconds = (performance.now() - t0) / 1000;
    const last = await point();
    const peak = (await idp.usage()).maxRss;
    return {
      label: server.label,
      warm: curve[0]!.signIns,
      done,
      seconds,
      first,
      last,
      peak,
      curve,
      failed,
      firstError,
    };
  } finally {
    await idp.stop();
    server.stop();
  }
}

/** The MongoDB rows: RSS after the first tenth and after all sign-ins (flat?), peak RSS. */
function mongoRows(r: MongoRun): Row[] {
  const ratio = r.last.rss / r.first.rss;
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    {
      scenario: `MongoDB store: RSS after ${n(r.warm)} sign-ins`,
      value: round(r.first.rss / 2 ** 20),
      unit: 'MB',
      note: `${r.label}; password-only sign-ins over HTTP, ${CONCURRENCY} parallel, ${round(r.done / r.seconds)}/s; ${HASH_SETTING}; after GC`,
    },
    {
      scenario: `MongoDB store: RSS after ${n(r.done)} sign-ins`,
      value: round(r.last.rss / 2 ** 20),
      unit: 'MB',
      note: `${round(ratio)}× the RSS after ${n(r.warm)}; heapUsed ${mb(r.last.heapUsed)}; goal flat, ≤ ${GOAL_FLAT_RATIO}× — ${ratio <= GOAL_FLAT_RATIO ? 'met' : 'NOT met'}`,
    },
    {
      scenario: `MongoDB store: peak RSS over ${n(r.done)} sign-ins, ${CONCURRENCY} at a time`,
      value: round(r.peak / 2 ** 20),
      unit: 'MB',
      note: `maxRSS of the IdP process; goal ≤ ${GOAL_PEAK_RSS_MB} MB — ${r.peak / 2 ** 20 <= GOAL_PEAK_RSS_MB ? 'met' : 'NOT met'}`,
    },
  ];
}

export async function runMongoMemoryBench(sessions = 10_000): Promise<Row[]> {
  const result = await mongoSignIns(sessions);
  if ('skipped' in result)
    return [
      { scenario: 'MongoDB store: RSS after sign-ins', value: Number.NaN, unit: 'MB', note: result.skipped },
    ];
  return mongoRows(result);
}

/** Where the long MongoDB run writes its table and RSS curve; run.ts copies it into RESULTS.md. */
export const LONG_RESULTS = fileURLToPath(new URL('./RESULTS-mongo-long.md', import.meta.url));

/**
 * The long run on MongoDB, run once on its own (about an hour on FerretDB here):
 * `node --conditions=@twostep/source bench/memory.ts mongo-long [sign-ins] [minutes]`. The same
 * sign-ins as `mongo-memory` up to 10,000, or until the time budget ends (what was run is said),
 * with RSS after GC every 250 sign-ins after the first tenth, written to RESULTS-mongo-long.md at
 * every reading (a run that stops early keeps its curve); failed sign-ins are counted, not fatal.
 */
export async function runMongoLongBench(sessions = 10_000, minutes = 60): Promise<Row[]> {
  const started = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const command = `\`node --conditions=@twostep/source bench/memory.ts mongo-long ${sessions} ${minutes}\``;
  const curveLines = (curve: CurvePoint[]) => [
    'RSS of the IdP process after GC along the run:',
    '',
    '| sign-ins | seconds | RSS MB | heapUsed MB | heapTotal MB | external MB |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...curve.map(
      (p) =>
        `| ${p.signIns.toLocaleString('en-US')} | ${Math.round(p.seconds)} | ${round(p.rss / 2 ** 20)} | ${round(p.heapUsed / 2 ** 20)} | ${round(p.heapTotal / 2 ** 20)} | ${round(p.external / 2 ** 20)} |`,
    ),
    '',
  ];
  const write = (lines: string[]) =>
    writeFileSync(
      LONG_RESULTS,
      [`## Long run on MongoDB (${started}, separate from the table above)`, '', ...lines].join('\n'),
    );
  // Written at every reading, so a run that stops early still leaves its curve.
  const result = await mongoSignIns(sessions, {
    every: 250,
    deadline: performance.now() + minutes * 60_000,
    tolerateFailures: true,
    onPoint: (curve) =>
      write([`${command}: in progress (or stopped) after the last reading below.`, '', ...curveLines(curve)]),
  });
  if ('skipped' in result) throw new Error(result.skipped);
  const rows = mongoRows(result);
  const n = (x: number) => x.toLocaleString('en-US');
  const stopped =
    result.done < sessions
      ? `**${n(result.done)} of the ${n(sessions)} sign-ins asked for**: the ${minutes}-minute budget ended first`
      : `all ${n(sessions)} sign-ins`;
  const failures =
    result.failed === 0
      ? 'no sign-in failed'
      : `${n(result.failed)} sign-ins failed and were not counted (first: ${result.firstError})`;
  write([
    `${command}: ${stopped}, ${round(result.done / result.seconds)} sign-ins/s, ${failures}; ${result.label}; load average at the end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}.`,
    '',
    '| scenario | value | unit | note |',
    '| --- | ---: | --- | --- |',
    ...rows.map((r) => `| ${r.scenario} | ${r.value} | ${r.unit} | ${r.note} |`),
    '',
    ...curveLines(result.curve),
  ]);
  return rows;
}

const round = (n: number) => Math.round(n * 10) / 10;

if (import.meta.main) {
  const sessions = Number(process.argv[3] ?? 10_000);
  const mode = process.argv[2];
  console.table(
    await (mode === 'mongo-long'
      ? runMongoLongBench(sessions, Number(process.argv[4] ?? 60))
      : mode === 'mongo'
        ? runMongoMemoryBench(sessions)
        : runMemoryBench(sessions)),
  );
}
