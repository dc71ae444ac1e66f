/**
 * The collection `twostep serve` runs once it listens gives the young generation back and leaves no
 * `gc` reachable from code; on Linux serve runs with glibc's fixed mmap threshold and V8's smaller young
 * generation. (What each saves in resident memory is measured in bench/, memory.ts and signin.ts.)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { missingV8Flags, releaseStartupMemory, SERVER_V8_FLAGS } from '../src/idle-memory.ts';
import { startServe } from './run.ts';

const newSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.space_size;

it('shrinks the young generation and exposes no gc afterwards', () => {
  // Long-lived allocations grow the young generation, as module loading does at start.
  const kept: object[] = [];
  for (let i = 0; i < 400_000; i++) kept.push({ i, text: `item ${i}` });
  const grown = newSpace();
  releaseStartupMemory();
  expect(kept).toHaveLength(400_000);
  expect(newSpace()).toBeLessThan(grown);
  expect(runInNewContext('typeof gc')).toBe('undefined');
  expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
});

it('adds only the V8 flags the command line and NODE_OPTIONS leave out, in either spelling', () => {
  expect(missingV8Flags([], undefined)).toEqual([...SERVER_V8_FLAGS]);
  expect(missingV8Flags(['--conditions=x'], '--max-old-space-size=512')).toEqual([...SERVER_V8_FLAGS]);
  expect(missingV8Flags(['--max-semi-space-size=32'], '')).toEqual(['--heap-growing-percent=100']);
  expect(missingV8Flags(['--heap-growing-percent=50'], '--inspect  --max_semi_space_size=2')).toEqual([]);
});

describe.runIf(process.platform === 'linux' && 'execve' in process)('twostep serve on Linux', () => {
  const environOf = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  const argsOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const dir = mkdtempSync(join(tmpdir(), 'twostep-malloc-'));

  it('restarts itself once with MALLOC_MMAP_THRESHOLD_ and the V8 flags (same process id, one start-up message)', async () => {
    const serve = await startServe(['--dev', '--listen-port', '0', '--log-format', 'json'], {}, dir);
    try {
      expect(environOf(serve.child.pid!)).toContain('MALLOC_MMAP_THRESHOLD_=131072');
      expect(argsOf(serve.child.pid!)).toEqual(expect.arrayContaining([...SERVER_V8_FLAGS]));
      expect(serve.output().match(/DEVELOPMENT MODE/g)).toHaveLength(1);
    } finally {
      await serve.stop();
    }
  });

  it("keeps an operator's own values", async () => {
    const serve = await startServe(
      ['--dev', '--listen-port', '0', '--log-format', 'json'],
      { MALLOC_MMAP_THRESHOLD_: '262144', NODE_OPTIONS: '--max-semi-space-size=16' },
      dir,
    );
    try {
      expect(environOf(serve.child.pid!)).toContain('MALLOC_MMAP_THRESHOLD_=262144');
      expect(argsOf(serve.child.pid!)).not.toContain('--max-semi-space-size=8');
      expect(argsOf(serve.child.pid!)).toContain('--heap-growing-percent=100'); // the flag not set
      expect(serve.output().match(/DEVELOPMENT MODE/g)).toHaveLength(1);
    } finally {
      await serve.stop();
    }
  });
});
