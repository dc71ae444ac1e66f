import { encodeRecoveryCode, formatRecoveryCode, parseRecoveryCode } from '../codes.ts';
import type { CoreContext } from '../context.ts';
import { constantTimeEqual, hmacSha256 } from '../crypto/hashing.ts';
import type { ActorContext, RecoveryCodeRecord, StaffMember } from '../types.ts';

export type RecoveryCheck =
  | { ok: true; newCode: string }
  | { ok: false; reason: 'malformed' | 'invalid' | 'replayed' | 'not_enrolled' };

function makeRecord(ctx: CoreContext, staff: StaffMember): { code: string; record: RecoveryCodeRecord } {
  const code = encodeRecoveryCode(ctx.random.bytes(10));
  const salt = Buffer.from(ctx.random.bytes(16)).toString('base64url');
  const record = {
    staffId: staff.id,
    clinicId: staff.clinicId,
    salt,
    hash: hmacSha256(salt, code),
    createdAt: ctx.clock.now(),
  };
  return { code: formatRecoveryCode(code), record };
}

/**
 * The recovery code: one per staff member, 80 bits, shown once, stored as a
 * salted HMAC, consumed atomically and replaced by a new one on every use.
 */
export function createRecoveryCodes(ctx: CoreContext) {
  return {
    /** Issues (or replaces) the staff member's code and returns it for showing once. */
    async issue(actor: ActorContext, staff: StaffMember): Promise<string> {
      const { code, record } = makeRecord(ctx, staff);
      await ctx.stores.recoveryCodes.set(record);
      await ctx.audit.record(actor, {
        clinicId: staff.clinicId,
        type: 'recovery_code.issued',
        targetId: staff.id,
      });
      return code;
    },

    async exists(staffId: string): Promise<boolean> {
      return (await ctx.stores.recoveryCodes.get(staffId)) !== null;
    },

    /**
     * Checks and consumes a code. On success the old code is gone and
     * `newCode` must be shown to the staff member once.
     */
    async consume(staff: StaffMember, input: unknown): Promise<RecoveryCheck> {
      const code = parseRecoveryCode(input);
      if (code === null) return { ok: false, reason: 'malformed' };
      const current = await ctx.stores.recoveryCodes.get(staff.id);
      if (!current) return { ok: false, reason: 'not_enrolled' };
      const next = makeRecord(ctx, staff);
      const expectedHash = hmacSha256(current.salt, code);
      const won = await ctx.stores.recoveryCodes.replace(staff.id, expectedHash, next.record);
      if (won) return { ok: true, newCode: next.code };
      // The code was right when read, but a concurrent use consumed it first: a replay, not a
      // guess (counting it would lock out a user whose browser submitted the form twice).
      return { ok: false, reason: constantTimeEqual(expectedHash, current.hash) ? 'replayed' : 'invalid' };
    },
  };
}

export type RecoveryCodes = ReturnType<typeof createRecoveryCodes>;
