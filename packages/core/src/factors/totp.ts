import { groupSecret, parseSixDigitCode } from '../codes.ts';
import type { CoreContext } from '../context.ts';
import { newId } from '../context.ts';
import { TOTP } from '../defaults.ts';
import type { StaffMember, TotpFactor } from '../types.ts';
import { encodeBase32, otpauthUri, verifyTotp } from './otp.ts';

export interface TotpEnrollment {
  /** Base32 secret, for manual entry. */
  secret: string;
  /** The same secret in groups of four, easier to type. */
  groupedSecret: string;
  /** `otpauth://totp/…` — what the QR code holds. */
  uri: string;
  /** The QR code as an SVG document. */
  qrSvg: string;
}

export type TotpCheck =
  | { ok: true; step: number }
  | { ok: false; reason: 'malformed' | 'invalid' | 'replayed' | 'not_enrolled' };

const PARAMS = { algorithm: TOTP.algorithm, digits: TOTP.digits, period: TOTP.period } as const;

/** Authenticator-app factor (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step), one use per time step. */
export function createTotp(ctx: CoreContext) {
  const epoch = () => Math.floor(ctx.clock.now().getTime() / 1000);

  function check(
    factor: TotpFactor,
    staff: StaffMember,
    code: string,
  ): { valid: true; step: number } | { valid: false } {
    const secret = ctx.secretBox.open(factor.secret, staff.id);
    return verifyTotp(secret, code, epoch(), { ...PARAMS, window: ctx.config.totp.window, afterStep: null });
  }

  async function shown(staff: StaffMember, secret: string, issuer?: string): Promise<TotpEnrollment> {
    const uri = otpauthUri({
      issuer: issuer ?? ctx.config.productName,
      label: staff.email,
      secretBase32: secret,
    });
    // Loaded at the first enrollment, not at start: rarely used, and a few MB resident.
    const { default: QRCode } = await import('qrcode');
    const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { secret, groupedSecret: groupSecret(secret), uri, qrSvg };
  }

  return {
    /** Starts (or restarts) enrollment: a new pending secret; any active app keeps working until confirmed. */
    async startEnrollment(staff: StaffMember, issuer?: string): Promise<TotpEnrollment> {
      const secret = encodeBase32(ctx.random.bytes(ctx.config.totp.secretBytes));
      await ctx.stores.factors.savePending({
        id: newId(ctx),
        kind: 'totp',
        secret: ctx.secretBox.seal(secret, staff.id),
        lastStep: null,
        createdAt: ctx.clock.now(),
        staffId: staff.id,
        clinicId: staff.clinicId,
        status: 'pending',
        confirmedAt: null,
      });
      return shown(staff, secret, issuer);
    },

    /** The enrollment in progress, shown again (a page reload); null when none is pending. */
    async pendingEnrollment(staff: StaffMember, issuer?: string): Promise<TotpEnrollment | null> {
      const factors = await ctx.stores.factors.list(staff.id);
      const pending = factors.find((f) => f.kind === 'totp' && f.status === 'pending');
      if (pending?.kind !== 'totp') return null;
      return shown(staff, ctx.secretBox.open(pending.secret, staff.id), issuer);
    },

    /** Confirms the pending app with its first code; the code's step is recorded so it cannot be reused. */
    async confirmEnrollment(staff: StaffMember, input: unknown): Promise<TotpCheck> {
      const code = parseSixDigitCode(input);
      if (code === null) return { ok: false, reason: 'malformed' };
      const factors = await ctx.stores.factors.list(staff.id);
      const pending = factors.find((f) => f.kind === 'totp' && f.status === 'pending');
      if (pending?.kind !== 'totp') return { ok: false, reason: 'not_enrolled' };
      const result = check(pending, staff, code);
      if (!result.valid) return { ok: false, reason: 'invalid' };
      const activated = await ctx.stores.factors.activate(
        staff.id,
        'totp',
        pending.id,
        ctx.clock.now(),
        result.step,
      );
      return activated ? { ok: true, step: result.step } : { ok: false, reason: 'replayed' };
    },

    /** Verifies a sign-in code against the active app; atomically refuses a step already used. */
    async verify(staff: StaffMember, input: unknown): Promise<TotpCheck> {
      const code = parseSixDigitCode(input);
      if (code === null) return { ok: false, reason: 'malformed' };
      const factors = await ctx.stores.factors.list(staff.id);
      const active = factors.find((f) => f.kind === 'totp' && f.status === 'active');
      if (active?.kind !== 'totp') return { ok: false, reason: 'not_enrolled' };
      const result = check(active, staff, code);
      if (!result.valid) return { ok: false, reason: 'invalid' };
      if (active.lastStep !== null && result.step <= active.lastStep)
        return { ok: false, reason: 'replayed' };
      const won = await ctx.stores.factors.acceptTotpStep(staff.id, active.id, result.step);
      return won ? { ok: true, step: result.step } : { ok: false, reason: 'replayed' };
    },
  };
}

export type Totp = ReturnType<typeof createTotp>;
