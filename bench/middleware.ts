// Requests/s on an Express route behind requireStepUp (for a user who already
// satisfies it) next to the same route with no middleware, in one run.
// The session is real: a sign-in through an oidc-provider test IdP at loa:2fa.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import express from 'express';
import { requireStepUp, twostep } from '@twostep/express-mfa';
import { ACR_2FA, startIdp } from '../packages/express-mfa/test/fixtures/idp.ts';
import { listen } from '../packages/express-mfa/test/fixtures/listen.ts';
import { Browser } from '../packages/express-mfa/test/helpers.ts';

export interface Row {
  scenario: string;
  value: number;
  unit: string;
  note: string;
  /** Guarded ÷ bare (median of the rounds' ratios), on the guarded row. */
  ratio?: number;
}

const execFileAsync = promisify(execFile);
const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/** Requests/s, and the server's CPU time per request (this process serves; autocannon runs in its own). */
async function measure(
  url: string,
  cookie: string,
  seconds: number,
): Promise<{ rps: number; cpuMicros: number }> {
  const cpuBefore = process.cpuUsage();
  const { stdout } = await execFileAsync(process.execPath, [
    autocannonBin,
    '--json',
    '-c',
    '20',
    '-d',
    String(seconds),
    '-H',
    `cookie=${cookie}`,
    '-H',
    'accept=text/html',
    '-H',
    'sec-fetch-mode=navigate',
    url,
  ]);
  const cpu = process.cpuUsage(cpuBefore);
  const result = JSON.parse(stdout) as {
    non2xx: number;
    errors: number;
    requests: { average: number; total: number };
  };
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, cpuMicros: (cpu.user + cpu.system) / result.requests.total };
}

export async function runMiddlewareBench(seconds = 15): Promise<Row[]> {
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
  const mw = twostep({
    issuer: idp.issuer,
    clientId: 'bench',
    clientSecret: secret,
    redirectUri,
    session: { secret: 'bench-session-secret-0123456789abcdefghij' },
  });
  const app = express();
  app.get('/bare', (_req, res) => {
    res.json({ page: 'chart' });
  });
  app.use(mw);
  app.get('/chart', requireStepUp({ maxAge: 600 }), (_req, res) => {
    res.json({ page: 'chart' });
  });
  rp.use(app);
  try {
    idp.nextLogin = { sub: 'bench-user', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] };
    const browser = new Browser();
    const page = await browser.follow(`${rp.url}/chart`);
    if (page.status !== 200) throw new Error(`sign-in for the bench failed: ${page.status}`);
    const cookie = `twostep=${browser.cookie(rp.url, 'twostep')}`;
    // Warm both routes up (JIT), then alternate rounds, each starting with the other route, so a burst
    // of load from elsewhere on the machine hits both alike; the ratio is the median of the rounds' ratios.
    // Everything stays within the session's 60 s touch interval, so the cookie is never re-issued.
    await measure(`${rp.url}/bare`, cookie, 1);
    await measure(`${rp.url}/chart`, cookie, 1);
    const rounds = 5;
    const perRound = Math.max(1, Math.round(seconds / rounds));
    const bare: { rps: number; cpuMicros: number }[] = [];
    const guarded: { rps: number; cpuMicros: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        bare.push(await measure(`${rp.url}/bare`, cookie, perRound));
        guarded.push(await measure(`${rp.url}/chart`, cookie, perRound));
      } else {
        guarded.push(await measure(`${rp.url}/chart`, cookie, perRound));
        bare.push(await measure(`${rp.url}/bare`, cookie, perRound));
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const ratios = bare.map((b, i) => guarded[i]!.rps / b.rps);
    const shown = (r: number) => `${(r * 100).toFixed(0)}%`;
    const cpuBare = median(bare.map((m) => m.cpuMicros));
    const cpuGuarded = median(guarded.map((m) => m.cpuMicros));
    return [
      {
        scenario: 'bare Express route',
        value: median(bare.map((m) => m.rps)),
        unit: 'req/s',
        note: `median of ${rounds} rounds; server CPU ${cpuBare.toFixed(0)} µs/request`,
      },
      {
        scenario: 'same route behind requireStepUp',
        value: median(guarded.map((m) => m.rps)),
        unit: 'req/s',
        ratio: median(ratios),
        note:
          `${shown(median(ratios))} of bare (median of ${rounds} alternating rounds: ${ratios.map(shown).join(', ')}; ` +
          `goal ≥ 90%); server CPU ${cpuGuarded.toFixed(0)} µs/request = ${shown(cpuBare / cpuGuarded)} of bare's throughput per CPU`,
      },
    ];
  } finally {
    await rp.close();
    await idp.close();
  }
}

if (import.meta.main) {
  const rows = await runMiddlewareBench();
  console.table(rows);
}
