// What logs and metrics cost on a complete sign-in: the same IdP (bench/signin.ts: memory stores,
// argon2id at the default, authorization request → password → code exchange over HTTP, 5 requests), once bare
// and once with `log` (pino
// JSON at info, every line serialised and written to /dev/null: access log, audit events) and
// `metrics` (prom-client: HTTP histogram, store call timings, counters, process metrics).
//
//   node --conditions=@twostep/source bench/ops.ts [seconds]
//
// Both IdPs run in child processes side by side (memory-idp.ts); rounds alternate between them so
// background load hits both alike. Goal: under 5 % more CPU per sign-in (the driven IdP process's CPU
// ÷ sign-ins, the median of the
// rounds' ratios: steadier than sign-ins/s on a shared machine; the time ratio is in the note).
// Password-only staff: the TOTP sign-ins of signin.ts depend on the IdP's fast clock, and on this
// shared machine a slow request now and then lands outside the code's window (a 400), which would
// end the run. Per request and per audit event the cost is the same.
import { availableParallelism } from 'node:os';
import type { Row } from './row.ts';
import { startIdpProcess } from './memory-idp.ts';
import { drive, type Measured, percentile, signIn } from './signin.ts';

/** Goal: logs + metrics add less than this to the CPU time of a sign-in. */
export const GOAL_OPS_OVERHEAD = 0.05;

const round = (n: number) => Math.round(n * 10) / 10;
const cpuPerSignIn = (m: Measured) => m.cpuMicros / 1000 / m.count;

export async function runOpsBench(seconds = 12): Promise<Row[]> {
  const bare = await startIdpProcess();
  const observed = await startIdpProcess({ observability: true });
  const cpuOf = (which: 'bare' | 'observed') => async () =>
    (await (which === 'bare' ? bare : observed).usage()).cpuMicros;
  try {
    let next = 0;
    const one = (which: 'bare' | 'observed') => async () => {
      const { info } = which === 'bare' ? bare : observed;
      const staff = info.plainStaff[next++ % info.plainStaff.length]!;
      await signIn(info, staff.email, undefined);
    };
    await drive(1, one('bare'), cpuOf('bare'));
    await drive(1, one('observed'), cpuOf('observed'));
    const rounds = 12;
    const cpuRatios: number[] = [];
    const timeRatios: number[] = [];
    const all = { bare: [] as Measured[], observed: [] as Measured[] };
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so neither always follows the other's garbage.
      const order = r % 2 === 0 ? (['bare', 'observed'] as const) : (['observed', 'bare'] as const);
      const got: Partial<Record<'bare' | 'observed', Measured>> = {};
      for (const which of order) got[which] = await drive(seconds / rounds / 2, one(which), cpuOf(which));
      all.bare.push(got.bare!);
      all.observed.push(got.observed!);
      cpuRatios.push(cpuPerSignIn(got.observed!) / cpuPerSignIn(got.bare!) - 1);
      timeRatios.push(got.bare!.count / got.bare!.ms / (got.observed!.count / got.observed!.ms) - 1);
    }
    const total = (ms: Measured[]) => ({
      perSec: ms.reduce((a, m) => a + m.count, 0) / (ms.reduce((a, m) => a + m.ms, 0) / 1000),
      cpuMs: ms.reduce((a, m) => a + m.cpuMicros, 0) / 1000 / ms.reduce((a, m) => a + m.count, 0),
    });
    const b = total(all.bare);
    const o = total(all.observed);
    const overhead = percentile(cpuRatios, 50);
    const spread = `rounds ${round(Math.min(...cpuRatios) * 100)}…${round(Math.max(...cpuRatios) * 100)} %`;
    return [
      {
        scenario: 'ops: CPU per sign-in, no logs or metrics',
        value: round(b.cpuMs),
        unit: 'ms',
        note: `password sign-in + code exchange (5 requests); ${round(b.perSec)} sign-ins/s`,
      },
      {
        scenario: 'ops: CPU per sign-in, JSON logs + metrics',
        value: round(o.cpuMs),
        unit: 'ms',
        note: `pino at info to /dev/null, prom-client with process metrics; ${round(o.perSec)} sign-ins/s`,
      },
      {
        scenario: 'ops: CPU logs + metrics add to a sign-in',
        value: round(overhead * 100),
        unit: '%',
        note: `median over ${rounds} alternating rounds, ${spread}; time per sign-in ${round(percentile(timeRatios, 50) * 100)} % (median); goal < ${GOAL_OPS_OVERHEAD * 100} % — ${overhead < GOAL_OPS_OVERHEAD ? 'met' : 'NOT met'}; ${availableParallelism()} CPUs`,
      },
    ];
  } finally {
    await bare.stop();
    await observed.stop();
  }
}

if (import.meta.main) {
  console.table(await runOpsBench(Number(process.argv[2] ?? 12)));
}
