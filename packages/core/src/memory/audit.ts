import type { AuditFilter, AuditHead, AuditStore } from '../ports.ts';
import type { AuditEvent } from '../types.ts';
import { copy } from './util.ts';

interface ClinicLog {
  /** Sorted ascending by seq. */
  events: AuditEvent[];
  seqs: Set<number>;
}

/** Index of the first event whose seq is greater than `seq`. */
function upperBound(events: AuditEvent[], seq: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (events[mid]!.seq <= seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The clinic's events (ascending by seq) that match `filter`. */
function matching(events: AuditEvent[], filter: AuditFilter): AuditEvent[] {
  const { actorOrTargetId, types, from, to, afterSeq } = filter;
  const typeSet = types === undefined ? undefined : new Set(types);
  const start = afterSeq === undefined ? 0 : upperBound(events, afterSeq);
  return events
    .slice(start)
    .filter(
      (e) =>
        (actorOrTargetId === undefined || e.actorId === actorOrTargetId || e.targetId === actorOrTargetId) &&
        (typeSet === undefined || typeSet.has(e.type)) &&
        (from === undefined || e.at.getTime() >= from.getTime()) &&
        (to === undefined || e.at.getTime() <= to.getTime()),
    );
}

export function createMemoryAuditStore(): AuditStore {
  const logs = new Map<string, ClinicLog>();
  const heads = new Map<string, AuditHead>();

  return {
    async head(clinicId) {
      const head = heads.get(clinicId);
      return head === undefined ? null : { ...head };
    },
    async append(event) {
      let log = logs.get(event.clinicId);
      if (log === undefined) {
        log = { events: [], seqs: new Set() };
        logs.set(event.clinicId, log);
      }
      if (log.seqs.has(event.seq)) return false;
      log.seqs.add(event.seq);
      log.events.splice(upperBound(log.events, event.seq), 0, copy(event));
      // Forward only: an event appended out of order (a lower seq) leaves the head where it is.
      if ((heads.get(event.clinicId)?.seq ?? 0) < event.seq) {
        heads.set(event.clinicId, { seq: event.seq, hash: event.hash });
      }
      return true;
    },
    async list(clinicId, query = {}) {
      const { limit, order = 'asc' } = query;
      const matches = matching(logs.get(clinicId)?.events ?? [], query);
      if (order === 'desc') matches.reverse();
      return (limit === undefined ? matches : matches.slice(0, Math.max(0, limit))).map(copy);
    },
    async exists(clinicId, filter = {}) {
      return matching(logs.get(clinicId)?.events ?? [], filter).length > 0;
    },
  };
}
