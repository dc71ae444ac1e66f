import { TwostepError } from '../errors.ts';
import type { SessionStore } from '../ports.ts';
import type { SessionRecord } from '../types.ts';
import { addToIndex, copy, isExpired, removeFromIndex } from './util.ts';

export function createMemorySessionStore(): SessionStore {
  const sessions = new Map<string, SessionRecord>();
  const idsByStaff = new Map<string, Set<string>>();
  const ended = new Map<string, Date>();

  function drop(session: SessionRecord): void {
    sessions.delete(session.id);
    removeFromIndex(idsByStaff, session.staffId, session.id);
  }

  return {
    async create(session) {
      if (sessions.has(session.id)) throw new TwostepError('conflict', 'session already exists');
      const stored = copy(session);
      sessions.set(stored.id, stored);
      addToIndex(idsByStaff, stored.staffId, stored.id);
    },
    async get(id, now) {
      const session = sessions.get(id);
      return session === undefined || isExpired(session.expiresAt, now) ? null : copy(session);
    },
    async update(id, patch) {
      const session = sessions.get(id);
      if (session === undefined) return false;
      Object.assign(session, copy(patch));
      return true;
    },
    async remove(id) {
      const session = sessions.get(id);
      if (session === undefined) return false;
      drop(session);
      return true;
    },
    async endAll(staffId, at) {
      const previous = ended.get(staffId);
      if (previous === undefined || previous < at) ended.set(staffId, new Date(at));
      let count = 0;
      for (const id of [...(idsByStaff.get(staffId) ?? [])]) {
        const session = sessions.get(id);
        if (session === undefined) continue;
        drop(session);
        count++;
      }
      return count;
    },
    async endedAt(staffId) {
      const at = ended.get(staffId);
      return at === undefined ? null : new Date(at);
    },
  };
}
