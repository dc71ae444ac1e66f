// Every benchmark in sequence, one table: `pnpm bench` (node --conditions=@twostep/source bench/run.ts).
//
//   pnpm bench                       full run; rewrites bench/RESULTS.md
//   pnpm bench --quick               shorter durations, a smoke run (RESULTS.md untouched unless --write)
//   pnpm bench --only signin,scale   these scenarios only (RESULTS.md untouched unless --write)
//
// A scenario that fails becomes a row with its error; the others still run.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { GOAL_FIRST_PAGE_MS, runConsoleBench } from './console.ts';
import { GOAL_RATIO, runCoreBench } from './core.ts';
import { GOAL_IDLE_RSS_MB, LONG_RESULTS, runMemoryBench, runMongoMemoryBench } from './memory.ts';
import { runMiddlewareBench } from './middleware.ts';
import { GOAL_OPS_OVERHEAD, runOpsBench } from './ops.ts';
import { GOAL_P50_RATIO, runScaleBench } from './scale.ts';
import {
  CONCURRENCY,
  GOAL_OVERHEAD,
  GOAL_PEAK_RSS_MB,
  GOAL_SIGNIN_CPU_MS,
  runSignInBench,
} from './signin.ts';
import { GOAL_REFRESH_CPU_MS, runTokenBench } from './tokens.ts';
import type { Row } from './row.ts';

interface Result {
  scenario: string;
  value: string;
  unit: string;
  note: string;
  /** '' when the row has no goal. */
  goal: '' | 'met' | 'NOT met' | 'error' | 'skipped';
  /** The goal in words, for the list under the table. */
  goalText?: string;
}

interface Scenario {
  name: string;
  title: string;
  run(quick: boolean): Promise<Result[]>;
}

const format = (n: number): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: 2 }) : String(n);

const row = (r: Row, goal?: { met: boolean; text: string }): Result => ({
  scenario: r.scenario,
  value: format(r.value),
  unit: r.unit,
  note: r.note,
  goal: goal === undefined ? '' : goal.met ? 'met' : 'NOT met',
  ...(goal === undefined ? {} : { goalText: goal.text }),
});

/** A row of a module whose shape or goals this runner does not know (bench/store.ts). */
function anyRow(raw: unknown): Result {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const value = r.value ?? r.opsPerSec ?? r.perSec;
  const note = [r.ratio === undefined ? '' : `ratio ${String(r.ratio)}`, String(r.note ?? '')]
    .filter(Boolean)
    .join('; ');
  const goal = /not met|misses/i.test(note) ? 'NOT met' : /\bmet\b|meets/i.test(note) ? 'met' : '';
  return {
    scenario: String(r.scenario ?? r.operation ?? r.name ?? 'store'),
    value: typeof value === 'number' ? format(value) : String(value ?? ''),
    unit: String(r.unit ?? (r.opsPerSec === undefined ? '' : 'ops/s')),
    note,
    goal,
    ...(goal === '' ? {} : { goalText: note }),
  };
}

/** Sign-ins in the MongoDB memory scenario, as the issue asks (about 4 minutes on FerretDB here). */
const MONGO_SESSIONS = 10_000;

/** A goal on a row whose value must stay at or under `limit`. */
const atMost = (r: Row, limit: number, what: string) => ({
  met: r.value <= limit,
  text: `${what} ≤ ${format(limit)} ${r.unit} (${format(r.value)} ${r.unit})`,
});

const SCENARIOS: Scenario[] = [
  {
    name: 'core',
    title: 'Core: TOTP verifications/s vs raw HMAC-SHA1/s',
    run: async (quick) =>
      (await runCoreBench(quick ? 0.3 : 1.5)).map((r) => {
        const verify = r.operation.startsWith('verifyTotp');
        return row(
          {
            scenario: `core: ${r.operation}`,
            value: r.opsPerSec,
            unit: 'ops/s',
            note: `${r.ratio}× one HMAC; ${r.note}`,
          },
          verify
            ? {
                met: r.ratio <= GOAL_RATIO,
                text: `${r.operation} within ${GOAL_RATIO} raw HMACs (${r.ratio}×)`,
              }
            : undefined,
        );
      }),
  },
  {
    name: 'middleware',
    title: 'Middleware: requireStepUp vs a bare Express route',
    run: async (quick) => {
      const rows = await runMiddlewareBench(quick ? 7 : 30);
      return rows.map((r) =>
        row(
          {
            scenario: `middleware: ${r.scenario}`,
            unit: r.unit,
            note: r.note,
            value: r.unit === 'µs' ? Number(r.value.toFixed(2)) : Math.round(r.value),
          },
          r.ratio === undefined
            ? undefined
            : {
                met: r.ratio >= 0.95 && r.steady !== false,
                text:
                  r.steady === false
                    ? `a route behind requireStepUp keeps ≥ 95 % of a bare route's efficiency, judged on server CPU per request (machine too unsteady to judge; ${Math.round(r.ratio * 100)} %)`
                    : `a route behind requireStepUp keeps ≥ 95 % of a bare route's efficiency, judged on server CPU per request (${Math.round(r.ratio * 100)} %)`,
              },
        ),
      );
    },
  },
  {
    name: 'signin',
    title: 'Sign-in: password + TOTP vs password only',
    run: async (quick) =>
      (await runSignInBench(quick ? 3 : 12)).map((r) =>
        row(
          { ...r, scenario: `sign-in: ${r.scenario}` },
          r.scenario.startsWith('server CPU 2-Step adds')
            ? {
                met: r.value < GOAL_OVERHEAD * 100,
                text: `2-Step adds < ${GOAL_OVERHEAD * 100} % to a sign-in, judged on server CPU per sign-in (${r.value} %)`,
              }
            : r.scenario === 'server CPU per sign-in, password + TOTP'
              ? atMost(
                  r,
                  GOAL_SIGNIN_CPU_MS,
                  'complete sign-in (password + authenticator code + code exchange), server CPU',
                )
              : r.scenario.startsWith('peak RSS')
                ? atMost(r, GOAL_PEAK_RSS_MB, `peak RSS with ${CONCURRENCY} concurrent sign-ins`)
                : undefined,
        ),
      ),
  },
  {
    name: 'ops',
    title: 'Operations: logs + metrics on a complete sign-in',
    run: async (quick) =>
      (await runOpsBench(quick ? 4 : 48)).map((r) =>
        row(
          r,
          r.scenario.startsWith('ops: CPU logs + metrics add')
            ? {
                met: r.value < GOAL_OPS_OVERHEAD * 100,
                text: `logs + metrics add < ${GOAL_OPS_OVERHEAD * 100} % CPU to a sign-in (${r.value} %)`,
              }
            : undefined,
        ),
      ),
  },
  {
    name: 'tokens',
    title: 'Token endpoint: refresh grants/s, per core',
    run: async (quick) =>
      (await runTokenBench(quick ? 1 : 6)).map((r) =>
        row(
          { ...r, scenario: `tokens: ${r.scenario}` },
          r.scenario.includes('resource')
            ? undefined
            : atMost(r, GOAL_REFRESH_CPU_MS, `${r.scenario.replace('server CPU per ', '')}, server CPU`),
        ),
      ),
  },
  {
    name: 'store',
    title: 'Store: second-factor verifications/s, memory vs mongoose on FerretDB',
    run: async (quick) => {
      const url = new URL('./store.ts', import.meta.url);
      if (!existsSync(url))
        return [
          {
            scenario: 'store: second-factor verifications, memory vs mongoose',
            value: '—',
            unit: '',
            note: 'skipped: bench/store.ts not present',
            goal: 'skipped',
          },
        ];
      const mod = (await import(url.href)) as { runStoreBench?: (seconds?: number) => Promise<unknown[]> };
      if (typeof mod.runStoreBench !== 'function') throw new Error('bench/store.ts exports no runStoreBench');
      const rows = (await mod.runStoreBench(quick ? 1 : undefined)).map(anyRow);
      // memory vs mongoose: each "mongoose store, X" row gets its ratio to "memory store, X".
      const value = (r: Result | undefined) => Number(r?.value.replaceAll(',', ''));
      return rows.map((r) => {
        const memory = rows.find((m) => m.scenario === r.scenario.replace(/^mongoose store/, 'memory store'));
        const ratio = value(memory) / value(r);
        const note =
          r.scenario.startsWith('mongoose store') && Number.isFinite(ratio) && ratio > 0
            ? `memory store ÷ this = ${format(ratio)}×; ${r.note}`
            : r.note;
        const audit = r.unit === '×' && r.goalText !== undefined;
        return {
          ...r,
          scenario: `store: ${r.scenario}`,
          note,
          ...(audit ? { goalText: `audit chain: ${r.scenario} ≤ 1.2× (${r.value}×)` } : {}),
        };
      });
    },
  },
  {
    name: 'memory',
    title: 'Memory: RSS of an idle IdP process and after 10,000 sessions',
    run: async (quick) =>
      (await runMemoryBench(quick ? 1_000 : 10_000)).map((r) =>
        row(
          { ...r, scenario: `memory: ${r.scenario}` },
          r.scenario.startsWith('IdP process RSS, idle, `twostep serve`')
            ? atMost(
                r,
                GOAL_IDLE_RSS_MB,
                'idle resident memory of the server (`twostep serve`, built JavaScript)',
              )
            : undefined,
        ),
      ),
  },
  {
    name: 'mongo-memory',
    title: 'Memory on MongoDB: RSS flat over sign-ins, peak RSS',
    run: async (quick) =>
      (await runMongoMemoryBench(quick ? 200 : MONGO_SESSIONS)).map((r) =>
        row(
          { ...r, scenario: `memory: ${r.scenario}` },
          r.note.includes('goal flat')
            ? {
                met: r.note.endsWith('— met'),
                text: `RSS flat over sign-ins on MongoDB (${r.note.split(';')[0]})`,
              }
            : r.scenario.includes('peak RSS')
              ? atMost(r, GOAL_PEAK_RSS_MB, 'peak RSS on MongoDB, 8 sign-ins at a time')
              : undefined,
        ),
      ),
  },
  {
    name: 'console',
    title: 'Console: the staff list with 2,004 staff',
    run: async (quick) =>
      (await runConsoleBench(quick ? 10 : 40)).map((r) =>
        row(
          r,
          r.scenario.includes('first')
            ? {
                met: r.value <= GOAL_FIRST_PAGE_MS,
                text: `first staff-list page with 2,004 staff within ${GOAL_FIRST_PAGE_MS} ms (${r.value} ms)`,
              }
            : undefined,
        ),
      ),
  },
  {
    name: 'scale',
    title: 'Scale: sign-in latency with 1,000 vs 100,000 staff',
    run: async (quick) =>
      (await runScaleBench(quick ? 60 : 300)).map((r) =>
        row(
          { ...r, scenario: `scale: ${r.scenario}` },
          r.unit.startsWith('×')
            ? {
                met: r.value <= GOAL_P50_RATIO,
                text: `sign-in p50 flat from 1,000 to 100,000 staff, ≤ ${GOAL_P50_RATIO}× (${r.value}×)`,
              }
            : undefined,
        ),
      ),
  },
];

function parseArgs(argv: string[]): { quick: boolean; write: boolean; only: Set<string> | null } {
  let quick = false;
  let write: boolean | null = null;
  let only: Set<string> | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--write') write = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      only = new Set(
        (list ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
      const unknown = [...only].filter((n) => !SCENARIOS.some((s) => s.name === n));
      if (unknown.length > 0 || only.size === 0)
        throw new Error(
          `--only: unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
        );
    } else if (arg === '--help' || arg === '-h') {
      console.log(`usage: pnpm bench [--quick] [--only ${SCENARIOS.map((s) => s.name).join(',')}] [--write]`);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  return { quick, write: write ?? (!quick && only === null), only };
}

function machine(): { date: string; line: string } {
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const line = `${availableParallelism()} cores (os.availableParallelism()), ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
  return { date, line };
}

const COLUMNS = ['scenario', 'value', 'unit', 'note / ratio', 'goal'] as const;
const cells = (r: Result) => [r.scenario, r.value, r.unit, r.note, r.goal || '—'];

function textTable(results: Result[]): string {
  const rows = [COLUMNS as readonly string[], ...results.map(cells)];
  const widths = COLUMNS.map((_, c) => Math.max(...rows.map((r) => [...r[c]!].length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) => (c === 1 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join(' │ ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...rows.slice(1).map(line)].join(
    '\n',
  );
}

/** The 1, 5 and 15 minute load averages: how busy the shared machine was. */
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');

function markdown(
  results: Result[],
  m: { date: string; line: string; load: string },
  quick: boolean,
): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const goals = results.filter((r) => r.goalText !== undefined || r.goal === 'error' || r.goal === 'skipped');
  return [
    '# Benchmark results',
    '',
    `Measured ${m.date} with \`pnpm bench${quick ? ' --quick' : ''}\` (see [README.md](README.md)).`,
    '',
    `Machine: ${m.line}. Load average (1, 5, 15 min) at the start ${m.load}, at the end ${load()}: other work shares the cores, so per-second figures swing; the goals are judged on CPU time per operation.`,
    '',
    `| ${COLUMNS.join(' | ')} |`,
    '| --- | ---: | --- | --- | --- |',
    ...results.map((r) => `| ${cells(r).map(cell).join(' | ')} |`),
    '',
    '## Goals',
    '',
    ...goals.map((r) =>
      r.goal === 'error' || r.goal === 'skipped'
        ? `- ${r.scenario}: **${r.goal}** — ${r.note}`
        : `- ${r.goalText}: **${r.goal}**`,
    ),
    '',
    // The long MongoDB run (bench/memory.ts mongo-long) is run on its own; its last result is kept here.
    ...(existsSync(LONG_RESULTS) ? [readFileSync(LONG_RESULTS, 'utf8')] : []),
  ].join('\n');
}

async function main(): Promise<void> {
  const { quick, write, only } = parseArgs(process.argv.slice(2));
  const m = { ...machine(), load: load() };
  console.log(`twostep bench — ${m.date} — ${m.line}${quick ? ' — quick' : ''}`);
  const results: Result[] = [];
  for (const scenario of SCENARIOS) {
    if (only !== null && !only.has(scenario.name)) continue;
    const t0 = performance.now();
    console.error(`… ${scenario.title}`);
    try {
      results.push(...(await scenario.run(quick)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.push({
        scenario: `${scenario.name}: ${scenario.title}`,
        value: '—',
        unit: '',
        note: `error: ${message.split('\n')[0]}`,
        goal: 'error',
      });
    }
    console.error(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  console.log(textTable(results));
  const goals = results.filter((r) => r.goal === 'met' || r.goal === 'NOT met');
  console.log(
    `goals: ${goals.filter((r) => r.goal === 'met').length} of ${goals.length} met${results.some((r) => r.goal === 'error') ? '; some scenarios failed' : ''}`,
  );
  if (write) {
    writeFileSync(new URL('./RESULTS.md', import.meta.url), markdown(results, m, quick));
    console.log('wrote bench/RESULTS.md');
  }
}

await main();
