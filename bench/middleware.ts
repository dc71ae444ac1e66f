// Requests/s on an Express route behind requireStepUp (for a user who already
// satisfies it) next to the same route with no middleware, in one run.
// The session is real: a sign-in through an oidc-provider test IdP at loa:2fa.
import { execFile, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import express from 'express';
import { requireStepUp, twostep } from '@twostep/express-mfa';
import { ACR_2FA, startIdp } from '../packages/express-mfa/test/fixtures/idp.ts';
import { listen } from '../packages/express-mfa/test/fixtures/listen.ts';
import { Browser } from '../packages/express-mfa/test/helpers.ts';
import type { Row as BenchRow } from './row.ts';

export interface Row extends BenchRow {
  /** Bare ÷ guarded server CPU per request (median of the rounds' ratios), on the guarded row. */
  ratio?: number;
  /** False when the machine was too unsteady to judge the ratio (see MAX_SPREAD). */
  steady?: boolean;
}

const SESSION_SECRET = 'bench-session-secret-0123456789abcdefghij';
/** Largest spread (middle rounds, as a share of the median) of a route's server CPU per request for a run to count. */
const MAX_SPREAD = 0.15;
const ATTEMPTS = 3;
const execFileAsync = promisify(execFile);
const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

type Usage = { rps: number; cpuMicros: number };
const routes = ['bare', 'noop', 'guarded'] as const;
type Route = (typeof routes)[number];

/** The server under test: its own process, so earlier bench scenarios' heap and JIT state do not weigh on it. */
interface Server {
  /** Each route variant is its own app on its own port, all at `/chart`: one route per app, as in a clinic app. */
  urls: Record<Route, string>;
  /** Signs in again and returns the new session cookie (`twostep=…`). */
  signIn(): Promise<string>;
  cpuMicros(): Promise<number>;
  stop(): void;
}

async function startServer(): Promise<Server> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    execArgv: ['--conditions=@twostep/source'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const urls = await new Promise<Record<Route, string>>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Record<Route, string>));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const ask = <T>(question: 'cpu' | 'sign-in'): Promise<T> =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve(m as T));
      child.send(question);
    });
  return {
    urls,
    signIn: () => ask<string>('sign-in'),
    cpuMicros: () => ask<number>('cpu'),
    stop: () => child.disconnect(),
  };
}

/** Requests/s, and the server's CPU time per request (autocannon runs in a process of its own too). */
async function measure(
  server: Server,
  cookie: string,
  route: Route,
  seconds: number,
  rate?: number,
): Promise<Usage> {
  const cpuBefore = await server.cpuMicros();
  const { stdout } = await execFileAsync(process.execPath, [
    autocannonBin,
    '--json',
    '-c',
    '20',
    ...(rate === undefined ? [] : ['--overallRate', String(rate)]),
    '-d',
    String(seconds),
    '-H',
    `cookie=${cookie}`,
    '-H',
    'accept=text/html',
    '-H',
    'sec-fetch-mode=navigate',
    `${server.urls[route]}/chart`,
  ]);
  const cpu = (await server.cpuMicros()) - cpuBefore;
  const result = JSON.parse(stdout) as {
    non2xx: number;
    errors: number;
    requests: { average: number; total: number };
  };
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${route}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, cpuMicros: cpu / result.requests.total };
}

export async function runMiddlewareBench(seconds = 21): Promise<Row[]> {
  const server = await startServer();
  try {
    // A fresh sign-in per round keeps every round inside the session's one-minute touch interval
    // (autocannon cannot take the re-issued cookie a browser would), so no request rewrites the cookie.
    const warm: Usage[] = [];
    for (const route of routes) warm.push(await measure(server, await server.signIn(), route, 1)); // JIT warm-up
    // Every round runs at one fixed request rate, half of what the slowest route managed in the warm-up:
    // the server's CPU per request falls as throughput rises (more requests per wake-up and write), so
    // routes compared at different rates would differ by the load generator's luck, not by their work.
    const rate = Math.round(Math.min(...warm.map((w) => w.rps)) / 2);
    const round = async (route: Route, seconds: number) =>
      measure(server, await server.signIn(), route, seconds, rate);
    // Rounds rotate which route goes first, so load from elsewhere on the machine hits all alike. Each
    // round's ratio compares measurements taken moments apart; the goal is judged on the median of those
    // paired ratios, which a disturbed round (on this shared VM, up to half its throughput) cannot sway.
    const rounds = 7;
    const perRound = Math.max(1, Math.round(seconds / rounds));
    const measureRounds = async () => {
      const runs: Record<Route, Usage[]> = { bare: [], noop: [], guarded: [] };
      for (let i = 0; i < rounds; i++) {
        for (let j = 0; j < routes.length; j++) {
          const route = routes[(i + j) % routes.length]!;
          runs[route].push(await round(route, perRound));
        }
      }
      return runs;
    };
    // A run counts only if the machine held still: for every route, the rounds other than its best and
    // worst agree within MAX_SPREAD. This looks at each route alone, never at the ratio being judged.
    // An unsteady run is measured again, up to ATTEMPTS times; if none is steady the goal is not met.
    const spreadOf = (usages: Usage[]) => {
      const sorted = usages.map((u) => u.cpuMicros).sort((a, b) => a - b);
      return (sorted.at(-2)! - sorted[1]!) / sorted[Math.floor(sorted.length / 2)]!;
    };
    let runs = await measureRounds();
    let attempt = 1;
    const spread = () => Math.max(...routes.map((r) => spreadOf(runs[r])));
    while (spread() > MAX_SPREAD && attempt < ATTEMPTS) {
      runs = await measureRounds();
      attempt++;
    }
    const steady = spread() <= MAX_SPREAD;
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const shown = (r: number) => `${(r * 100).toFixed(0)}%`;
    // The goal: requests per CPU-second, guarded ÷ bare = the server's CPU per request, bare ÷ guarded
    // (1 = the guard costs nothing), paired round by round.
    const cpuRatiosTo = (route: 'noop' | 'guarded') =>
      runs.bare.map((b, i) => b.cpuMicros / runs[route][i]!.cpuMicros);
    const cpuRatios = cpuRatiosTo('guarded');
    const perCpuSecond = (route: Route) => Math.round(1e6 / median(runs[route].map((m) => m.cpuMicros)));
    const cpu = (route: Route) => median(runs[route].map((m) => m.cpuMicros)).toFixed(1);
    const achieved = (route: Route) =>
      Math.round(median(runs[route].map((m) => m.rps))).toLocaleString('en-US');
    const ratio = median(cpuRatios);
    const ownMicros = await middlewareMicros(server.urls.guarded, await server.signIn());
    return [
      {
        scenario: 'bare Express route',
        value: perCpuSecond('bare'),
        unit: 'req per CPU-s',
        note: `server CPU ${cpu('bare')} µs/request, median of ${rounds} rounds at a fixed ${rate.toLocaleString('en-US')} requests/s (half the warm-up's slowest route; achieved ${achieved('bare')}/s)`,
      },
      {
        scenario: 'same route behind two no-op middlewares',
        value: perCpuSecond('noop'),
        unit: 'req per CPU-s',
        note: `server CPU ${cpu('noop')} µs/request, ${shown(median(cpuRatiosTo('noop')))} of bare's requests per CPU-second (median of the rounds' ratios): what any two Express layers cost`,
      },
      {
        scenario: 'same route behind requireStepUp',
        value: perCpuSecond('guarded'),
        unit: 'req per CPU-s',
        ratio,
        steady,
        note:
          `server CPU ${cpu('guarded')} µs/request: ${shown(ratio)} of bare's requests per CPU-second (median of the rounds' ratios: ${cpuRatios.map(shown).join(', ')}; goal ≥ 95%); ` +
          `achieved ${achieved('guarded')} requests/s; CPU rounds within ${shown(spread())} of each other ` +
          `(${steady ? 'steady' : `NOT steady, limit ${shown(MAX_SPREAD)}: not judged`}), attempt ${attempt} of ${ATTEMPTS}`,
      },
      {
        scenario: 'twostep() + requireStepUp() alone, per request',
        value: ownMicros,
        unit: 'µs',
        note: `called directly (no HTTP, no Express), best of 3 × 200,000; ${shown(ownMicros / Number(cpu('bare')))} of the bare route's server CPU per request (the session's revocation check is part of it)`,
      },
    ];
  } finally {
    server.stop();
  }
}

/** The child: an IdP, the app with its three routes, and a session signed in at loa:2fa through them. */
/**
 * Microseconds that `twostep()` + `requireStepUp()` themselves take per request, called directly
 * (no HTTP, no Express) with the bench's real cookie: steady where requests/s are not.
 */
async function middlewareMicros(appUrl: string, cookie: string): Promise<number> {
  const mw = twostep({
    issuer: 'http://127.0.0.1:9', // never contacted: a signed-in request needs no discovery
    clientId: 'bench',
    clientSecret: 'unused',
    redirectUri: `${appUrl}/auth/callback`,
    session: { secret: SESSION_SECRET },
  });
  const guard = requireStepUp({ maxAge: 600 });
  const header = Buffer.from(cookie);
  // A fresh header string per request, as the HTTP parser makes.
  const request = () =>
    ({
      url: '/chart',
      originalUrl: '/chart',
      method: 'GET',
      headers: { cookie: header.toString() },
    }) as unknown as express.Request;
  const res = {} as express.Response; // a satisfied request writes nothing
  await new Promise<void>((resolve) => mw(request(), res, () => resolve())); // opens the cookie once
  let passed = 0;
  const timed = (withMiddleware: boolean, n: number): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const req = request();
      if (withMiddleware) mw(req, res, () => guard(req, res, () => void passed++));
      else passed++;
    }
    return Number(process.hrtime.bigint() - start) / 1000 / n;
  };
  const n = 200_000;
  timed(true, n); // JIT warm-up
  const costs = [0, 1, 2].map(() => timed(true, n) - timed(false, n));
  if (passed !== 7 * n) throw new Error(`only ${passed} of ${7 * n} requests passed the guard`);
  return Math.min(...costs);
}

async function serve(): Promise<void> {
  const rp = await listen();
  const idpServer = await listen();
  const redirectUri = `${rp.url}/auth/callback`;
  const secret = 'bench-client-secret-0123456789abcdef';
  const idp = await startIdp(
    [
      {
        client_id: 'bench',
        client_secret: secret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    idpServer,
  );
  // One app per variant, each with its one route at /chart, so none sits behind another's layers.
  const page: express.RequestHandler = (_req, res) => {
    res.json({ page: 'chart' });
  };
  const bare = express();
  bare.get('/chart', page);
  const noop: express.RequestHandler = (_req, _res, next) => next();
  const noopApp = express();
  noopApp.get('/chart', noop, noop, page);
  const guarded = express();
  guarded.use(
    twostep({
      issuer: idp.issuer,
      clientId: 'bench',
      clientSecret: secret,
      redirectUri,
      session: { secret: SESSION_SECRET },
    }),
  );
  guarded.get('/chart', requireStepUp({ maxAge: 600 }), page);
  rp.use(guarded);
  const [bareServer, noopServer] = [await listen(), await listen()];
  bareServer.use(bare);
  noopServer.use(noopApp);
  const signIn = async (): Promise<string> => {
    idp.nextLogin = { sub: 'bench-user', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] };
    const browser = new Browser();
    const page = await browser.follow(`${rp.url}/chart`);
    if (page.status !== 200) throw new Error(`sign-in for the bench failed: ${page.status}`);
    return `twostep=${browser.cookie(rp.url, 'twostep')}`;
  };
  process.on('message', async (question) => {
    if (question === 'sign-in') return process.send!(await signIn());
    const { user, system } = process.cpuUsage();
    process.send!(user + system);
  });
  process.on('disconnect', () => process.exit(0));
  const urls: Record<Route, string> = { bare: bareServer.url, noop: noopServer.url, guarded: rp.url };
  process.send!(urls);
}

if (process.argv.includes('--serve')) {
  await serve();
} else if (import.meta.main) {
  const rows = await runMiddlewareBench();
  console.table(rows);
}
