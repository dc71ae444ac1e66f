import type { SmsChallengeStore } from '../ports.ts';
import type { SmsChallenge, SmsPurpose } from '../types.ts';
import { copy, hashEquals, isExpired } from './util.ts';

export function createMemorySmsChallengeStore(): SmsChallengeStore {
  const challenges = new Map<string, SmsChallenge>();
  /** staffId → purpose → id of the current challenge. */
  const currentIds = new Map<string, Map<SmsPurpose, string>>();

  return {
    async current(staffId, purpose) {
      const id = currentIds.get(staffId)?.get(purpose);
      const challenge = id === undefined ? undefined : challenges.get(id);
      return challenge === undefined ? null : copy(challenge);
    },
    async put(challenge) {
      let byPurpose = currentIds.get(challenge.staffId);
      if (byPurpose === undefined) {
        byPurpose = new Map();
        currentIds.set(challenge.staffId, byPurpose);
      }
      const previousId = byPurpose.get(challenge.purpose);
      if (previousId !== undefined) challenges.delete(previousId);
      const stored = copy(challenge);
      challenges.set(stored.id, stored);
      byPurpose.set(stored.purpose, stored.id);
    },
    async consume(challengeId, codeHash, now, maxFailures) {
      const challenge = challenges.get(challengeId);
      if (challenge === undefined || challenge.consumedAt !== null) return false;
      if (isExpired(challenge.expiresAt, now) || challenge.failures >= maxFailures) return false;
      if (!hashEquals(challenge.codeHash, codeHash)) return false;
      challenge.consumedAt = new Date(now);
      return true;
    },
    async addFailure(challengeId) {
      const challenge = challenges.get(challengeId);
      if (challenge === undefined) return 0;
      challenge.failures += 1;
      return challenge.failures;
    },
    async remove(staffId) {
      for (const id of currentIds.get(staffId)?.values() ?? []) challenges.delete(id);
      currentIds.delete(staffId);
    },
  };
}
