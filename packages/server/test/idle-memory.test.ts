/**
 * The collection `twostep serve` runs once it listens gives the young generation back and leaves no
 * `gc` reachable from code; on Linux serve runs with glibc's fixed mmap threshold. (What each saves in
 * resident memory is measured in bench/, memory.ts and signin.ts.)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { releaseStartupMemory } from '../src/idle-memory.ts';
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

describe.runIf(process.platform === 'linux' && 'execve' in process)('twostep serve on Linux', () => {
  const environOf = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  const dir = mkdtempSync(join(tmpdir(), 'twostep-malloc-'));

  it('restarts itself once with MALLOC_MMAP_THRESHOLD_ (same process id, one start-up message)', async () => {
    const serve = await startServe(['--dev', '--listen-port', '0', '--log-format', 'json'], {}, dir);
    try {
      expect(environOf(serve.child.pid!)).toContain('MALLOC_MMAP_THRESHOLD_=131072');
      expect(serve.output().match(/DEVELOPMENT MODE/g)).toHaveLength(1);
    } finally {
      await serve.stop();
    }
  });

  it("keeps an operator's own value", async () => {
    const serve = await startServe(
      ['--dev', '--listen-port', '0', '--log-format', 'json'],
      { MALLOC_MMAP_THRESHOLD_: '262144' },
      dir,
    );
    try {
      expect(environOf(serve.child.pid!)).toContain('MALLOC_MMAP_THRESHOLD_=262144');
    } finally {
      await serve.stop();
    }
  });
});
