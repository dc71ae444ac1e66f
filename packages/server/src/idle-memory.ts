/**
 * Memory of `twostep serve`: the C library's and V8's settings for a server, and the memory that
 * loading the server left behind.
 *
 * Each password hash takes a 7 MiB buffer. glibc raises its mmap threshold once such a buffer is
 * freed, so later ones come from per-thread arenas that keep the memory after the hash (about 55 MB
 * more resident under sign-in load, bench/RESULTS.md). With a fixed 128 KiB threshold every hash buffer
 * goes back to the system. glibc reads `MALLOC_MMAP_THRESHOLD_` only when a process starts.
 *
 * V8 grows its young generation up to 2 × 32 MB semi-spaces under load, and objects that survive a
 * scavenge of such a large young generation fill an old generation V8 then keeps reserved: about 100 MB
 * more peak resident memory under 8 concurrent sign-ins, and RSS that keeps climbing on MongoDB. A
 * maximum of 8 MB per semi-space cost no measurable CPU per sign-in or refresh grant. And under a high
 * allocation rate V8 lets the old generation grow up to 4× what is live before a full collection
 * (about 300 MB peak for ~45 MB live); a factor of 2 (`--heap-growing-percent=100`) took the peak under
 * 8 concurrent sign-ins from about 300 to about 230 MB, for no measurable CPU per sign-in and a few
 * percent per refresh grant (bench/RESULTS.md). V8 reads both only when the process starts.
 *
 * So `twostep serve` starts itself again with both, same process id (Node's `process.execve`, Node ≥
 * 22.15 on Linux), unless each is already set: an operator's own value wins (the variable in the
 * environment, the flag in the command line or NODE_OPTIONS). Other C libraries ignore the variable.
 *
 * After start: start-up keeps most of what it allocates (modules, routes, the provider), and V8 answers that by
 * growing its young generation to the maximum: an idle server then holds megabytes of empty heap.
 * V8's own memory reducer would shrink it, but in a Node process it
 * never sees a low allocation rate and never runs. So the server runs one memory-reducing collection
 * (V8's "last resort" one, as under memory pressure) right after start: a pause of some tens of ms,
 * once. The young generation grows back as soon as traffic needs it, so throughput is unchanged.
 * bench/RESULTS.md: idle resident memory with and without it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** What `twostep serve` runs with (bench IdPs too, so the bench measures the same). */
export const SERVER_MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' } as const;
export const SERVER_V8_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=100'] as const;

type WithExecve = { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never };

const flagName = (flag: string) => flag.split('=')[0]!.replaceAll('_', '-');

/** The server's V8 flags that neither the command line nor NODE_OPTIONS sets already. */
export function missingV8Flags(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map(flagName));
  return SERVER_V8_FLAGS.filter((flag) => !given.has(flagName(flag)));
}

/** Called by the `twostep` command before `serve` loads anything: returns only when no restart is due. */
export function restartWithServerSettings(): void {
  const node = process as WithExecve;
  if (process.platform !== 'linux' || typeof node.execve !== 'function') return;
  const flags = missingV8Flags(process.execArgv, process.env.NODE_OPTIONS);
  if (process.env.MALLOC_MMAP_THRESHOLD_ !== undefined && flags.length === 0) return;
  node.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)], {
    ...SERVER_MALLOC_ENV,
    ...process.env,
  });
}

type Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

export function releaseStartupMemory(): void {
  // The documented way to reach V8's collector without starting Node with --expose-gc: the flag
  // only puts `gc` into contexts created while it is set, so it is set for one context and unset.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as Gc;
  setFlagsFromString('--no-expose-gc');
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
