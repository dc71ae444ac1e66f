import type { CoreContext } from './context.ts';
import type { SessionListener } from './ports.ts';
import type { ActorContext, StaffMember } from './types.ts';

/** Why every session of a staff member ended (recorded in the audit log). */
export type SessionEndCause =
  | 'user'
  | 'password_changed'
  | 'two_step_paused'
  | 'two_step_reset'
  | 'role_changed'
  | 'deactivated';

/**
 * Ending every session of a staff member at once: the IdP's own pages (the session store), the
 * IdP's sign-in session (refused when older than the end, see `endedAt`) and, through the
 * listener, the apps (back-channel logout).
 */
export function createSessions(ctx: CoreContext, listener: SessionListener | undefined) {
  return {
    async endAll(actor: ActorContext, staff: StaffMember, cause: SessionEndCause): Promise<void> {
      const removed = await ctx.stores.sessions.endAll(staff.id, ctx.clock.now());
      await ctx.audit.record(actor, {
        clinicId: staff.clinicId,
        type: 'sessions.ended',
        targetId: staff.id,
        details: { cause, consoleSessions: removed },
      });
      if (listener === undefined) return;
      try {
        await listener.sessionsEnded(staff);
      } catch (error) {
        ctx.logger.error('ending app sessions failed', { staffId: staff.id, error });
      }
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
