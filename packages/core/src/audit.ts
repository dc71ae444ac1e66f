import { sha256 } from './crypto/hashing.ts';
import { TwostepError } from './errors.ts';
import type { AuditQuery, AuditStore, Clock, Random } from './ports.ts';
import type { ActorContext, AuditDetails, AuditEvent, AuditEventType } from './types.ts';

export interface AuditEntry {
  clinicId: string;
  type: AuditEventType;
  targetId?: string | null;
  details?: AuditDetails;
}

export type ChainCheck =
  | { ok: true; count: number }
  | { ok: false; count: number; brokenAtSeq: number; reason: string };

/** The fields a hash covers, in a fixed order, so any edit of any field breaks the chain. */
function canonical(event: Omit<AuditEvent, 'hash'>): string {
  const details = Object.keys(event.details)
    .sort()
    .map((k) => [k, event.details[k]]);
  return JSON.stringify([
    event.id,
    event.clinicId,
    event.seq,
    event.type,
    event.actorId,
    event.targetId,
    event.at.toISOString(),
    event.ip,
    event.userAgent,
    details,
    event.prevHash,
  ]);
}

export function hashAuditEvent(event: Omit<AuditEvent, 'hash'>): string {
  return sha256(canonical(event));
}

/**
 * Checks one clinic's events, in `seq` order from the first: each hash must
 * match its content and name the previous event's hash. Reports the first break.
 */
export function verifyAuditChain(events: readonly AuditEvent[]): ChainCheck {
  let prevHash = '';
  let expectedSeq = events[0]?.seq === 1 ? 1 : (events[0]?.seq ?? 1);
  for (const [index, event] of events.entries()) {
    const fail = (reason: string): ChainCheck => ({
      ok: false,
      count: index,
      brokenAtSeq: event.seq,
      reason,
    });
    if (event.seq !== expectedSeq) return fail(`expected seq ${expectedSeq}, found ${event.seq}`);
    if (index > 0 && event.prevHash !== prevHash) return fail('prevHash does not match the previous event');
    if (index === 0 && event.seq === 1 && event.prevHash !== '')
      return fail('first event must have an empty prevHash');
    if (hashAuditEvent(event) !== event.hash) return fail('content does not match its hash');
    prevHash = event.hash;
    expectedSeq += 1;
  }
  return { ok: true, count: events.length };
}

/** One JSON object per line; dates as ISO strings. */
export function toJsonLines(events: readonly AuditEvent[]): string {
  return (
    events.map((e) => JSON.stringify({ ...e, at: e.at.toISOString() })).join('\n') +
    (events.length ? '\n' : '')
  );
}

/** Reads an export back for verification. Throws `invalid_input` naming the bad line. */
export function fromJsonLines(text: string): AuditEvent[] {
  const parsed = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      try {
        return JSON.parse(line) as unknown;
      } catch (cause) {
        throw new TwostepError('invalid_input', `audit export line ${index + 1} is not JSON`, { cause });
      }
    });
  // The shape the chain verifier reads: an object with a valid `at` and an object `details`
  // (anything else made verifyAuditChain throw a TypeError instead of reporting a break).
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  return parsed.map((raw, index) => {
    const at = isObject(raw) && typeof raw.at === 'string' ? new Date(raw.at) : null;
    if (!isObject(raw) || !at || Number.isNaN(at.getTime()) || !isObject(raw.details)) {
      throw new TwostepError('invalid_input', `audit export line ${index + 1} is not an audit event`);
    }
    return { ...(raw as unknown as AuditEvent), at };
  });
}

const MAX_APPEND_TRIES = 20;

/** The audit log service: appends chained events, lists, exports, verifies. */
export function createAuditLog(deps: { store: AuditStore; clock: Clock; random: Random }) {
  const { store, clock, random } = deps;
  // Appends to one clinic's chain queue up inside this process, so they do not race each other
  // for the next seq; only writers in other processes can still conflict (and retry below).
  const queues = new Map<string, Promise<unknown>>();
  function inTurn<T>(clinicId: string, append: () => Promise<T>): Promise<T> {
    const turn = (queues.get(clinicId) ?? Promise.resolve()).then(append, append);
    const tail = turn.then(
      () => undefined,
      () => undefined,
    );
    queues.set(clinicId, tail);
    void tail.then(() => {
      if (queues.get(clinicId) === tail) queues.delete(clinicId);
    });
    return turn;
  }

  async function append(ctx: ActorContext, entry: AuditEntry): Promise<AuditEvent> {
    for (let attempt = 0; attempt < MAX_APPEND_TRIES; attempt++) {
      const last = await store.head(entry.clinicId);
      const unhashed: Omit<AuditEvent, 'hash'> = {
        id: Buffer.from(random.bytes(12)).toString('base64url'),
        clinicId: entry.clinicId,
        seq: (last?.seq ?? 0) + 1,
        type: entry.type,
        actorId: ctx.actorId,
        targetId: entry.targetId ?? null,
        at: clock.now(),
        ip: ctx.ip ?? null,
        userAgent: ctx.userAgent ? ctx.userAgent.slice(0, 256) : null,
        details: entry.details ?? {},
        prevHash: last?.hash ?? '',
      };
      const event = { ...unhashed, hash: hashAuditEvent(unhashed) };
      if (await store.append(event)) return event;
      // Lost the seq to another writer: wait a random moment so N concurrent writers do not
      // retry in lockstep (which lets only one win per round and fails the rest after N rounds).
      const jitterMs = (random.bytes(1)[0]! / 255) * Math.min(2 ** attempt, 100);
      await new Promise((resolve) => setTimeout(resolve, jitterMs));
    }
    throw new TwostepError('store_unavailable', 'audit log: could not append after repeated seq conflicts');
  }

  return {
    /** Appends an event chained to the clinic's last one; retries when another process took the seq. */
    record(ctx: ActorContext, entry: AuditEntry): Promise<AuditEvent> {
      return inTurn(entry.clinicId, () => append(ctx, entry));
    },
    list(clinicId: string, query?: AuditQuery): Promise<AuditEvent[]> {
      return store.list(clinicId, query);
    },
    /** Runs the chain verifier over every event of the clinic. */
    async verify(clinicId: string): Promise<ChainCheck> {
      return verifyAuditChain(await store.list(clinicId, { order: 'asc' }));
    },
    async exportJsonLines(clinicId: string, query?: AuditQuery): Promise<string> {
      return toJsonLines(await store.list(clinicId, { ...query, order: 'asc' }));
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
