/**
 * oidc-provider state (sessions, interactions, grants, codes, tokens) in plain
 * Maps: the default `adapter` of `createIdp`. One process only — a second IdP
 * process would not see these sessions and codes; use a persistent adapter
 * (`createOidcAdapter` from `@twostep/store-mongoose`) for more than one.
 *
 * Unlike oidc-provider's own development adapter (an LRU of 1,000 entries, so
 * sessions and refresh tokens silently disappear under load), nothing is
 * evicted before it expires. Expired entries are dropped when read and by a
 * sweep on write (after max(1000, live entries) writes: O(1) per write on
 * average; no timer, nothing to close).
 */
import { type Adapter, type AdapterPayload, errors } from 'oidc-provider';
import type { AdapterClass } from './config.ts';

export interface MemoryAdapterOptions {
  /** The clock, in milliseconds (tests). Default `Date.now`. */
  now?: () => number;
  /** Sweep expired entries after at least this many writes (default 1000). */
  sweepEvery?: number;
}

interface Entry {
  payload: AdapterPayload;
  /** Milliseconds since the epoch; Infinity when it never expires. */
  expiresAt: number;
}

/** One model's entries and its secondary indexes. */
interface Table {
  entries: Map<string, Entry>;
  /** `payload.uid` → id (sessions). */
  uids: Map<string, string>;
  /** `payload.userCode` → id (device codes). */
  userCodes: Map<string, string>;
  /** `payload.grantId` → ids. */
  grants: Map<string, Set<string>>;
}

/**
 * The Maps behind one {@link createMemoryAdapter} class: every model of one IdP.
 *
 * @example
 * ```ts
 * const Adapter = createMemoryAdapter();
 * // … later, e.g. in a test or a memory bench:
 * console.log(Adapter.storage.size, 'entries');
 * ```
 */
export class MemoryAdapterStorage {
  readonly #tables = new Map<string, Table>();
  readonly #now: () => number;
  readonly #sweepEvery: number;
  #writes = 0;

  constructor(options: MemoryAdapterOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#sweepEvery = options.sweepEvery ?? 1000;
  }

  /** Entries held, expired ones not yet swept included. */
  get size(): number {
    let size = 0;
    for (const table of this.#tables.values()) size += table.entries.size;
    return size;
  }

  /** Drops every expired entry now (also runs on its own as entries are written). */
  sweep(): void {
    const now = this.#now();
    for (const table of this.#tables.values()) {
      for (const [id, entry] of table.entries) if (entry.expiresAt <= now) remove(table, id, entry);
    }
    this.#writes = 0;
  }

  /** @internal */
  table(model: string): Table {
    let table = this.#tables.get(model);
    if (!table) {
      table = { entries: new Map(), uids: new Map(), userCodes: new Map(), grants: new Map() };
      this.#tables.set(model, table);
    }
    return table;
  }

  /** @internal */
  now(): number {
    return this.#now();
  }

  /** @internal The live entry, or undefined (an expired one is removed). */
  live(table: Table, id: string): Entry | undefined {
    const entry = table.entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      remove(table, id, entry);
      return undefined;
    }
    return entry;
  }

  /** @internal Counts a write; sweeps once enough have happened. */
  wrote(): void {
    if (++this.#writes >= Math.max(this.#sweepEvery, this.size)) this.sweep();
  }
}

function remove(table: Table, id: string, entry: Entry): void {
  table.entries.delete(id);
  const { uid, userCode, grantId } = entry.payload;
  if (typeof uid === 'string' && table.uids.get(uid) === id) table.uids.delete(uid);
  if (typeof userCode === 'string' && table.userCodes.get(userCode) === id) table.userCodes.delete(userCode);
  if (typeof grantId === 'string') {
    const members = table.grants.get(grantId);
    members?.delete(id);
    if (members?.size === 0) table.grants.delete(grantId);
  }
}

const copy = (payload: AdapterPayload): AdapterPayload => structuredClone(payload);

/**
 * oidc-provider's `Adapter` for one model, on a {@link MemoryAdapterStorage}.
 * Usually created through {@link createMemoryAdapter}, which binds the storage.
 * Payloads are copied in and out, so a caller never changes a stored one by accident.
 *
 * @example
 * ```ts
 * const storage = new MemoryAdapterStorage();
 * const sessions = new MemoryAdapter('Session', storage);
 * await sessions.upsert('id-1', { uid: 'uid-1', kind: 'Session' }, 3600);
 * await sessions.findByUid('uid-1'); // { uid: 'uid-1', kind: 'Session' }
 * ```
 */
export class MemoryAdapter implements Adapter {
  readonly name: string;
  readonly #storage: MemoryAdapterStorage;
  readonly #table: Table;

  constructor(name: string, storage: MemoryAdapterStorage) {
    this.name = name;
    this.#storage = storage;
    this.#table = storage.table(name);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const table = this.#table;
    const previous = table.entries.get(id);
    if (previous) remove(table, id, previous);
    const expiresAt =
      typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0
        ? this.#storage.now() + expiresIn * 1000
        : Number.POSITIVE_INFINITY;
    const entry: Entry = { payload: copy(payload), expiresAt };
    table.entries.set(id, entry);
    const { uid, userCode, grantId } = entry.payload;
    if (typeof uid === 'string') table.uids.set(uid, id);
    if (typeof userCode === 'string') table.userCodes.set(userCode, id);
    if (typeof grantId === 'string') {
      const members = table.grants.get(grantId) ?? new Set<string>();
      members.add(id);
      table.grants.set(grantId, members);
    }
    this.#storage.wrote();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const entry = this.#storage.live(this.#table, id);
    return entry && copy(entry.payload);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = this.#table.uids.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = this.#table.userCodes.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  /**
   * Marks the payload consumed, once. oidc-provider checks `consumed` and then calls this, so
   * two concurrent redemptions of one authorization code or refresh token could both pass its
   * check; only the first call here succeeds. A later one (already consumed: it stays consumed
   * with its first time) or one for a record that is gone (expired, destroyed, revoked) throws
   * oidc-provider's `invalid_grant`, as the mongoose adapter does.
   */
  async consume(id: string): Promise<void> {
    const entry = this.#storage.live(this.#table, id);
    if (entry === undefined || entry.payload.consumed) throw new errors.InvalidGrant('already consumed');
    entry.payload.consumed = Math.floor(this.#storage.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    const entry = this.#table.entries.get(id);
    if (entry) remove(this.#table, id, entry);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const members = this.#table.grants.get(grantId);
    if (!members) return;
    for (const id of [...members]) {
      const entry = this.#table.entries.get(id);
      if (entry) remove(this.#table, id, entry);
    }
    this.#table.grants.delete(grantId);
  }
}

/** An adapter class bound to its own {@link MemoryAdapterStorage} (`storage`). */
export type MemoryAdapterClass = AdapterClass & { readonly storage: MemoryAdapterStorage };

/**
 * A new, empty in-memory oidc-provider adapter: a class for oidc-provider's `adapter` option, bound
 * to Maps of its own (two IdPs in one process never share state). `createIdp` uses one when no
 * `adapter` is given. One process only.
 *
 * @example
 * ```ts
 * const idp = createIdp({ ...options, adapter: createMemoryAdapter() });
 * ```
 */
export function createMemoryAdapter(options: MemoryAdapterOptions = {}): MemoryAdapterClass {
  const storage = new MemoryAdapterStorage(options);
  return class BoundMemoryAdapter extends MemoryAdapter {
    static readonly storage = storage;
    constructor(name: string) {
      super(name, storage);
    }
  };
}
