/**
 * Every core admin action (pause, resume, reset, unlock, revokeDevices,
 * setEnforcement on and off) with the store failing at each of its store calls
 * in turn (the calls are recorded from a clean run first).
 *
 * What "consistent" means, and what is asserted:
 * - a failure before the action's first write: the action rejects
 *   (`store_unavailable`) and nothing changed: the same snapshot, no audit event;
 * - a failure at or after a write, before its audit event: the action rejects, no
 *   audit event claims it, and what was written is a prefix of the action (for
 *   `reset`: some of factors / recovery code / SMS challenge / pause / throttle /
 *   devices removed). Every step is idempotent, so repeating the action once the
 *   store is back completes it with exactly one audit event, and the end state is
 *   the same as a clean run;
 * - a failure after the audit event (only the notification lookups): the action
 *   succeeds (regression: it used to reject after the change was stored and audited).
 *
 * Known gap (asserted, not fixed): `revokeDevices` whose audit append fails has removed the
 * devices (the safe direction) without an event, and a retry finds nothing to revoke and records
 * nothing, since `revokeAll` audits only actual removals.
 */
import { createMemoryStores, isTwostepError, type StaffMember } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { type CoreFixture, coreFixture, enrollTotp, faultyStores, snapshot } from './fixtures.ts';

type ActionName = 'pause' | 'resume' | 'reset' | 'unlock' | 'revokeDevices' | 'enforceOn' | 'enforceOff';

/** A fixture where alice has an app, a recovery code, a trusted device, a throttle (3 failures). */
async function prepared() {
  const faults = faultyStores(createMemoryStores());
  const f = await coreFixture(faults.stores, 'x');
  await enrollTotp(f, f.owner);
  await enrollTotp(f, f.alice);
  await f.twostep.devices.trust(f.actor(f.alice), f.alice, 'Mozilla/5.0 Firefox/120.0');
  for (let i = 0; i < 3; i++)
    await f.twostep.secondFactor.verify(f.actor(f.alice), f.alice, 'totp', '000000');
  return { f, faults };
}

function run(f: CoreFixture, action: ActionName, target: StaffMember) {
  const a = f.twostep.admin;
  const actor = f.actor(f.owner);
  switch (action) {
    case 'pause':
      return a.pause(actor, target.id, { reason: 'lost phone', hours: 2 });
    case 'resume':
      return a.resume(actor, target.id);
    case 'reset':
      return a.reset(actor, target.id, { reason: 'new phone' });
    case 'unlock':
      return a.unlock(actor, target.id);
    case 'revokeDevices':
      return a.revokeDevices(actor, target.id);
    case 'enforceOn':
      return a.setEnforcement(actor, true);
    case 'enforceOff':
      return a.setEnforcement(actor, false, { reason: 'audit season' });
  }
}

/** State the action may touch, without volatile fields (ids, times of events). */
async function state(f: CoreFixture) {
  const s = await snapshot(f, f.alice);
  const clinic = await f.stores.clinics.get(f.clinic.id);
  return {
    factors: s.factors.map((x) => `${x.kind}:${x.status}`).sort(),
    recovery: s.recovery !== null,
    throttle: s.throttle.failures,
    pause: s.pause?.reason ?? null,
    devices: s.devices.length,
    enforce: clinic?.enforceTwoStep,
  };
}

const auditTypes = async (f: CoreFixture) =>
  (await f.stores.audit.list(f.clinic.id, { order: 'asc' })).map((e) => e.type);

const ACTIONS: ActionName[] = [
  'pause',
  'resume',
  'reset',
  'unlock',
  'revokeDevices',
  'enforceOn',
  'enforceOff',
];

describe('admin actions with a failing store', () => {
  for (const action of ACTIONS) {
    it(`${action}: at each store call → rejects and stays consistent; a retry completes it; regression: a notification lookup failing after the audit event is not a failure`, async () => {
      // The clean run: its calls, its end state, its audit events.
      const clean = await prepared();
      if (action === 'resume') await run(clean.f, 'pause', clean.f.alice);
      const cleanBefore = (await auditTypes(clean.f)).length;
      clean.faults.calls.length = 0;
      expect(await run(clean.f, action, clean.f.alice)).toMatchObject({ ok: true });
      const steps = [...clean.faults.calls];
      const cleanEnd = await state(clean.f);
      const cleanEvents = (await auditTypes(clean.f)).slice(cleanBefore);
      // The action's own event is its last append (reset's revokeAll appends device.revoked first).
      const auditAt = steps.lastIndexOf('audit.append');
      expect(auditAt, `${action} is audited`).toBeGreaterThan(0);
      expect(steps.length).toBeLessThan(60);

      for (let k = 0; k < steps.length; k++) {
        const label = `${action}, call ${k} (${steps[k]}) fails`;
        const { f, faults } = await prepared();
        if (action === 'resume') await run(f, 'pause', f.alice);
        const before = await state(f);
        const eventsBefore = (await auditTypes(f)).length;
        let n = 0;
        faults.set(() => (n++ === k ? 'throw' : null));
        const outcome = await run(f, action, f.alice).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        faults.set(null);
        const events = (await auditTypes(f)).slice(eventsBefore);
        if (k > auditAt && steps.slice(auditAt + 1, k + 1).every((s) => !s.startsWith('audit.'))) {
          // After the audit event: only notification lookups are left; the action stands.
          expect(outcome, label).toMatchObject({ value: { ok: true } });
          expect(await state(f), label).toEqual(cleanEnd);
          expect(events, label).toEqual(cleanEvents);
          continue;
        }
        expect('error' in outcome && isTwostepError(outcome.error), label).toBe(true);
        expect((outcome as { error: { code: string } }).error.code, label).toBe('store_unavailable');
        // No audit event claims an action that reported failure (a device.revoked written by
        // reset's revokeAll before its own event failed is a true record of what happened).
        const main = cleanEvents.at(-1)!;
        expect(
          events.filter((e) => e === main),
          label,
        ).toEqual([]);
        if (k <= firstWrite(steps)) expect(await state(f), label).toEqual(before);
        // The store is back: the action, repeated once, completes, and ends where a clean run ends.
        const retry = await run(f, action, f.alice);
        if (action === 'resume' && !retry.ok) {
          // The pause was already cleared before the failure: "not paused" is the true answer.
          expect(retry, label).toMatchObject({ ok: false, reason: 'not_paused' });
        } else {
          expect(retry, label).toMatchObject({ ok: true });
          const after = (await auditTypes(f)).slice(eventsBefore);
          // Known gap for revokeDevices (see the top): removed, then the audit failed; the retry
          // finds nothing to revoke and records nothing.
          const gap = action === 'revokeDevices' && k > steps.indexOf('trustedDevices.removeAll');
          expect(
            after.filter((e) => e === main),
            label,
          ).toEqual(gap ? [] : [main]);
        }
        expect(await state(f), label).toEqual(cleanEnd);
      }
    });
  }
});

/** Index of the action's first write call (everything before it only reads). */
function firstWrite(steps: string[]): number {
  const reads = /\.(get|list|last|current|findByEmail|exists)$/;
  const i = steps.findIndex((s) => !reads.test(s));
  return i < 0 ? steps.length : i;
}
