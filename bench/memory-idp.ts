// The bench IdP of signin.ts (memory stores, MemoryAdapter, seeded staff, fast core clock) in a child
// process of its own, so that its CPU time and resident memory (RSS, per process) are measured apart
// from the load generator. Used by signin.ts, tokens.ts, memory.ts and scale.ts:
//
//   const idp = await startIdpProcess({ plainAccounts: 50 });
//   await idp.memory(); // { rss, heapUsed } after a full GC in the child
//   await idp.usage(); // { cpuMicros, rss, maxRss }: the server's own CPU time and peak memory
//
// The child runs with --conditions=@twostep/source --expose-gc and serve's V8 flags and malloc setting,
// and talks over the IPC channel.
import { type ChildProcess, fork } from 'node:child_process';
import { SERVER_MALLOC_ENV, SERVER_V8_FLAGS } from '../packages/server/src/idle-memory.ts';
import { type BenchIdpInfo, createBenchIdp, type IdpSetup } from './signin.ts';

const ROLE = 'twostep-bench-idp-process';

export interface MemorySample {
  /** Resident set size of the IdP process, bytes. */
  rss: number;
  heapUsed: number;
  /** V8 heap reserved (used or not), bytes. */
  heapTotal: number;
  /** Memory of Buffers and other objects outside the V8 heap, bytes. */
  external: number;
  /** Milliseconds the child's event loop took to answer (a busy IdP answers late). */
  answeredInMs: number;
}

/** The IdP process's own counters (no GC first). */
export interface UsageSample {
  /** CPU time of the whole IdP process since it started (event loop, libuv pool with the hashes), µs. */
  cpuMicros: number;
  rss: number;
  /** Peak resident set size since the process started, bytes. */
  maxRss: number;
}

type ToChild = { type: 'memory' | 'usage'; id: number };
type FromChild =
  | { type: 'ready'; info: BenchIdpInfo }
  | ({ type: 'memory'; id: number } & Omit<MemorySample, 'answeredInMs'>)
  | ({ type: 'usage'; id: number } & UsageSample);

export interface IdpProcess {
  info: BenchIdpInfo;
  epoch: number;
  pid: number;
  /** Runs a full GC in the child (twice), then reports its memory. */
  memory(): Promise<MemorySample>;
  /** The child's CPU time and RSS now, and its peak RSS. */
  usage(): Promise<UsageSample>;
  stop(): Promise<void>;
}

/** Starts the bench IdP in a child process; resolves once it is seeded and listening. */
export async function startIdpProcess(setup: IdpSetup = {}): Promise<IdpProcess> {
  const epoch = Date.now();
  const child: ChildProcess = fork(new URL(import.meta.url), [ROLE, JSON.stringify({ epoch, setup })], {
    execArgv: ['--conditions=@twostep/source', '--expose-gc', '--no-warnings', ...SERVER_V8_FLAGS],
    // As `twostep serve` runs (packages/server/src/idle-memory.ts).
    env: { ...process.env, ...SERVER_MALLOC_ENV },
    // With logs on, stdout is /dev/null: they are written as `twostep serve` writes them, unseen.
    stdio: ['ignore', setup.observability ? 'ignore' : 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`bench IdP process exited (${code ?? signal})`)));
    child.once('error', reject);
  });
  exited.catch(() => {}); // observed below; never an unhandled rejection
  const info = await Promise.race([
    exited,
    new Promise<BenchIdpInfo>((resolve) => {
      const onMessage = (message: FromChild) => {
        if (message.type !== 'ready') return;
        child.off('message', onMessage);
        resolve(message.info);
      };
      child.on('message', onMessage);
    }),
  ]);
  let nextId = 0;
  const ask = <T>(type: 'usage'): Promise<T> => {
    const id = nextId++;
    const answer = new Promise<T>((resolve) => {
      const onMessage = (message: FromChild) => {
        if (message.type !== type || message.id !== id) return;
        child.off('message', onMessage);
        resolve(message as T);
      };
      child.on('message', onMessage);
    });
    child.send({ type, id } satisfies ToChild);
    return Promise.race([exited, answer]);
  };
  return {
    info,
    epoch,
    pid: child.pid!,
    memory: () => {
      const id = nextId++;
      const sent = performance.now();
      const answer = new Promise<MemorySample>((resolve) => {
        const onMessage = (message: FromChild) => {
          if (message.type !== 'memory' || message.id !== id) return;
          child.off('message', onMessage);
          resolve({
            rss: message.rss,
            heapUsed: message.heapUsed,
            heapTotal: message.heapTotal,
            external: message.external,
            answeredInMs: performance.now() - sent,
          });
        };
        child.on('message', onMessage);
      });
      child.send({ type: 'memory', id } satisfies ToChild);
      return Promise.race([exited, answer]);
    },
    usage: async () => {
      const { cpuMicros, rss, maxRss } = await ask<UsageSample>('usage');
      return { cpuMicros, rss, maxRss };
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill();
      await gone;
    },
  };
}

/** In the child: seed, listen, answer memory requests until the parent goes. */
async function serve(): Promise<void> {
  const { epoch, setup } = JSON.parse(process.argv[3]!) as { epoch: number; setup: IdpSetup };
  const info = await createBenchIdp(epoch, setup);
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (message: ToChild) => {
    if (message.type === 'usage') {
      const { user, system } = process.cpuUsage();
      const { maxRSS } = process.resourceUsage(); // KiB
      const usage = { cpuMicros: user + system, rss: process.memoryUsage.rss(), maxRss: maxRSS * 1024 };
      process.send!({ type: 'usage', id: message.id, ...usage } satisfies FromChild);
      return;
    }
    if (message.type !== 'memory') return;
    gc?.();
    gc?.();
    const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
    process.send!({ type: 'memory', id: message.id, rss, heapUsed, heapTotal, external } satisfies FromChild);
  });
  process.on('disconnect', () => process.exit(0)); // the parent is gone
  process.send!({ type: 'ready', info } satisfies FromChild);
}

if (import.meta.main && process.argv[2] === ROLE && process.send !== undefined) await serve();
