/** Passkeys as a factor kind: several per person, under every existing rule. */
import { describe, expect, it } from 'vitest';
import { auditOf, credential, type Fixture, setup } from './fixtures.ts';

const REASON = 'Lost phone';

async function addPasskey(f: Fixture, name: string, staff = f.alice, cred = credential()) {
  const result = await f.twostep.enrollment.addPasskey(f.actor(staff), staff, cred, name);
  if (!result.ok) throw new Error(`addPasskey: ${result.reason}`);
  return result;
}

describe('passkeys in core', () => {
  it('holds several named passkeys; the first issues the recovery code; each is audited and notified', async () => {
    const f = await setup();
    const desk = await addPasskey(f, '  Front desk PC ');
    const phone = await addPasskey(f, 'My phone');
    expect(desk.recoveryCode).not.toBeNull();
    expect(phone.recoveryCode).toBeNull();
    expect(desk.passkey).toMatchObject({ name: 'Front desk PC', status: 'active', staffId: f.alice.id });

    const listed = await f.stores.factors.list(f.alice.id);
    expect(listed.map((p) => (p.kind === 'passkey' ? p.name : p.kind)).sort()).toEqual([
      'Front desk PC',
      'My phone',
    ]);
    expect(await f.twostep.secondFactor.requirement(f.alice)).toEqual({
      kind: 'second_factor',
      methods: ['passkey', 'recovery'],
    });
    const enrolled = (await auditOf(f)).filter((a) => a.type === 'factor.enrolled');
    expect(enrolled.map((a) => a.details)).toEqual([
      { factor: 'passkey', name: 'Front desk PC' },
      { factor: 'passkey', name: 'My phone' },
    ]);
    const added = f.notifier.sent.filter((n) => n.kind === 'factor_added' && n.to.staffId === f.alice.id);
    expect(added.map((n) => n.params.factor).sort()).toEqual([
      'passkey "Front desk PC"',
      'passkey "My phone"',
    ]);
  });

  it('refuses an empty name and a credential already registered (to anyone), changing nothing', async () => {
    const f = await setup();
    for (const name of ['', '   ', '\u0000\u0007', 42, null]) {
      const result = await f.twostep.enrollment.addPasskey(f.actor(f.alice), f.alice, credential(), name);
      expect(result).toEqual({ ok: false, reason: 'invalid_name' });
    }
    const cred = credential();
    await addPasskey(f, 'Laptop', f.alice, cred);
    const before = await auditOf(f);
    expect(await f.twostep.enrollment.addPasskey(f.actor(f.bob), f.bob, cred, 'Laptop')).toEqual({
      ok: false,
      reason: 'duplicate',
    });
    expect(await f.stores.factors.list(f.bob.id)).toEqual([]);
    expect(await auditOf(f)).toEqual(before);
    // A long name is cut to 60 characters.
    const long = await addPasskey(f, 'x'.repeat(200));
    expect(long.passkey.name).toHaveLength(60);
  });

  it('enforced: one passkey of two can go, the last method cannot', async () => {
    const f = await setup({ enforce: true });
    const desk = await addPasskey(f, 'Desk');
    const phone = await addPasskey(f, 'Phone');
    const remove = (id: unknown) => f.twostep.enrollment.removePasskey(f.actor(f.alice), f.alice, id);
    expect(await remove(desk.passkey.id)).toEqual({ ok: true });
    expect(await remove(desk.passkey.id)).toEqual({ ok: false, reason: 'not_enrolled' });
    expect(await remove(phone.passkey.id)).toEqual({ ok: false, reason: 'last_factor_enforced' });
    expect(await f.twostep.enrollment.remove(f.actor(f.alice), f.alice, 'passkey')).toEqual({
      ok: false,
      reason: 'last_factor_enforced',
    });
    expect(await f.stores.factors.list(f.alice.id)).toHaveLength(1);
    const removed = (await auditOf(f)).filter((a) => a.type === 'factor.removed');
    expect(removed.map((a) => a.details)).toEqual([{ factor: 'passkey', name: 'Desk' }]);
    expect(
      f.notifier.sent.some((n) => n.kind === 'factor_removed' && n.params.factor === 'passkey "Desk"'),
    ).toBe(true);
  });

  it("someone else's passkey id is not_enrolled and stays", async () => {
    const f = await setup();
    const bobs = await addPasskey(f, 'Bob laptop', f.bob);
    await addPasskey(f, 'Alice laptop');
    expect(await f.twostep.enrollment.removePasskey(f.actor(f.alice), f.alice, bobs.passkey.id)).toEqual({
      ok: false,
      reason: 'not_enrolled',
    });
    expect(
      await f.twostep.enrollment.renamePasskey(f.actor(f.alice), f.alice, bobs.passkey.id, 'Mine'),
    ).toEqual({
      ok: false,
      reason: 'not_enrolled',
    });
    expect(await f.stores.factors.findPasskey(bobs.passkey.credentialId)).toMatchObject({
      name: 'Bob laptop',
    });
  });

  it('not enforced: removing the last passkey needs a reason, then drops the recovery code and trusted devices', async () => {
    const f = await setup();
    const desk = await addPasskey(f, 'Desk');
    const trusted = await f.twostep.devices.trust(f.actor(f.alice), f.alice, 'Firefox');
    expect(trusted.ok).toBe(true);
    expect(
      await f.twostep.enrollment.removePasskey(f.actor(f.alice), f.alice, desk.passkey.id, { reason: '  ' }),
    ).toEqual({ ok: false, reason: 'reason_required' });
    expect(await f.stores.recoveryCodes.get(f.alice.id)).not.toBeNull();
    expect(
      await f.twostep.enrollment.removePasskey(f.actor(f.alice), f.alice, desk.passkey.id, {
        reason: 'new laptop',
      }),
    ).toEqual({ ok: true });
    expect(await f.stores.recoveryCodes.get(f.alice.id)).toBeNull();
    expect(await f.stores.trustedDevices.list(f.alice.id, f.clock.now())).toEqual([]);
    expect(await f.twostep.secondFactor.requirement(f.alice)).toMatchObject({ kind: 'none' });
  });

  it('with an authenticator app too, remove(passkey) takes every passkey and the app stays', async () => {
    const f = await setup({ enforce: true });
    await addPasskey(f, 'Desk');
    await addPasskey(f, 'Phone');
    await f.stores.factors.savePending({
      id: 'totp-1',
      kind: 'totp',
      secret: 'sealed',
      lastStep: null,
      createdAt: f.clock.now(),
      staffId: f.alice.id,
      clinicId: f.alice.clinicId,
      status: 'pending',
      confirmedAt: null,
    });
    await f.stores.factors.activate(f.alice.id, 'totp', 'totp-1', f.clock.now(), null);
    expect(await f.twostep.enrollment.remove(f.actor(f.alice), f.alice, 'passkey')).toEqual({ ok: true });
    expect((await f.stores.factors.list(f.alice.id)).map((x) => x.kind)).toEqual(['totp']);
    expect((await auditOf(f)).filter((a) => a.type === 'factor.removed').map((a) => a.details)).toEqual([
      { factor: 'passkey' },
    ]);
  });

  it('rename keeps the credential; a pause wins over passkeys; a reset removes them', async () => {
    const f = await setup();
    const desk = await addPasskey(f, 'Desk');
    expect(
      await f.twostep.enrollment.renamePasskey(f.actor(f.alice), f.alice, desk.passkey.id, 'Reception'),
    ).toEqual({
      ok: true,
    });
    expect(await f.twostep.enrollment.renamePasskey(f.actor(f.alice), f.alice, desk.passkey.id, ' ')).toEqual(
      {
        ok: false,
        reason: 'invalid_name',
      },
    );
    expect(await f.stores.factors.findPasskey(desk.passkey.credentialId)).toMatchObject({
      name: 'Reception',
      publicKey: desk.passkey.publicKey,
    });

    expect(await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason: REASON })).toMatchObject({
      ok: true,
    });
    expect(await f.twostep.secondFactor.requirement(f.alice)).toMatchObject({
      kind: 'none',
      reason: 'paused',
    });
    // Adding a passkey while paused ends the pause early, as for the other kinds.
    await addPasskey(f, 'Phone');
    expect(await f.twostep.secondFactor.requirement(f.alice)).toMatchObject({ kind: 'second_factor' });

    expect(await f.twostep.admin.reset(f.actor(f.owner), f.alice.id, { reason: REASON })).toEqual({
      ok: true,
    });
    expect(await f.stores.factors.list(f.alice.id)).toEqual([]);
    expect(await f.stores.factors.findPasskey(desk.passkey.credentialId)).toBeNull();
  });
});
