/**
 * Gives back the memory that loading the server left behind, once it listens.
 *
 * Start-up keeps most of what it allocates (modules, routes, the provider), and V8 answers that by
 * growing its young generation to the maximum (2 × 16 MB semi-spaces here): an idle server then
 * holds about 35 MB of empty heap. V8's own memory reducer would shrink it, but in a Node process it
 * never sees a low allocation rate and never runs. So the server runs one memory-reducing collection
 * (V8's "last resort" one, as under memory pressure) right after start: a pause of some tens of ms,
 * once. The young generation grows back as soon as traffic needs it, so throughput is unchanged.
 * bench/RESULTS.md: idle resident memory with and without it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

export function releaseStartupMemory(): void {
  // The documented way to reach V8's collector without starting Node with --expose-gc: the flag
  // only puts `gc` into contexts created while it is set, so it is set for one context and unset.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as Gc;
  setFlagsFromString('--no-expose-gc');
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
