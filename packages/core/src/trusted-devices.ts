import { UAParser } from 'ua-parser-js';
import type { CoreContext } from './context.ts';
import { newId } from './context.ts';
import { constantTimeEqual, sha256 } from './crypto/hashing.ts';
import type { ActorContext, StaffMember, TrustedDevice } from './types.ts';

export type RevokeCause =
  | 'user'
  | 'admin'
  | 'password_changed'
  | 'role_changed'
  | 'two_step_reset'
  | 'deactivated';

/** "Chrome on macOS", or "Unknown browser". */
export function deviceLabel(userAgent: string | null | undefined): string {
  const parts = deviceParts(userAgent);
  if (!parts) return 'Unknown browser';
  return parts.os ? `${parts.browser} on ${parts.os}` : parts.browser;
}

/** The browser's and the system's names (no words around them, for a label in another language). */
export function deviceParts(userAgent: string | null | undefined): { browser: string; os?: string } | null {
  if (!userAgent) return null;
  const { browser, os } = new UAParser(userAgent.slice(0, 512)).getResult();
  if (!browser.name) return null;
  const osName = os.name === 'Mac OS' ? 'macOS' : os.name;
  return osName ? { browser: browser.name, os: osName } : { browser: browser.name };
}

/** Token format `<deviceId>.<secret>`: the id finds the record, the secret proves possession. */
function splitToken(token: unknown): { id: string; secret: string } | null {
  if (typeof token !== 'string' || token.length > 200) return null;
  const match = /^([\w-]{16,64})\.([\w-]{32,100})$/.exec(token);
  return match?.[1] && match[2] ? { id: match[1], secret: match[2] } : null;
}

/**
 * "Remember this device": a random token in an HttpOnly cookie, only its
 * hash stored, at most 30 days, listed and revocable.
 */
export function createTrustedDevices(ctx: CoreContext) {
  async function revokeAll(actor: ActorContext, staff: StaffMember, cause: RevokeCause): Promise<number> {
    const removed = await ctx.stores.trustedDevices.removeAll(staff.id);
    if (removed > 0) {
      await ctx.audit.record(actor, {
        clinicId: staff.clinicId,
        type: 'device.revoked',
        targetId: staff.id,
        details: { count: removed, cause },
      });
    }
    return removed;
  }

  return {
    /**
     * Remembers this browser. Returns the cookie value (shown to nobody, stored
     * nowhere else) or `not_allowed` when the clinic has turned the option off.
     */
    async trust(
      actor: ActorContext,
      staff: StaffMember,
      userAgent: string | null,
    ): Promise<{ ok: true; token: string; device: TrustedDevice } | { ok: false; reason: 'not_allowed' }> {
      const clinic = await ctx.stores.clinics.get(staff.clinicId);
      if (!clinic?.allowTrustedDevices) return { ok: false, reason: 'not_allowed' };
      const now = ctx.clock.now();
      const secret = Buffer.from(ctx.random.bytes(32)).toString('base64url');
      const device: TrustedDevice = {
        id: newId(ctx),
        staffId: staff.id,
        clinicId: staff.clinicId,
        tokenHash: sha256(secret),
        label: deviceLabel(userAgent),
        createdAt: now,
        lastUsedAt: now,
        expiresAt: new Date(now.getTime() + ctx.config.trustedDevices.days * 86_400_000),
      };
      await ctx.stores.trustedDevices.add(device);
      await ctx.audit.record(actor, {
        clinicId: staff.clinicId,
        type: 'device.trusted',
        targetId: staff.id,
        details: { deviceId: device.id, label: device.label },
      });
      return { ok: true, token: `${device.id}.${secret}`, device };
    },

    /** The device behind a cookie, when it is valid, unexpired and belongs to `staffId`; stamps its last use. */
    async check(token: unknown, staffId: string): Promise<TrustedDevice | null> {
      const parts = splitToken(token);
      if (!parts) return null;
      const device = await ctx.stores.trustedDevices.get(parts.id);
      const now = ctx.clock.now();
      const matches = device !== null && constantTimeEqual(sha256(parts.secret), device.tokenHash);
      if (!device || !matches || device.staffId !== staffId || device.expiresAt <= now) return null;
      await ctx.stores.trustedDevices.touch(device.id, now);
      return device;
    },

    list(staffId: string): Promise<TrustedDevice[]> {
      return ctx.stores.trustedDevices.list(staffId, ctx.clock.now());
    },

    async revoke(actor: ActorContext, staff: StaffMember, deviceId: string): Promise<boolean> {
      const removed = await ctx.stores.trustedDevices.remove(staff.id, deviceId);
      if (removed) {
        await ctx.audit.record(actor, {
          clinicId: staff.clinicId,
          type: 'device.revoked',
          targetId: staff.id,
          details: { deviceId, cause: actor.actorId === staff.id ? 'user' : 'admin' },
        });
      }
      return removed;
    },

    revokeAll,
  };
}

export type TrustedDevices = ReturnType<typeof createTrustedDevices>;
