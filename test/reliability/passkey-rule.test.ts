/**
 * The clinic's passkey rule (who must sign in with a passkey) through core, on the memory store
 * and (with MONGODB_URI) on FerretDB: what sign-in asks of covered people, turning the rule up
 * (audited) and down (reason, compliance warning pattern, every Full Access User emailed),
 * "cannot remove the last passkey while the rule covers you" (also under a burst), and the
 * console's view of who has passkeys.
 */
import type { StaffMember, Stores } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { credential } from '../../packages/core/test/fixtures.ts';
import {
  auditOf,
  type CoreFixture,
  coreFixture,
  enrollTotp,
  onMemoryAndMongo,
  parallel,
} from './fixtures.ts';

const BURST = 40;
const REASON = 'Front desk computers have no passkey support yet';

async function addPasskey(f: CoreFixture, staff: StaffMember, name: string) {
  const result = await f.twostep.enrollment.addPasskey(f.actor(staff), staff, credential(), name);
  if (!result.ok) throw new Error(`addPasskey: ${result.reason}`);
  return result.passkey;
}

function suite(name: string, makeStores: () => Promise<Stores>) {
  const fixture = async () => coreFixture(await makeStores());
  const events = async (f: CoreFixture, type: string) =>
    (await auditOf(f.stores, f.clinic.id)).filter((e) => e.type === type);

  describe(`${name}: the clinic's passkey rule`, () => {
    it('is off until set; the store keeps each scope', async () => {
      const f = await fixture();
      expect((await f.stores.clinics.get(f.clinic.id))?.phishingResistant).toBeUndefined();
      for (const scope of ['full_access', 'everyone', 'off'] as const) {
        expect(await f.stores.clinics.update(f.clinic.id, { phishingResistant: scope })).toBe(true);
        expect(await f.stores.clinics.get(f.clinic.id)).toEqual({ ...f.clinic, phishingResistant: scope });
      }
    });

    it('covered people: a passkey is the way in (recovery last); codes only until they have one, then add one', async () => {
      const f = await fixture();
      await enrollTotp(f, f.owner);
      await enrollTotp(f, f.alice);
      expect(await f.twostep.admin.setPhishingResistant(f.actor(f.owner), 'full_access')).toEqual({
        ok: true,
        narrowed: false,
      });
      // The owner (covered) has only a code: codes prove who they are, then they add a passkey.
      expect(await f.twostep.secondFactor.requirement(f.owner)).toEqual({
        kind: 'second_factor',
        methods: ['totp', 'recovery'],
        passkeyRequired: true,
      });
      // Alice is not a Full Access User: unchanged.
      expect(await f.twostep.secondFactor.requirement(f.alice)).toEqual({
        kind: 'second_factor',
        methods: ['totp', 'recovery'],
      });
      await addPasskey(f, f.owner, 'Office laptop');
      expect(await f.twostep.secondFactor.requirement(f.owner)).toEqual({
        kind: 'second_factor',
        methods: ['passkey', 'recovery'],
        passkeyRequired: true,
      });
      // A remembered device never stands in for the passkey.
      const trusted = await f.twostep.devices.trust(f.actor(f.owner), f.owner, 'Firefox');
      if (!trusted.ok) throw new Error('trust');
      expect(await f.twostep.secondFactor.requirement(f.owner, { deviceToken: trusted.token })).toMatchObject(
        { kind: 'second_factor', methods: ['passkey', 'recovery'] },
      );

      expect(await f.twostep.admin.setPhishingResistant(f.actor(f.owner), 'everyone')).toMatchObject({
        ok: true,
      });
      expect(await f.twostep.secondFactor.requirement(f.alice)).toEqual({
        kind: 'second_factor',
        methods: ['totp', 'recovery'],
        passkeyRequired: true,
      });
      // Nobody enrolled yet (Bob): a passkey is the method to enroll.
      expect(await f.twostep.secondFactor.requirement(f.bob)).toEqual({
        kind: 'enroll',
        passkeyRequired: true,
      });
      // A pause still wins: the way out for someone who cannot use a passkey today.
      await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason: 'laptop at repair' });
      expect(await f.twostep.secondFactor.requirement(f.alice)).toMatchObject({
        kind: 'none',
        reason: 'paused',
      });
    });

    it('covering more people is audited and emails nobody; an unknown scope or a non-admin changes nothing', async () => {
      const f = await fixture();
      const before = f.notifier.sent.length;
      expect(await f.twostep.admin.setPhishingResistant(f.actor(f.owner), 'everyone')).toEqual({
        ok: true,
        narrowed: false,
      });
      expect(await f.twostep.admin.setPhishingResistant(f.actor(f.owner), 'everyone')).toEqual({
        ok: true,
        narrowed: false,
      });
      expect((await events(f, 'policy.phishing_resistant_changed')).map((e) => e.details)).toEqual([
        { from: 'off', to: 'everyone' },
      ]);
      expect(f.notifier.sent.length).toBe(before);
      for (const bad of ['all', '', null, 1, { scope: 'off' }]) {
        expect(await f.twostep.admin.setPhishingResistant(f.actor(f.owner), bad)).toEqual({
          ok: false,
          reason: 'invalid_scope',
        });
      }
      expect(await f.twostep.admin.setPhishingResistant(f.actor(f.alice), 'off', { reason: REASON })).toEqual(
        {
          ok: false,
          reason: 'forbidden',
        },
      );
      expect((await f.stores.clinics.get(f.clinic.id))?.phishingResistant).toBe('everyone');
    });

    it('covering fewer people needs a reason, is audited with the warning shown, and emails every Full Access User', async () => {
      const f = await fixture();
      await f.twostep.admin.setPhishingResistant(f.actor(f.owner), 'everyone');
      for (const reason of [undefined, '  ']) {
        expect(
          await f.twostep.admin.setPhishingResistant(f.actor(f.owner), 'full_access', { reason }),
        ).toEqual({
          ok: false,
          reason: 'reason_required',
        });
      }
      expect((await f.stores.clinics.get(f.clinic.id))?.phishingResistant).toBe('everyone');
      expect(await f.twostep.admin.setPhishingResistant(f.actor(f.owner), 'off', { reason: REASON })).toEqual(
        {
          ok: true,
          narrowed: true,
        },
      );
      expect((await events(f, 'policy.phishing_resistant_changed')).at(-1)).toMatchObject({
        actorId: f.owner.id,
        details: { from: 'everyone', to: 'off', reason: REASON, warningShown: true },
      });
      // Only Full Access Users, the one who did it included (the outbox keeps the newest first).
      const sent = f.notifier.sent.filter((n) => n.kind === 'phishing_resistant_narrowed');
      expect(sent.map((n) => n.to.staffId).sort()).toEqual([f.admin2.id, f.owner.id].sort());
      expect(sent[0]?.params).toMatchObject({
        actor: f.owner.name,
        reason: REASON,
      });
    });

    it('the last passkey cannot be removed while the rule covers you; another can; off again, it can', async () => {
      const f = await fixture();
      await f.twostep.admin.setPhishingResistant(f.actor(f.owner), 'full_access');
      await enrollTotp(f, f.owner);
      const laptop = await addPasskey(f, f.owner, 'Laptop');
      const phone = await addPasskey(f, f.owner, 'Phone');
      const remove = (id: string) => f.twostep.enrollment.removePasskey(f.actor(f.owner), f.owner, id);
      expect(await remove(laptop.id)).toEqual({ ok: true });
      expect(await remove(phone.id)).toEqual({ ok: false, reason: 'last_passkey_required' });
      expect(await f.twostep.enrollment.remove(f.actor(f.owner), f.owner, 'passkey')).toEqual({
        ok: false,
        reason: 'last_passkey_required',
      });
      // Other methods are free to go.
      expect(await f.twostep.enrollment.remove(f.actor(f.owner), f.owner, 'totp')).toEqual({ ok: true });
      expect((await f.twostep.admin.status(f.owner)).passkeys.map((p) => p.name)).toEqual(['Phone']);
      await f.twostep.admin.setPhishingResistant(f.actor(f.owner), 'off', { reason: REASON });
      await enrollTotp(f, f.owner);
      expect(await remove(phone.id)).toEqual({ ok: true });
    });

    it(`${BURST} concurrent removals of two passkeys under the rule → exactly one removed`, async () => {
      const f = await fixture();
      await f.twostep.admin.setPhishingResistant(f.actor(f.owner), 'everyone');
      await enrollTotp(f, f.alice);
      const keys = [await addPasskey(f, f.alice, 'Desk'), await addPasskey(f, f.alice, 'Phone')];
      const results = await parallel(BURST, (i) =>
        f.twostep.enrollment.removePasskey(f.actor(f.alice), f.alice, keys[i % 2]!.id),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect((await f.stores.factors.list(f.alice.id)).filter((x) => x.kind === 'passkey')).toHaveLength(1);
      expect(await events(f, 'factor.removed')).toHaveLength(1);
    });

    it('rename is audited and emailed with the old and new names; status lists passkeys for the console', async () => {
      const f = await fixture();
      const desk = await addPasskey(f, f.alice, 'Desk');
      f.clock.advance(60_000);
      await addPasskey(f, f.alice, 'Phone');
      expect(
        await f.twostep.enrollment.renamePasskey(f.actor(f.alice), f.alice, desk.id, 'Front desk PC'),
      ).toEqual({ ok: true });
      expect((await events(f, 'passkey.renamed')).map((e) => e.details)).toEqual([
        { from: 'Desk', to: 'Front desk PC' },
      ]);
      const sent = f.notifier.sent.filter((n) => n.kind === 'passkey_renamed');
      expect(sent.map((n) => [n.kind, n.to.staffId, n.params])).toEqual([
        ['passkey_renamed', f.alice.id, { from: 'Desk', to: 'Front desk PC' }],
      ]);
      const status = await f.twostep.admin.status(f.alice);
      expect(status.passkeys.map((p) => p.name)).toEqual(['Front desk PC', 'Phone']);
      expect(status.passkeyRequired).toBe(false);
      expect(status.passkeys[0]?.lastUsedAt).toBeNull();
    });
  });
}

onMemoryAndMongo('passkey-rule', suite);
