import type { SmsChallengeStore } from '../ports.ts';
import type { SmsChallenge, SmsPurpose } from '../types.ts';
import { copy, hashEquals, isExpired } from './util.ts';

const isLive = (challenge: SmsChallenge, now: Date) =>
  challenge.consumedAt === null && !isExpired(challenge.expiresAt, now);

// Each method checks and writes with no await in between: one step, as the port asks.
export function createMemorySmsChallengeStore(): SmsChallengeStore {
  const challenges = new Map<string, SmsChallenge>();
  /** staffId → purpose → id of the current challenge. */
  const currentIds = new Map<string, Map<SmsPurpose, string>>();
  const currentOf = (staffId: string, purpose: SmsPurpose) => {
    const id = currentIds.get(staffId)?.get(purpose);
    return id === undefined ? undefined : challenges.get(id);
  };

  return {
    async current(staffId, purpose) {
      const challenge = currentOf(staffId, purpose);
      return challenge === undefined ? null : copy(challenge);
    },
    async put(challenge) {
      let byPurpose = currentIds.get(challenge.staffId);
      if (byPurpose === undefined) {
        byPurpose = new Map();
        currentIds.set(challenge.staffId, byPurpose);
      }
      const previous = currentOf(challenge.staffId, challenge.purpose);
      if (previous !== undefined) challenges.delete(previous.id);
      const stored = copy(challenge);
      stored.failures = previous !== undefined && isLive(previous, challenge.sentAt) ? previous.failures : 0;
      challenges.set(stored.id, stored);
      byPurpose.set(stored.purpose, stored.id);
    },
    async takeTry(staffId, purpose, now, maxFailures) {
      const challenge = currentOf(staffId, purpose);
      if (challenge === undefined || !isLive(challenge, now) || challenge.failures >= maxFailures)
        return null;
      const before = copy(challenge);
      challenge.failures += 1;
      return before;
    },
    async consume(challengeId, codeHash, now) {
      const challenge = challenges.get(challengeId);
      if (challenge === undefined || !isLive(challenge, now)) return false;
      if (!hashEquals(challenge.codeHash, codeHash)) return false;
      challenge.consumedAt = new Date(now);
      return true;
    },
    async remove(staffId) {
      for (const id of currentIds.get(staffId)?.values() ?? []) challenges.delete(id);
      currentIds.delete(staffId);
    },
  };
}
