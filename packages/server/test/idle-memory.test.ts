/**
 * The collection `twostep serve` runs once it listens gives the young generation back and leaves no
 * `gc` reachable from code. (What it saves in resident memory is measured in bench/, memory.ts.)
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { releaseStartupMemory } from '../src/idle-memory.ts';

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
