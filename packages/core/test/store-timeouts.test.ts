import {
  createMemoryStores,
  isTwostepError,
  type StaffMember,
  type Stores,
  TwostepError,
  withStoreTimeouts,
} from '@twostep/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

const member: StaffMember = {
  id: 'staff-1',
  clinicId: 'clinic-1',
  email: 'ann@clinic.test',
  name: 'Ann',
  role: 'staff',
  passwordHash: 'x',
  active: true,
  createdAt: new Date('2026-01-01T00:00:00Z'),
};

/** Memory stores whose `staff.findByEmail` never answers. */
function hangingStores(): Stores {
  const stores = createMemoryStores();
  return { ...stores, staff: { ...stores.staff, findByEmail: () => new Promise<never>(() => {}) } };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('withStoreTimeouts', () => {
  it('a call that never answers rejects with store_unavailable after the timeout', async () => {
    vi.useFakeTimers();
    const stores = withStoreTimeouts(hangingStores(), { timeoutMs: 50 });
    const failed = stores.staff.findByEmail('ann@clinic.test').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(50);
    const error = await failed;
    expect(isTwostepError(error, 'store_unavailable')).toBe(true);
    expect((error as Error).message).toBe('staff.findByEmail did not answer within 50 ms');
  });

  it('with fake timers: rejects exactly at the deadline, not before', async () => {
    vi.useFakeTimers();
    const stores = withStoreTimeouts(hangingStores(), { timeoutMs: 5000 });
    let outcome: unknown = 'pending';
    stores.staff.findByEmail('ann@clinic.test').catch((e: unknown) => {
      outcome = e;
    });
    await vi.advanceTimersByTimeAsync(4999);
    expect(outcome).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toBeInstanceOf(TwostepError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a fast call passes through unchanged, and its timer is cleared', async () => {
    vi.useFakeTimers();
    const base = createMemoryStores();
    const stores = withStoreTimeouts(base, { timeoutMs: 5000 });
    await stores.staff.create(member);
    expect(vi.getTimerCount()).toBe(0);
    expect(await stores.staff.findByEmail('ANN@clinic.test ')).toEqual(
      await base.staff.findByEmail('ann@clinic.test'),
    );
    expect(await stores.staff.get('nobody')).toBeNull();
    expect(await stores.staff.update(member.id, { name: 'Anne' })).toBe(true);
    expect(await stores.counters.increment('k', new Date(Date.now() + 60_000), new Date())).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('errors of the store pass through unchanged (and clear the timer)', async () => {
    vi.useFakeTimers();
    const stores = withStoreTimeouts(createMemoryStores(), { timeoutMs: 5000 });
    await stores.staff.create(member);
    const error = await stores.staff.create(member).catch((e: unknown) => e);
    expect(isTwostepError(error, 'conflict')).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('methods run with the original store as `this` (private fields work)', async () => {
    class ClassClinics {
      readonly #rows = new Map<string, string>();
      readonly label = 'class-based';
      async create(clinic: { id: string; name: string }) {
        this.#rows.set(clinic.id, clinic.name);
      }
      async get(id: string) {
        return this.#rows.has(id) ? ({ id, name: this.#rows.get(id) } as never) : null;
      }
      async update() {
        return this === seen;
      }
    }
    const seen = new ClassClinics();
    const stores = withStoreTimeouts(
      { ...createMemoryStores(), clinics: seen as unknown as Stores['clinics'] },
      { timeoutMs: 1000 },
    );
    await stores.clinics.create({ id: 'c1', name: 'Maple' } as never);
    expect(await stores.clinics.get('c1')).toEqual({ id: 'c1', name: 'Maple' });
    expect(await stores.clinics.update('c1', {})).toBe(true);
    // Non-function properties pass through, on the stores and on the root object.
    expect((stores.clinics as unknown as ClassClinics).label).toBe('class-based');
    const withExtra = withStoreTimeouts(
      Object.assign(createMemoryStores(), { version: 3, name: 'memory' }) as Stores,
      { timeoutMs: 1000 },
    );
    expect((withExtra as unknown as { version: number }).version).toBe(3);
    expect((withExtra as unknown as { name: string }).name).toBe('memory');
  });

  it('a method that returns a plain value (not a promise) returns it as is, with no timer', () => {
    vi.useFakeTimers();
    const sync = { ...createMemoryStores() } as Stores;
    (sync.pauses as unknown as Record<string, unknown>).peek = (x: number) => x * 2;
    const stores = withStoreTimeouts(sync, { timeoutMs: 1000 });
    expect((stores.pauses as unknown as { peek(x: number): number }).peek(21)).toBe(42);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the wrappers are stable (the same function on every read)', () => {
    const stores = withStoreTimeouts(createMemoryStores(), { timeoutMs: 1000 });
    expect(stores.staff).toBe(stores.staff);
    expect(stores.staff.get).toBe(stores.staff.get);
  });

  it('refuses a timeout that is not a positive number', () => {
    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => withStoreTimeouts(createMemoryStores(), { timeoutMs })).toThrow(TwostepError);
    }
  });
});
