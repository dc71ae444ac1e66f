// Sign-in latency with 1,000 and with 100,000 staff accounts in the store: it should stay flat.
//
//   node --conditions=@twostep/source bench/scale.ts [sign-ins per size]
//
// Two IdP processes (memory-idp.ts: signin.ts's IdP, memory stores, MemoryAdapter) run side by side,
// one per size. Each holds TOTP_ACCOUNTS staff with an authenticator app (the ones that sign in) and
// enough password-only staff, in clinics of 500 and sharing one password hash, to make up the size.
// The measured sign-ins are complete password + TOTP sign-ins over HTTP (authorization request →
// password → code → token exchange), CONCURRENCY at a time, in alternating rounds between the two
// IdPs so that background load hits both alike.
import type { Row } from './row.ts';
import { AccountPool, HASH_SETTING, percentile, signInWithTotp } from './signin.ts';
import { type IdpProcess, startIdpProcess } from './memory-idp.ts';

export type { Row };

export const SIZES = [1_000, 100_000] as const;
const TOTP_ACCOUNTS = 200;
const CONCURRENCY = 4;
const ROUNDS = 6;
const WARM_UP = 30;
/** Goal: flat — p50 at the largest size within this factor of p50 at the smallest. */
export const GOAL_P50_RATIO = 1.25;

interface Target {
  size: number;
  idp: IdpProcess;
  pool: AccountPool;
  seedSeconds: number;
  latencies: number[];
}

async function drive(target: Target, count: number, record: boolean): Promise<void> {
  let left = count;
  const loop = async () => {
    while (left > 0) {
      left--;
      const t0 = performance.now();
      await signInWithTotp(target.idp.info, target.pool);
      if (record) target.latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
}

/** `signIns` measured sign-ins per size (default 300). */
export async function runScaleBench(signIns = 300): Promise<Row[]> {
  const targets: Target[] = [];
  try {
    for (const size of SIZES) {
      const t0 = performance.now();
      const idp = await startIdpProcess({
        totpAccounts: TOTP_ACCOUNTS,
        plainAccounts: 0,
        fillerStaff: size - TOTP_ACCOUNTS,
      });
      targets.push({
        size,
        idp,
        pool: new AccountPool(idp.info.totpStaff.length, idp.epoch),
        seedSeconds: (performance.now() - t0) / 1000,
        latencies: [],
      });
    }
    for (const target of targets) await drive(target, WARM_UP, false);
    for (let r = 0; r < ROUNDS; r++) {
      for (const target of targets) await drive(target, Math.ceil(signIns / ROUNDS), true);
    }
    const small = targets[0]!;
    const large = targets[targets.length - 1]!;
    const p50 = (t: Target) => percentile(t.latencies, 50);
    const p99 = (t: Target) => percentile(t.latencies, 99);
    const ratio50 = p50(large) / p50(small);
    const ratio99 = p99(large) / p99(small);
    const cost = HASH_SETTING;
    const rows: Row[] = [];
    for (const t of targets) {
      const label = `${t.size.toLocaleString('en-US')} staff`;
      const note = `${t.latencies.length} password + TOTP sign-ins, ${CONCURRENCY} parallel, ${ROUNDS} alternating rounds; ${cost}; IdP process started + seeded in ${t.seedSeconds.toFixed(1)} s`;
      rows.push({ scenario: `sign-in p50, ${label}`, value: round(p50(t)), unit: 'ms', note });
      rows.push({ scenario: `sign-in p99, ${label}`, value: round(p99(t)), unit: 'ms', note: '' });
    }
    rows.push({
      scenario: `sign-in latency ${large.size.toLocaleString('en-US')} ÷ ${small.size.toLocaleString('en-US')} staff`,
      value: Math.round(ratio50 * 100) / 100,
      unit: '× (p50)',
      note: `p99 ${ratio99.toFixed(2)}×; goal flat, p50 ≤ ${GOAL_P50_RATIO}× — ${ratio50 <= GOAL_P50_RATIO ? 'met' : 'NOT met'}`,
    });
    return rows;
  } finally {
    await Promise.all(targets.map((t) => t.idp.stop()));
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

if (import.meta.main) {
  console.table(await runScaleBench(Number(process.argv[2] ?? 300)));
}
