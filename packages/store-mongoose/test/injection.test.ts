/**
 * Operator injection: a request value such as `{"$gt": ""}` where a string is
 * expected must never match anything. Run twice: on a `connectMongo`
 * connection (sanitizeFilter on) and on a bare mongoose connection without it,
 * to show that the stores' own type checks are enough.
 */
import type { Stores } from '@twostep/core';
import mongoose, { type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMongo, createMongooseStores, createOidcAdapter, syncIndexes } from '../src/index.ts';
import {
  dropTestDatabase,
  getMongoUri,
  mongoAvailable,
  testDatabaseName,
} from '../../../test/helpers/mongo.ts';
import { at, injected, makeClinic, makeRecovery, makeStaff, makeTotp, uid } from './fixtures.ts';

const variants: Array<[string, () => Promise<Connection>]> = [
  [
    'connectMongo (sanitizeFilter on)',
    () => connectMongo(getMongoUri(), { dbName: testDatabaseName('inject') }),
  ],
  [
    'a bare mongoose connection (no sanitizeFilter)',
    () =>
      mongoose
        .createConnection(getMongoUri(), {
          dbName: testDatabaseName('inject_bare'),
          serverSelectionTimeoutMS: 5000,
        })
        .asPromise(),
  ],
];

describe.skipIf(!mongoAvailable())('operator injection', () => {
  describe.each(variants)('on %s', (_label, open) => {
    let connection: Connection;
    let stores: Stores;

    beforeAll(async () => {
      connection = await open();
      await syncIndexes(connection);
      stores = createMongooseStores(connection);
    });
    afterAll(() => dropTestDatabase(connection));

    async function seeded() {
      const clinic = makeClinic();
      await stores.clinics.create(clinic);
      const member = makeStaff(clinic.id);
      await stores.staff.create(member);
      const factor = makeTotp(member);
      await stores.factors.savePending(factor);
      await stores.factors.activate(member.id, 'totp', factor.id, at(0), 100);
      const recovery = makeRecovery(member);
      await stores.recoveryCodes.set(recovery);
      await stores.trustedDevices.add({
        id: uid('device'),
        staffId: member.id,
        clinicId: clinic.id,
        tokenHash: 'h',
        label: 'Firefox on Linux',
        createdAt: at(0),
        lastUsedAt: at(0),
        expiresAt: at(3600),
      });
      const challengeId = uid('sms_challenge');
      await stores.smsChallenges.put({
        id: challengeId,
        staffId: member.id,
        clinicId: clinic.id,
        purpose: 'sign_in',
        phone: '+15551234567',
        codeHash: 'code-hash',
        sentAt: at(0),
        expiresAt: at(600),
        failures: 0,
        consumedAt: null,
      });
      await stores.pauses.set({
        staffId: member.id,
        clinicId: clinic.id,
        until: at(86_400),
        reason: 'Lost phone',
        pausedBy: uid('admin'),
        createdAt: at(0),
      });
      return { clinic, member, factor, recovery, challengeId };
    }

    it('an injected email, staff id or clinic id finds nothing and changes nothing', async () => {
      const { member } = await seeded();
      expect(await stores.staff.findByEmail(injected())).toBeNull();
      expect(await stores.staff.get(injected())).toBeNull();
      expect(await stores.clinics.get(injected())).toBeNull();
      expect(await stores.staff.update(injected(), { role: 'full_access' })).toBe(false);
      expect(await stores.clinics.update(injected(), { enforceTwoStep: false })).toBe(false);
      expect(await stores.staff.list(injected())).toEqual({ items: [], total: 0 });
      expect(await stores.pauses.get(injected())).toBeNull();
      expect(await stores.pauses.clear(injected())).toBe(false);
      expect(await stores.staff.get(member.id)).toEqual(member);
      expect(await stores.pauses.get(member.id)).not.toBeNull();
    });

    it('an injected token, code hash or id consumes nothing', async () => {
      const { member, factor, recovery, challengeId } = await seeded();
      expect(await stores.trustedDevices.get(injected())).toBeNull();
      expect(await stores.trustedDevices.remove(member.id, injected())).toBe(false);
      expect(await stores.trustedDevices.removeAll(injected())).toBe(0);
      expect(await stores.recoveryCodes.get(injected())).toBeNull();
      expect(await stores.recoveryCodes.replace(member.id, injected(), { ...makeRecovery(member) })).toBe(
        false,
      );
      expect(await stores.recoveryCodes.get(member.id)).toEqual(recovery);
      expect(await stores.smsChallenges.consume(challengeId, injected(), at(1))).toBe(false);
      expect(await stores.smsChallenges.consume(injected(), 'code-hash', at(1))).toBe(false);
      expect(await stores.smsChallenges.takeTry(injected(), 'sign_in', at(1), 5)).toBeNull();
      expect(await stores.smsChallenges.takeTry(member.id, injected() as 'sign_in', at(1), 5)).toBeNull();
      expect(await stores.factors.acceptTotpStep(member.id, injected(), 101)).toBe(false);
      expect(await stores.factors.acceptTotpStep(injected(), factor.id, 101)).toBe(false);
      expect(await stores.factors.acceptTotpStep(member.id, factor.id, { $gt: 0 } as unknown as number)).toBe(
        false,
      );
      expect(await stores.factors.activate(member.id, 'totp', injected(), at(1), 1)).toBe(false);
      expect(await stores.factors.list(injected())).toEqual([]);
      expect(await stores.throttles.get(injected())).toEqual({ failures: 0, lastFailureAt: null });
      expect(await stores.audit.head(injected())).toBeNull();
      expect(await stores.audit.list(injected())).toEqual([]);
      // Nothing was consumed: the real values still work.
      expect(await stores.factors.acceptTotpStep(member.id, factor.id, 101)).toBe(true);
      expect(await stores.smsChallenges.consume(challengeId, 'code-hash', at(1))).toBe(true);
    });

    it('an injected search is a literal string, never a pattern or an operator', async () => {
      const { clinic } = await seeded();
      expect(await stores.staff.list(clinic.id, { search: '.*' })).toEqual({ items: [], total: 0 });
      expect(await stores.staff.list(clinic.id, { search: injected() })).toMatchObject({ total: 1 });
    });

    it('an injected oidc id, uid or user code finds nothing', async () => {
      const Adapter = createOidcAdapter(connection);
      const sessions = new Adapter('Session');
      await sessions.upsert(uid('sess'), { uid: uid('uid'), accountId: 'a' }, 3600);
      expect(await sessions.find(injected())).toBeUndefined();
      expect(await sessions.findByUid(injected())).toBeUndefined();
      expect(await new Adapter('DeviceCode').findByUserCode(injected())).toBeUndefined();
      await sessions.destroy(injected());
      await sessions.revokeByGrantId(injected());
      expect(await connection.collection('oidc_session').countDocuments()).toBeGreaterThan(0);
    });
  });
});
