import { DEFAULTS } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../packages/core/src/memory/index.ts';
import type { Stores } from '../../packages/core/src/ports.ts';
import { describeStoreContract } from './store-contract.ts';

describeStoreContract('memory', async () => ({ stores: createMemoryStores() }));

describe('memory stores: fault injection', () => {
  it("rejects the chosen methods with TwostepError('store_unavailable') and leaves the rest working", async () => {
    const calls: string[] = [];
    let down = true;
    const stores = createMemoryStores({
      faults: {
        fail(storeName: keyof Stores, method: string) {
          calls.push(`${storeName}.${method}`);
          return down && storeName === 'throttles' && method === 'take';
        },
      },
    });
    const now = new Date(Date.UTC(2090, 0, 1));

    const rules = DEFAULTS.throttle;
    await expect(stores.throttles.take('k', now, rules)).rejects.toMatchObject({
      name: 'TwostepError',
      code: 'store_unavailable',
    });
    // Nothing was written by the failed call.
    expect(await stores.throttles.get('k')).toEqual({ failures: 0, lastFailureAt: null });
    expect(await stores.counters.increment('c', new Date(now.getTime() + 1000), now)).toBe(1);
    expect(calls).toEqual(['throttles.take', 'throttles.get', 'counters.increment']);

    down = false;
    expect(await stores.throttles.take('k', now, rules)).toEqual({
      taken: true,
      before: { failures: 0, lastFailureAt: null },
    });
  });

  it('a store that is down rejects every method, asynchronously', async () => {
    const stores = createMemoryStores({ faults: { fail: (storeName) => storeName === 'audit' } });
    const head = stores.audit.head('clinic');
    expect(head).toBeInstanceOf(Promise);
    await expect(head).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(stores.audit.list('clinic')).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(await stores.pauses.get('staff')).toBeNull();
  });

  it('without faults the stores are the plain implementations', async () => {
    const a = createMemoryStores();
    const b = createMemoryStores();
    await a.pauses.set({
      staffId: 's',
      clinicId: 'c',
      until: new Date(Date.UTC(2090, 0, 2)),
      reason: 'r',
      pausedBy: 'admin',
      createdAt: new Date(Date.UTC(2090, 0, 1)),
    });
    // Each call creates independent state.
    expect(await b.pauses.get('s')).toBeNull();
    expect(await a.pauses.get('s')).toMatchObject({ staffId: 's', reason: 'r' });
  });
});
