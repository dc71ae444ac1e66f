import { describe, expect, it } from 'vitest';
import type { StaffMember } from '../src/types.ts';
import { auditOf, setup, T0 } from './fixtures.ts';

const session = (staffId: string, id: string) => ({
  id,
  staffId,
  acr: 'urn:twostep:loa:2fa',
  amr: ['pwd', 'otp', 'mfa'],
  authTime: Math.floor(T0.getTime() / 1000),
  createdAt: T0,
  seenAt: T0,
  expiresAt: new Date(T0.getTime() + 3_600_000),
});

describe('sessions.endAll', () => {
  it("removes the person's console sessions, remembers the end, audits it and tells the listener", async () => {
    const told: string[] = [];
    const f = await setup({
      sessionListener: { sessionsEnded: async (staff: StaffMember) => void told.push(staff.id) },
    });
    await f.stores.sessions.create(session(f.alice.id, 'a1'));
    await f.stores.sessions.create(session(f.alice.id, 'a2'));
    await f.stores.sessions.create(session(f.bob.id, 'b1'));

    await f.twostep.sessions.endAll(f.actor(f.alice), f.alice, 'user');
    expect(await f.stores.sessions.get('a1', T0)).toBeNull();
    expect(await f.stores.sessions.get('a2', T0)).toBeNull();
    expect(await f.stores.sessions.get('b1', T0)).not.toBeNull();
    expect(await f.stores.sessions.endedAt(f.alice.id)).toEqual(f.clock.now());
    expect(told).toEqual([f.alice.id]);
    expect((await auditOf(f)).at(-1)).toMatchObject({
      type: 'sessions.ended',
      actorId: f.alice.id,
      targetId: f.alice.id,
      details: { cause: 'user', consoleSessions: 2 },
    });
  });

  it('a listener that fails (an app did not answer) is logged; the sessions are still ended', async () => {
    const f = await setup({
      sessionListener: {
        sessionsEnded: async () => {
          throw new Error('app down');
        },
      },
    });
    await f.stores.sessions.create(session(f.alice.id, 'a1'));
    await f.twostep.sessions.endAll(f.actor(f.owner), f.alice, 'two_step_reset');
    expect(await f.stores.sessions.get('a1', T0)).toBeNull();
    expect(f.logs).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'ending app sessions failed' }),
    );
  });

  it('pause, reset and every lifecycle change end the sessions, with their cause', async () => {
    const f = await setup();
    await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason: 'lost phone' });
    await f.twostep.admin.reset(f.actor(f.owner), f.alice.id, { reason: 'new phone' });
    await f.twostep.lifecycle.passwordChanged(f.actor(f.alice), f.alice);
    await f.twostep.lifecycle.roleChanged(f.actor(f.owner), f.alice);
    await f.twostep.lifecycle.deactivated(f.actor(f.owner), f.alice);
    const causes = (await auditOf(f)).filter((e) => e.type === 'sessions.ended').map((e) => e.details.cause);
    expect(causes).toEqual([
      'two_step_paused',
      'two_step_reset',
      'password_changed',
      'role_changed',
      'deactivated',
    ]);
  });
});
