import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { TwostepClaims } from './claims.ts';
import { TwostepError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';

/** A sign-in or step-up waiting for the IdP's answer. */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  /** The acr and max_age this step-up must reach. */
  acr?: string | undefined;
  maxAge?: number | undefined;
  /** The signed-in user at step-up time: the answer must be about the same person. */
  sub?: string | undefined;
  createdAt: number;
}

/**
 * Everything the middleware keeps about a browser. Times are milliseconds since the epoch.
 *
 * @example
 * ```ts
 * const data: SessionData = { sid: 'x', createdAt: Date.now(), touchedAt: Date.now(), pending: [] };
 * ```
 */
export interface SessionData {
  sid: string;
  createdAt: number;
  touchedAt: number;
  user?: { claims: TwostepClaims; idToken?: string | undefined } | undefined;
  pending: PendingLogin[];
}

/**
 * Server-side session storage, for apps that prefer it to the encrypted cookie.
 * `ttlSeconds` is the session's remaining absolute lifetime; stores may expire entries after it.
 *
 * @example
 * ```ts
 * const redisStore: SessionStore = {
 *   get: async (id) => JSON.parse((await redis.get(`s:${id}`)) ?? 'null') ?? undefined,
 *   set: async (id, data, ttl) => void (await redis.set(`s:${id}`, JSON.stringify(data), 'EX', ttl)),
 *   destroy: async (id) => void (await redis.del(`s:${id}`)),
 * };
 * ```
 */
export interface SessionStore {
  get(id: string): Promise<SessionData | undefined>;
  set(id: string, data: SessionData, ttlSeconds: number): Promise<void>;
  destroy(id: string): Promise<void>;
}

/**
 * An in-process {@link SessionStore}: fine for one server process and for tests, lost on restart.
 *
 * @example
 * ```ts
 * app.use(twostep({ ...options, session: { secret, store: new MemorySessionStore() } }));
 * ```
 */
export class MemorySessionStore implements SessionStore {
  readonly #entries = new Map<string, { data: string; expiresAt: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async get(id: string): Promise<SessionData | undefined> {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(id);
      return undefined;
    }
    // A copy, so callers cannot mutate the stored session by accident.
    return JSON.parse(entry.data) as SessionData;
  }

  async set(id: string, data: SessionData, ttlSeconds: number): Promise<void> {
    this.#entries.set(id, { data: JSON.stringify(data), expiresAt: this.#now() + ttlSeconds * 1000 });
  }

  async destroy(id: string): Promise<void> {
    this.#entries.delete(id);
  }

  /** Number of live entries (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }
}

/** Pending logins older than this are dropped: nobody takes 10 minutes at the IdP and still expects a result. */
const PENDING_TTL_MS = 10 * 60 * 1000;
/** At most this many logins in flight per browser (several tabs stepping up at once). */
const MAX_PENDING = 3;
/** Re-issue the cookie for the idle timer at most once a minute, not on every request. */
const TOUCH_INTERVAL_MS = 60 * 1000;
/** Browsers drop cookies above ~4096 bytes. */
const MAX_COOKIE_BYTES = 4000;

interface Key {
  kid: string;
  key: Uint8Array;
}

function deriveKey(secret: string): Key {
  // HKDF turns any long-enough secret into a uniform 256-bit key; the info string binds it to this use.
  const key = new Uint8Array(
    hkdfSync('sha256', secret, 'twostep/express-mfa', 'session cookie dir+A256GCM v1', 32),
  );
  const kid = createHash('sha256').update(key).digest('base64url').slice(0, 12);
  return { kid, key };
}

const COMPACT_JWE = /^[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+$/;

interface OpenedCookie {
  raw: string;
  payload: { data?: SessionData; sid?: unknown };
  exp: number;
}

/** Recently opened cookies kept decrypted (oldest dropped first). */
const OPENED_CACHE_SIZE = 1000;

export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** Reads and writes sessions: an encrypted cookie, optionally pointing into a {@link SessionStore}. */
export class SessionManager {
  readonly #options: ResolvedOptions;
  readonly #keys: Key[];
  /**
   * Recently opened cookies, keyed by their last segment (the GCM tag: short, so a lookup does not hash
   * a 1–2 KB string); an entry only counts for the exact cookie string it was opened from.
   */
  readonly #opened = new Map<string, OpenedCookie>();

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#keys = options.session.secrets.map(deriveKey);
  }

  /** A fresh anonymous session (no user yet). */
  create(): SessionData {
    const now = this.#options.now();
    return { sid: newSessionId(), createdAt: now, touchedAt: now, pending: [] };
  }

  /**
   * The session without waiting, when that is possible — the common case of a request carrying
   * a cookie opened before that needs no write: `undefined` is no session, `null` means "use
   * {@link load}" (first sight of a cookie, a server-side store, expiry, or a write due).
   */
  peek(req: IncomingMessage): SessionData | undefined | null {
    const raw = readCookie(req.headers.cookie, this.#options.session.cookieName);
    if (raw === undefined) return undefined;
    const now = this.#options.now();
    const cached = this.#cached(raw);
    if (this.#options.session.store !== undefined || cached === undefined || cached.exp * 1000 <= now)
      return null;
    const data = cached.payload.data;
    if (data === undefined || !isSessionData(data) || this.#expired(data, now)) return null;
    const writeDue =
      now - data.touchedAt >= TOUCH_INTERVAL_MS ||
      (data.pending.length > 0 && data.pending.some((p) => now - p.createdAt >= PENDING_TTL_MS));
    // Shared and frozen: most requests only read it; code that changes a session takes writable() first.
    return writeDue ? null : data;
  }

  /** The request's session, or `undefined` if there is none, it expired, or the cookie was tampered with. */
  async load(req: IncomingMessage, res: ServerResponse): Promise<SessionData | undefined> {
    const raw = readCookie(req.headers.cookie, this.#options.session.cookieName);
    if (raw === undefined) return undefined;
    const payload = await this.#open(raw);
    const store = this.#options.session.store;
    let data: SessionData | undefined;
    if (payload === undefined) data = undefined;
    else if (store === undefined) data = payload.data;
    else if (typeof payload.sid === 'string')
      data = await this.#storeCall(() => store.get(payload.sid as string));
    const now = this.#options.now();
    if (data === undefined || !isSessionData(data) || this.#expired(data, now)) {
      if (store !== undefined && data !== undefined) await this.#storeCall(() => store.destroy(data.sid));
      this.clear(res);
      return undefined;
    }
    const session = writable(data);
    const before = session.pending.length;
    session.pending = session.pending.filter((p) => now - p.createdAt < PENDING_TTL_MS);
    if (now - session.touchedAt >= TOUCH_INTERVAL_MS || session.pending.length !== before) {
      session.touchedAt = now;
      await this.save(res, session);
    }
    return session;
  }

  /** Writes the session: the cookie (and the store entry, in store mode). */
  async save(res: ServerResponse, data: SessionData): Promise<void> {
    data.pending = data.pending.slice(-MAX_PENDING);
    const store = this.#options.session.store;
    const ttl = Math.max(
      1,
      Math.ceil((data.createdAt + this.#options.session.absoluteTimeout * 1000 - this.#options.now()) / 1000),
    );
    if (store !== undefined) {
      await this.#storeCall(() => store.set(data.sid, data, ttl));
      setCookie(res, this.#cookie(await this.#seal({ sid: data.sid }, data)));
      return;
    }
    const value = await this.#seal({ data }, data);
    if (value.length > MAX_COOKIE_BYTES)
      throw new TwostepError(
        'session_too_large',
        `session cookie would be ${value.length} bytes; use a session.store or request fewer claims`,
      );
    setCookie(res, this.#cookie(value));
  }

  /** Gives the session a new id (at sign-in and step-up), so an id seen before is worthless. */
  async rotate(data: SessionData): Promise<void> {
    const store = this.#options.session.store;
    if (store !== undefined) await this.#storeCall(() => store.destroy(data.sid));
    data.sid = newSessionId();
  }

  /** Ends the session in the store and in the browser. */
  async destroy(res: ServerResponse, data: SessionData | undefined): Promise<void> {
    const store = this.#options.session.store;
    if (store !== undefined && data !== undefined) await this.#storeCall(() => store.destroy(data.sid));
    this.clear(res);
  }

  clear(res: ServerResponse): void {
    setCookie(res, `${this.#options.session.cookieName}=; Max-Age=0; ${this.#attributes()}`);
  }

  #expired(data: SessionData, now: number): boolean {
    const { idleTimeout, absoluteTimeout } = this.#options.session;
    return now - data.touchedAt > idleTimeout * 1000 || now - data.createdAt > absoluteTimeout * 1000;
  }

  #cookie(value: string): string {
    // No Max-Age: a browser-session cookie; the lifetimes are enforced from the timestamps inside.
    return `${this.#options.session.cookieName}=${value}; ${this.#attributes()}`;
  }

  #attributes(): string {
    return `Path=/; HttpOnly; SameSite=Lax${this.#options.session.secure ? '; Secure' : ''}`;
  }

  async #seal(payload: Record<string, unknown>, data: SessionData): Promise<string> {
    const { kid, key } = this.#keys[0]!;
    return new EncryptJWT(payload)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
      .setIssuedAt(Math.floor(this.#options.now() / 1000))
      .setExpirationTime(Math.ceil((data.createdAt + this.#options.session.absoluteTimeout * 1000) / 1000))
      .encrypt(key);
  }

  async #open(value: string): Promise<{ data?: SessionData; sid?: unknown } | undefined> {
    // Decrypting is most of a guarded request's cost; the same authenticated cookie always
    // opens to the same payload, so remember recent ones (expiry is still checked every time).
    const cached = this.#cached(value);
    if (cached !== undefined) {
      if (cached.exp * 1000 > this.#options.now()) return cached.payload;
      this.#opened.delete(cacheKey(value));
    }
    // Not even shaped like a compact JWE (5 base64url parts): no session, without the cost of a thrown error.
    if (!COMPACT_JWE.test(value)) return undefined;
    try {
      const { payload } = await jwtDecrypt(
        value,
        (header) => {
          const match = this.#keys.find((k) => k.kid === header.kid);
          if (match === undefined) throw new Error('unknown session key');
          return match.key;
        },
        {
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
          currentDate: new Date(this.#options.now()),
        },
      );
      // Frozen whether cached or not, so handlers see the same read-only claims on every request.
      const opened = deepFreeze(payload as { data?: SessionData; sid?: unknown });
      if (typeof payload.exp === 'number') {
        if (this.#opened.size >= OPENED_CACHE_SIZE) this.#opened.delete(this.#opened.keys().next().value!);
        this.#opened.set(cacheKey(value), { raw: value, payload: opened, exp: payload.exp });
      }
      return opened;
    } catch {
      // Tampered, forged, encrypted with a retired secret, or expired: all mean "no session".
      return undefined;
    }
  }

  #cached(raw: string): OpenedCookie | undefined {
    const entry = this.#opened.get(cacheKey(raw));
    return entry !== undefined && entry.raw === raw ? entry : undefined;
  }

  async #storeCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (cause) {
      throw new TwostepError('session_store_failed', 'the session store failed', { cause });
    }
  }
}

function cacheKey(raw: string): string {
  return raw.slice(raw.lastIndexOf('.') + 1);
}

/** Cached payloads are frozen: claims are read-only, so sharing them between requests is safe. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** A copy of a (possibly frozen, shared) session that a request may change: its fields and pending list; claims stay shared. */
export function writable(data: SessionData): SessionData {
  return Object.isFrozen(data) ? { ...data, pending: [...data.pending] } : data;
}

function isSessionData(value: unknown): value is SessionData {
  const v = value as SessionData;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.sid === 'string' &&
    typeof v.createdAt === 'number' &&
    typeof v.touchedAt === 'number' &&
    Array.isArray(v.pending)
  );
}

/** Reads one cookie from a Cookie header (RFC 6265 §5.4 shape: `a=b; c=d`). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  // indexOf rather than split: the header is read on every request and our cookie is 1–2 KB.
  for (let start = 0; start < header.length; ) {
    const semicolon = header.indexOf(';', start);
    const end = semicolon === -1 ? header.length : semicolon;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end && header.slice(start, eq).trim() === name)
      return header.slice(eq + 1, end).trim();
    start = end + 1;
  }
  return undefined;
}

/** Sets a cookie, replacing one of the same name set earlier in this response. */
function setCookie(res: ServerResponse, cookie: string): void {
  const name = cookie.slice(0, cookie.indexOf('=') + 1);
  const existing = res.getHeader('Set-Cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('Set-Cookie', [...list.filter((c) => !c.startsWith(name)), cookie]);
}
