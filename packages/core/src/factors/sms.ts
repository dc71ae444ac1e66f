import { parseSixDigitCode } from '../codes.ts';
import type { CoreContext } from '../context.ts';
import { newId, recipientLocale } from '../context.ts';
import { constantTimeEqual, hmacMatching, hmacSha256 } from '../crypto/hashing.ts';
import type { ActorContext, SmsChallenge, SmsPurpose, StaffMember } from '../types.ts';
import { maskPhone } from './phone.ts';

export type SmsSendResult =
  | { ok: true; phone: string; expiresAt: Date; resendAt: Date }
  | { ok: false; reason: 'cooldown'; retryAt: Date }
  | { ok: false; reason: 'quota' | 'delivery_failed' | 'not_enrolled' };

export type SmsCheck =
  | { ok: true; challenge: SmsChallenge }
  | {
      ok: false;
      reason: 'malformed' | 'invalid' | 'replayed' | 'expired' | 'too_many_attempts' | 'no_code';
      /** False when no code was compared (the code's tries were used up already): not a guess. */
      checked?: false;
    };

/** Uniform 6-digit code by rejection sampling (no modulo bias). */
function randomSixDigits(ctx: CoreContext): string {
  for (;;) {
    const value = Buffer.from(ctx.random.bytes(4)).readUInt32BE(0);
    if (value < 4_294_000_000) return String(value % 1_000_000).padStart(6, '0');
  }
}

const dayKey = (date: Date) => date.toISOString().slice(0, 10);

/**
 * SMS codes: 6 digits, hashed at rest, valid 10 minutes, 5 wrong tries per
 * code, 60 s between sends, a resend replaces the code but keeps the failure
 * count, and daily quotas per number and per clinic.
 */
export function createSmsCodes(ctx: CoreContext) {
  const cfg = ctx.config.sms;
  const codeHash = (challengeId: string, code: string) =>
    hmacSha256(ctx.hashKeys[0]!, `${challengeId}:${code}`);

  async function phoneFor(staff: StaffMember, purpose: SmsPurpose): Promise<string | null> {
    const status = purpose === 'sign_in' ? 'active' : 'pending';
    const factors = await ctx.stores.factors.list(staff.id);
    const factor = factors.find((f) => f.kind === 'sms' && f.status === status);
    return factor?.kind === 'sms' ? factor.phone : null;
  }

  return {
    /** Sends a new code to the staff member's phone (the pending one for `enroll`). */
    async send(actor: ActorContext, staff: StaffMember, purpose: SmsPurpose): Promise<SmsSendResult> {
      const phone = await phoneFor(staff, purpose);
      if (!phone) return { ok: false, reason: 'not_enrolled' };
      const now = ctx.clock.now();
      // The resend cooldown: one conditional counter update per (staff, purpose) and window;
      // only the first caller of a window gets 1. Before the quotas, so refusals spend none.
      const cooldown = `sms:resend:${purpose}:${staff.id}`;
      const resendAt = new Date(now.getTime() + cfg.resendCooldownSeconds * 1000);
      if (
        cfg.resendCooldownSeconds > 0 &&
        (await ctx.stores.counters.increment(cooldown, resendAt, now)) > 1
      ) {
        return { ok: false, reason: 'cooldown', retryAt: await cooldownEnd(staff, purpose, now) };
      }
      if (!(await withinQuotas(staff, phone, now))) {
        // Nothing sent: this call hands its cooldown back (the next try says "quota" again).
        if (cfg.resendCooldownSeconds > 0) await ctx.stores.counters.release(cooldown, resendAt);
        return { ok: false, reason: 'quota' };
      }

      const code = randomSixDigits(ctx);
      const challenge: SmsChallenge = {
        id: newId(ctx),
        staffId: staff.id,
        clinicId: staff.clinicId,
        purpose,
        phone,
        codeHash: '',
        sentAt: now,
        expiresAt: new Date(now.getTime() + cfg.codeTtlSeconds * 1000),
        failures: 0, // the store carries the count of a live previous code over
        consumedAt: null,
      };
      challenge.codeHash = codeHash(challenge.id, code);
      await ctx.stores.smsChallenges.put(challenge);
      const clinic = await ctx.stores.clinics.get(staff.clinicId);
      const body = ctx.smsText({
        code,
        sender: clinic?.name ?? ctx.config.productName,
        minutes: Math.round(cfg.codeTtlSeconds / 60),
        locale: recipientLocale(staff, clinic),
      });
      try {
        await ctx.smsSender.send({ to: phone, body });
      } catch (error) {
        ctx.logger.error('sms delivery failed', { staffId: staff.id, error });
        return { ok: false, reason: 'delivery_failed' };
      }
      await ctx.audit.record(actor, {
        clinicId: staff.clinicId,
        type: 'sms.sent',
        targetId: staff.id,
        details: { purpose, phone: maskPhone(phone) },
      });
      return {
        ok: true,
        phone: maskPhone(phone),
        expiresAt: challenge.expiresAt,
        resendAt: new Date(now.getTime() + cfg.resendCooldownSeconds * 1000),
      };
    },

    /**
     * Checks a code against the current challenge. Each check first takes one of the code's
     * tries in one conditional update, so of concurrent wrong guesses exactly `maxFailures`
     * are compared; exactly one concurrent check of the right code wins.
     */
    async check(staff: StaffMember, purpose: SmsPurpose, input: unknown): Promise<SmsCheck> {
      const code = parseSixDigitCode(input);
      if (code === null) return { ok: false, reason: 'malformed' };
      const now = ctx.clock.now();
      const challenge = await ctx.stores.smsChallenges.takeTry(staff.id, purpose, now, cfg.maxFailures);
      if (!challenge) return refusal(staff, purpose, now);
      // Sent before a hash-key rotation: hashed with the key that made the stored hash.
      const hash = hmacMatching(ctx.hashKeys, `${challenge.id}:${code}`, challenge.codeHash);
      if (!constantTimeEqual(hash, challenge.codeHash)) {
        // A wrong guess keeps its try.
        const failures = challenge.failures + 1;
        return { ok: false, reason: failures >= cfg.maxFailures ? 'too_many_attempts' : 'invalid' };
      }
      if (await ctx.stores.smsChallenges.consume(challenge.id, hash, now)) return { ok: true, challenge };
      // The right code, but a concurrent check consumed it first (or a resend replaced it): a
      // replay, not a guess (counting it would let one double-submitted form lock the account).
      return { ok: false, reason: 'replayed' };
    },
  };

  /** Counts one text against the number's and the clinic's daily quotas (each one atomic increment). */
  async function withinQuotas(staff: StaffMember, phone: string, now: Date): Promise<boolean> {
    const endOfDay = new Date(`${dayKey(now)}T23:59:59.999Z`);
    const perNumber = await ctx.stores.counters.increment(
      `sms:number:${phone}:${dayKey(now)}`,
      endOfDay,
      now,
    );
    // Checked before counting against the clinic: refusals for one number must not use up the clinic's quota.
    if (perNumber > cfg.dailyPerNumber) return false;
    const perClinic = await ctx.stores.counters.increment(
      `sms:clinic:${staff.clinicId}:${dayKey(now)}`,
      endOfDay,
      now,
    );
    return perClinic <= cfg.dailyPerClinic;
  }

  /** Why no try could be taken (read after the refusal, for the message only). */
  async function refusal(staff: StaffMember, purpose: SmsPurpose, now: Date): Promise<SmsCheck> {
    const current = await ctx.stores.smsChallenges.current(staff.id, purpose);
    if (!current || current.consumedAt !== null) return { ok: false, reason: 'no_code' };
    if (current.expiresAt <= now) return { ok: false, reason: 'expired' };
    return { ok: false, reason: 'too_many_attempts', checked: false };
  }

  /** When the current cooldown ends: from the code sent last, or a full cooldown when it is still being sent. */
  async function cooldownEnd(staff: StaffMember, purpose: SmsPurpose, now: Date): Promise<Date> {
    const current = await ctx.stores.smsChallenges.current(staff.id, purpose);
    const fromLast = current ? current.sentAt.getTime() + cfg.resendCooldownSeconds * 1000 : 0;
    return new Date(fromLast > now.getTime() ? fromLast : now.getTime() + cfg.resendCooldownSeconds * 1000);
  }
}

export type SmsCodes = ReturnType<typeof createSmsCodes>;
