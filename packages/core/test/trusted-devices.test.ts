import { deviceLabel, isTwostepError, parseCoreConfig, TwostepError } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { auditOf, enrollTotp, setup } from './fixtures.ts';

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

describe('trusted devices', () => {
  it('trust → a token whose secret only the cookie holds; check() is valid for the same staff member', async () => {
    const f = await setup();
    await enrollTotp(f, f.alice);
    const trusted = await f.twostep.devices.trust(f.actor(f.alice), f.alice, CHROME_MAC);
    expect(trusted.ok).toBe(true);
    if (!trusted.ok) return;
    const [id, secret] = trusted.token.split('.');
    expect(id).toBe(trusted.device.id);
    expect(secret!.length).toBeGreaterThanOrEqual(43); // 32 random bytes
    const stored = await f.stores.trustedDevices.get(trusted.device.id);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored!.expiresAt.getTime() - stored!.createdAt.getTime()).toBe(30 * 86_400_000);

    const checked = await f.twostep.devices.check(trusted.token, f.alice.id);
    expect(checked?.id).toBe(trusted.device.id);
    expect(await f.twostep.secondFactor.requirement(f.alice, { deviceToken: trusted.token })).toEqual({
      kind: 'trusted_device',
    });
    // A max_age step-up ignores the device.
    expect(
      await f.twostep.secondFactor.requirement(f.alice, { deviceToken: trusted.token, freshRequired: true }),
    ).toMatchObject({ kind: 'second_factor' });
  });

  it('check() updates lastUsedAt', async () => {
    const f = await setup();
    const trusted = await f.twostep.devices.trust(f.actor(f.alice), f.alice, CHROME_MAC);
    if (!trusted.ok) throw new Error('not trusted');
    f.clock.advance(3_600_000);
    await f.twostep.devices.check(trusted.token, f.alice.id);
    expect((await f.stores.trustedDevices.get(trusted.device.id))?.lastUsedAt).toEqual(f.clock.now());
  });

  it('is not valid for another staff member, nor tampered, nor after 30 days', async () => {
    const f = await setup();
    const trusted = await f.twostep.devices.trust(f.actor(f.alice), f.alice, CHROME_MAC);
    if (!trusted.ok) throw new Error('not trusted');
    const { token } = trusted;
    expect(await f.twostep.devices.check(token, f.bob.id)).toBeNull();
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(await f.twostep.devices.check(`${token.slice(0, -1)}${last}`, f.alice.id)).toBeNull();
    const [id, secret] = token.split('.');
    expect(
      await f.twostep.devices.check(`${id}.${secret!.split('').reverse().join('')}`, f.alice.id),
    ).toBeNull();
    expect(await f.twostep.devices.check(`${id}x.${secret}`, f.alice.id)).toBeNull();
    expect(await f.twostep.devices.check(id, f.alice.id)).toBeNull();
    expect(await f.twostep.devices.check('', f.alice.id)).toBeNull();
    expect(await f.twostep.devices.check({ token }, f.alice.id)).toBeNull();
    expect(await f.twostep.devices.check(`${token}${'a'.repeat(300)}`, f.alice.id)).toBeNull();

    f.clock.advance(30 * 86_400_000 - 1000);
    expect(await f.twostep.devices.check(token, f.alice.id)).not.toBeNull();
    f.clock.advance(1000);
    expect(await f.twostep.devices.check(token, f.alice.id)).toBeNull();
    expect(await f.twostep.devices.list(f.alice.id)).toEqual([]);
  });

  it('labels the device from the user agent', async () => {
    expect(deviceLabel(CHROME_MAC)).toBe('Chrome on macOS');
    expect(deviceLabel(FIREFOX_WIN)).toBe('Firefox on Windows');
    expect(deviceLabel(null)).toBe('Unknown browser');
    expect(deviceLabel('curl-ish nonsense')).toBe('Unknown browser');
    const f = await setup();
    const trusted = await f.twostep.devices.trust(f.actor(f.alice), f.alice, CHROME_MAC);
    expect(trusted.ok && trusted.device.label).toBe('Chrome on macOS');
  });

  it('list (newest first), revoke one, revokeAll; audited', async () => {
    const f = await setup();
    const a = await f.twostep.devices.trust(f.actor(f.alice), f.alice, CHROME_MAC);
    f.clock.advance(1000);
    const b = await f.twostep.devices.trust(f.actor(f.alice), f.alice, FIREFOX_WIN);
    f.clock.advance(1000);
    const c = await f.twostep.devices.trust(f.actor(f.alice), f.alice, CHROME_MAC);
    if (!a.ok || !b.ok || !c.ok) throw new Error('not trusted');
    expect((await f.twostep.devices.list(f.alice.id)).map((d) => d.id)).toEqual([
      c.device.id,
      b.device.id,
      a.device.id,
    ]);
    expect(await f.twostep.devices.list(f.bob.id)).toEqual([]);

    // Bob cannot revoke Alice's device through his own account.
    expect(await f.twostep.devices.revoke(f.actor(f.bob), f.bob, b.device.id)).toBe(false);
    expect(await f.twostep.devices.revoke(f.actor(f.alice), f.alice, b.device.id)).toBe(true);
    expect(await f.twostep.devices.check(b.token, f.alice.id)).toBeNull();
    expect(await f.twostep.devices.check(a.token, f.alice.id)).not.toBeNull();

    expect(await f.twostep.devices.revokeAll(f.actor(f.alice), f.alice, 'user')).toBe(2);
    expect(await f.twostep.devices.list(f.alice.id)).toEqual([]);
    expect(await f.twostep.devices.check(a.token, f.alice.id)).toBeNull();

    const revoked = (await auditOf(f)).filter((e) => e.type === 'device.revoked');
    expect(revoked.map((e) => e.details)).toEqual([
      { deviceId: b.device.id, cause: 'user' },
      { count: 2, cause: 'user' },
    ]);
    expect((await auditOf(f)).filter((e) => e.type === 'device.trusted')).toHaveLength(3);
  });

  it.each(['passwordChanged', 'roleChanged', 'deactivated'] as const)(
    'lifecycle.%s revokes every device',
    async (event) => {
      const f = await setup();
      const a = await f.twostep.devices.trust(f.actor(f.alice), f.alice, CHROME_MAC);
      const b = await f.twostep.devices.trust(f.actor(f.alice), f.alice, FIREFOX_WIN);
      const bobs = await f.twostep.devices.trust(f.actor(f.bob), f.bob, FIREFOX_WIN);
      if (!a.ok || !b.ok || !bobs.ok) throw new Error('not trusted');
      expect(await f.twostep.lifecycle[event](f.actor(f.owner), f.alice)).toBe(2);
      expect(await f.twostep.devices.check(a.token, f.alice.id)).toBeNull();
      expect(await f.twostep.devices.check(b.token, f.alice.id)).toBeNull();
      expect(await f.twostep.devices.check(bobs.token, f.bob.id)).not.toBeNull();
      const cause = {
        passwordChanged: 'password_changed',
        roleChanged: 'role_changed',
        deactivated: 'deactivated',
      }[event];
      const [ended, last] = (await auditOf(f)).slice(-2);
      // Every session of the person ends too (console, IdP sign-in, apps through the listener).
      expect(ended).toMatchObject({ type: 'sessions.ended', targetId: f.alice.id, details: { cause } });
      expect(last).toMatchObject({
        type: 'device.revoked',
        actorId: f.owner.id,
        targetId: f.alice.id,
        details: { count: 2, cause },
      });
    },
  );

  it('refused (not_allowed) when the clinic disallows; an existing device stops counting', async () => {
    const f = await setup();
    await enrollTotp(f, f.alice);
    const before = await f.twostep.devices.trust(f.actor(f.alice), f.alice, CHROME_MAC);
    if (!before.ok) throw new Error('not trusted');
    expect((await f.twostep.admin.setTrustedDevicesAllowed(f.actor(f.owner), false)).ok).toBe(true);
    expect(await f.twostep.devices.trust(f.actor(f.alice), f.alice, CHROME_MAC)).toEqual({
      ok: false,
      reason: 'not_allowed',
    });
    expect(await f.twostep.secondFactor.requirement(f.alice, { deviceToken: before.token })).toMatchObject({
      kind: 'second_factor',
    });
    const g = await setup({ allowTrustedDevices: false });
    expect(await g.twostep.devices.trust(g.actor(g.alice), g.alice, CHROME_MAC)).toEqual({
      ok: false,
      reason: 'not_allowed',
    });
    expect(await g.stores.trustedDevices.list(g.alice.id, g.clock.now())).toEqual([]);
  });

  it('config trustedDevices.days: 31 throws invalid_config naming the path', async () => {
    let error: unknown;
    try {
      parseCoreConfig({ trustedDevices: { days: 31 } });
    } catch (e) {
      error = e;
    }
    expect(isTwostepError(error, 'invalid_config')).toBe(true);
    expect((error as TwostepError).message).toContain('trustedDevices.days');
    await expect(setup({ config: { trustedDevices: { days: 31 } } })).rejects.toThrow(TwostepError);
    // A shorter period is honoured.
    const f = await setup({ config: { trustedDevices: { days: 7 } } });
    const t = await f.twostep.devices.trust(f.actor(f.alice), f.alice, CHROME_MAC);
    if (!t.ok) throw new Error('not trusted');
    f.clock.advance(7 * 86_400_000);
    expect(await f.twostep.devices.check(t.token, f.alice.id)).toBeNull();
  });
});
