/**
 * Memory of `twostep serve`: the C library's setting for password hashing, and the memory that
 * loading the server left behind.
 *
 * Each password hash takes a 7 MiB buffer. glibc raises its mmap threshold once such a buffer is
 * freed, so later ones come from per-thread arenas that keep the memory after the hash (about 55 MB
 * more resident under sign-in load, bench/RESULTS.md). With a fixed 128 KiB threshold every hash buffer
 * goes back to the system. glibc reads `MALLOC_MMAP_THRESHOLD_` only when a process starts, so
 * `twostep serve` starts itself again with it, same process id (Node's `process.execve`, Node ≥ 22.15 on
 * Linux), unless the variable is already set (to any value: an operator's own choice wins). Other C
 * libraries ignore the variable.
 *
 * After start: start-up keeps most of what it allocates (modules, routes, the provider), and V8 answers that by
 * growing its young generation to the maximum (2 × 16 MB semi-spaces here): an idle server then
 * holds about 35 MB of empty heap. V8's own memory reducer would shrink it, but in a Node process it
 * never sees a low allocation rate and never runs. So the server runs one memory-reducing collection
 * (V8's "last resort" one, as under memory pressure) right after start: a pause of some tens of ms,
 * once. The young generation grows back as soon as traffic needs it, so throughput is unchanged.
 * bench/RESULTS.md: idle resident memory with and without it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** What `twostep serve` runs with (bench IdPs too, so the bench measures the same). */
export const SERVER_MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' } as const;

type WithExecve = { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never };

/** Called by the `twostep` command before `serve` loads anything: returns only when no restart is due. */
export function restartWithServerMalloc(): void {
  const node = process as WithExecve;
  if (process.platform !== 'linux' || typeof node.execve !== 'function') return;
  if (process.env.MALLOC_MMAP_THRESHOLD_ !== undefined) return;
  node.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    ...process.env,
    ...SERVER_MALLOC_ENV,
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
