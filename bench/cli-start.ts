// How fast `twostep` answers (issue 13: a command that needs no database answers in well under a
// second). Each command runs 15 times as a fresh process; the child reports its own CPU time
// (user + system, from an --import hook at exit), so the figure does not depend on other load.
//
//   node --conditions=@twostep/source bench/cli-start.ts          (MONGODB_URI set: also `client list`)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../packages/server/src/main.ts', import.meta.url));
const hook =
  'data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();' +
  'process.stderr.write("\\ncpu-us "+(u.user+u.system)+"\\n")})';
const RUNS = 15;

function measure(args: string[], env: Record<string, string> = {}) {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const run = spawnSync(
      process.execPath,
      ['--conditions=@twostep/source', '--import', hook, main, ...args],
      {
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
      },
    );
    wall.push(performance.now() - start);
    const match = /cpu-us (\d+)/.exec(run.stderr);
    if (run.status !== 0 || !match) throw new Error(`twostep ${args.join(' ')} failed:\n${run.stderr}`);
    cpu.push(Number(match[1]) / 1000);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { cpuMs: median(cpu), wallMs: median(wall) };
}

const rows: [string, ReturnType<typeof measure>][] = [
  ['twostep help', measure(['help'])],
  ['twostep serve --print-config', measure(['serve', '--print-config', '--issuer', 'https://id.example'])],
];
if (process.env.MONGODB_URI)
  rows.push([
    'twostep client list (MongoDB)',
    measure(['client', 'list'], { TWOSTEP_MONGODB_URI: process.env.MONGODB_URI }),
  ]);
for (const [name, r] of rows)
  console.log(
    `${name.padEnd(32)} CPU ${r.cpuMs.toFixed(0).padStart(5)} ms   wall ${r.wallMs.toFixed(0).padStart(5)} ms (median of ${RUNS})`,
  );
