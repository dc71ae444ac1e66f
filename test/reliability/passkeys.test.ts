/**
 * Passkey ceremonies through core with a software authenticator (real P-256 signatures checked by
 * @simplewebauthn/server), on the memory store and (with MONGODB_URI) on FerretDB: registration,
 * authentication, wrong RP ID / origin, a cloned authenticator, and the challenge's single use
 * under a burst of 50 verifications of one assertion; the same for a sign-in with a passkey alone
 * (discoverable credential, found by its id, its user handle checked).
 */
import { type PasskeyAssertion, type StaffMember, type Stores, relyingPartyFromIssuer } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';
import { auditOf, type CoreFixture, coreFixture, onMemoryAndMongo, parallel } from './fixtures.ts';

const BURST = 50;
const rp = relyingPartyFromIssuer('https://id.maple.example/oidc', 'Maple Street Physio');
const authenticator = (counts = true) =>
  new SoftAuthenticator({ rpId: 'id.maple.example', origin: 'https://id.maple.example', counts });

async function register(
  f: CoreFixture,
  key: SoftAuthenticator,
  name = 'Front desk PC',
  staff: StaffMember = f.alice,
) {
  const { options, challenge } = await f.twostep.passkeys.registrationOptions(staff, rp);
  return f.twostep.passkeys.register(f.actor(staff), staff, {
    // The authenticator keeps user.id (the staff id) and hands it back as the user handle.
    response: key.register(options.challenge, { userId: options.user.id }),
    challenge,
    rp,
    name,
  });
}

/** A passkey sign-in without a password: options for no one, the key's answer, the result. */
async function signInWith(f: CoreFixture, answer: (challenge: string) => unknown, rpOfServer = rp) {
  const { options, challenge } = await f.twostep.passkeys.signInOptions(rpOfServer);
  return f.twostep.passkeys.signIn(f.actor(null), {
    response: answer(options.challenge),
    challenge,
    rp: rpOfServer,
  });
}

function suite(name: string, makeStores: () => Promise<Stores>) {
  const fixture = async () => coreFixture(await makeStores());

  /** Alice's passkey answers one challenge; `use` verifies that one answer BURST times at once. */
  async function burstOfOneAssertion<R>(use: (f: CoreFixture, input: PasskeyAssertion) => Promise<R>) {
    const f = await fixture();
    const key = authenticator();
    await register(f, key);
    const { options, challenge } = await f.twostep.passkeys.authenticationOptions(f.alice, rp);
    const input = { response: key.assert(options.challenge), challenge, rp };
    return { f, key, results: await parallel(BURST, () => use(f, input)) };
  }

  describe(`${name}: passkeys`, () => {
    it('derives the RP ID and origin from the issuer', () => {
      expect(rp).toEqual({
        id: 'id.maple.example',
        name: 'Maple Street Physio',
        origins: ['https://id.maple.example'],
      });
    });

    it('registers two passkeys (resident key preferred, user verification required) and signs in with each', async () => {
      const f = await fixture();
      const { options } = await f.twostep.passkeys.registrationOptions(f.alice, rp);
      expect(options.rp).toEqual({ id: 'id.maple.example', name: 'Maple Street Physio' });
      expect(options.authenticatorSelection).toMatchObject({
        residentKey: 'preferred',
        userVerification: 'required',
      });

      const desk = authenticator();
      const phone = authenticator(false);
      const first = await register(f, desk);
      expect(first).toMatchObject({
        ok: true,
        passkey: { name: 'Front desk PC', backupEligible: true, backupState: true },
      });
      expect(await register(f, phone, 'My phone')).toMatchObject({ ok: true, recoveryCode: null });
      // The second registration excludes the first credential.
      const again = await f.twostep.passkeys.registrationOptions(f.alice, rp);
      expect(again.options.excludeCredentials?.map((c) => c.id).sort()).toEqual([desk.id, phone.id].sort());

      for (const key of [desk, phone]) {
        const { options: get, challenge } = await f.twostep.passkeys.authenticationOptions(f.alice, rp);
        expect(get.userVerification).toBe('required');
        const result = await f.twostep.passkeys.authenticate(f.actor(f.alice), f.alice, {
          response: key.assert(get.challenge),
          challenge,
          rp,
        });
        expect(result).toMatchObject({ ok: true, passkey: { credentialId: key.id } });
      }
      const stored = await f.stores.factors.findPasskey(desk.id);
      expect(stored).toMatchObject({ counter: 1, lastUsedAt: f.clock.now() });
      expect((await f.stores.factors.findPasskey(phone.id))?.counter).toBe(0);
    });

    it('refuses a registration or an assertion made for another RP ID or origin, and a reused challenge', async () => {
      const f = await fixture();
      const key = authenticator();
      for (const override of [
        { rpId: 'evil.example' },
        { origin: 'https://id.maple.example.evil.example' },
      ]) {
        const { options, challenge } = await f.twostep.passkeys.registrationOptions(f.alice, rp);
        const result = await f.twostep.passkeys.register(f.actor(f.alice), f.alice, {
          response: key.register(options.challenge, override),
          challenge,
          rp,
          name: 'Laptop',
        });
        expect(result).toEqual({ ok: false, reason: 'invalid' });
      }
      expect(await f.stores.factors.list(f.alice.id)).toEqual([]);
      expect(await register(f, key)).toMatchObject({ ok: true });

      for (const override of [{ rpId: 'evil.example' }, { origin: 'https://evil.example' }]) {
        const { options, challenge } = await f.twostep.passkeys.authenticationOptions(f.alice, rp);
        const response = key.assert(options.challenge, override);
        expect(
          await f.twostep.passkeys.authenticate(f.actor(f.alice), f.alice, { response, challenge, rp }),
        ).toEqual({
          ok: false,
          reason: 'invalid',
        });
      }
      const { options, challenge } = await f.twostep.passkeys.authenticationOptions(f.alice, rp);
      const response = key.assert(options.challenge);
      const use = () =>
        f.twostep.passkeys.authenticate(f.actor(f.alice), f.alice, { response, challenge, rp });
      expect(await use()).toMatchObject({ ok: true });
      expect(await use()).toEqual({ ok: false, reason: 'replayed' });
      // Someone else's passkey does not sign Bob in.
      const forBob = await f.twostep.passkeys.authenticationOptions(f.bob, rp);
      expect(
        await f.twostep.passkeys.authenticate(f.actor(f.bob), f.bob, {
          response: key.assert(forBob.options.challenge),
          challenge: forBob.challenge,
          rp,
        }),
      ).toEqual({ ok: false, reason: 'not_enrolled' });
    });

    it('a challenge older than the timeout is refused', async () => {
      const f = await fixture();
      const key = authenticator();
      await register(f, key);
      const { options, challenge } = await f.twostep.passkeys.authenticationOptions(f.alice, rp);
      f.clock.advance(301_000);
      const response = key.assert(options.challenge);
      expect(
        await f.twostep.passkeys.authenticate(f.actor(f.alice), f.alice, { response, challenge, rp }),
      ).toEqual({
        ok: false,
        reason: 'replayed',
      });
    });

    it('a cloned authenticator (its counter going backwards) is refused and audited', async () => {
      const f = await fixture();
      const key = authenticator();
      await register(f, key);
      const clone = key.clone();
      const sign = async (k: SoftAuthenticator) => {
        const { options, challenge } = await f.twostep.passkeys.authenticationOptions(f.alice, rp);
        return f.twostep.passkeys.authenticate(f.actor(f.alice), f.alice, {
          response: k.assert(options.challenge),
          challenge,
          rp,
        });
      };
      expect(await sign(key)).toMatchObject({ ok: true });
      expect(await sign(key)).toMatchObject({ ok: true });
      expect(await sign(clone)).toEqual({ ok: false, reason: 'cloned' });
      expect((await f.stores.factors.findPasskey(key.id))?.counter).toBe(2);
      const cloned = (await auditOf(f.stores, f.alice.clinicId)).filter((e) => e.type === 'passkey.cloned');
      expect(cloned.map((e) => e.details)).toEqual([
        { name: 'Front desk PC', storedCounter: 2, receivedCounter: 1 },
      ]);
    });

    it(`${BURST} concurrent authentications with one assertion → exactly one success`, async () => {
      const { f, key, results } = await burstOfOneAssertion((f, input) =>
        f.twostep.passkeys.authenticate(f.actor(f.alice), f.alice, input),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.reason === 'replayed')).toHaveLength(BURST - 1);
      expect((await f.stores.factors.findPasskey(key.id))?.counter).toBe(1);
    });

    it('the sign-in step: loa:phr with hwk or swk, audited as second_factor.succeeded with method passkey', async () => {
      const f = await fixture();
      const key = authenticator();
      await register(f, key);
      const { options, challenge } = await f.twostep.passkeys.authenticationOptions(f.alice, rp);
      const result = await f.twostep.passkeys.verifySignIn(f.actor(f.alice), f.alice, {
        response: key.assert(options.challenge),
        challenge,
        rp,
      });
      // The software authenticator sets the backup-eligible flag: a synced passkey, `swk`.
      expect(result).toMatchObject({
        ok: true,
        method: 'synced_passkey',
        acr: 'urn:twostep:loa:phr',
        amr: ['pwd', 'swk', 'user', 'mfa'],
      });
      const events = (await auditOf(f.stores, f.alice.clinicId)).filter((e) =>
        e.type.startsWith('second_factor.'),
      );
      expect(events.map((e) => [e.type, e.details])).toEqual([
        ['second_factor.succeeded', { method: 'passkey' }],
      ]);
    });

    it('30 concurrent wrong passkey answers: exactly the free failures are checked (the code throttle), the rest wait', async () => {
      const f = await fixture();
      const key = authenticator();
      await register(f, key);
      const attempts = await Promise.all(
        Array.from({ length: 30 }, async () => {
          const { options, challenge } = await f.twostep.passkeys.authenticationOptions(f.alice, rp);
          return {
            response: key.assert(options.challenge, { origin: 'https://id.maple.example.evil.example' }),
            challenge,
          };
        }),
      );
      const results = await Promise.all(
        attempts.map((a) => f.twostep.passkeys.verifySignIn(f.actor(f.alice), f.alice, { ...a, rp })),
      );
      const free = f.twostep.config.throttle.freeFailures;
      expect(results.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(free);
      expect(results.filter((r) => !r.ok && r.reason === 'throttled')).toHaveLength(30 - free);
      const failed = (await auditOf(f.stores, f.alice.clinicId)).filter(
        (e) => e.type === 'second_factor.failed',
      );
      expect(failed).toHaveLength(free);
      expect(failed.every((e) => e.details?.method === 'passkey')).toBe(true);
    });

    it(`${BURST} concurrent sign-ins with one assertion: one succeeds, the others count as no failure`, async () => {
      const { f, results } = await burstOfOneAssertion((f, input) =>
        f.twostep.passkeys.verifySignIn(f.actor(f.alice), f.alice, input),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      // The others lost the race for the challenge, or found every attempt slot held: no guess.
      expect(results.every((r) => r.ok || r.reason === 'replayed' || r.reason === 'throttled')).toBe(true);
      const audit = await auditOf(f.stores, f.alice.clinicId);
      expect(audit.filter((e) => e.type === 'second_factor.failed')).toHaveLength(0);
      expect((await f.stores.throttles.get(`second-factor:${f.alice.id}`)).failures).toBe(0);
    });

    it(`${BURST} concurrent registrations with one answer → exactly one passkey`, async () => {
      const f = await fixture();
      const key = authenticator();
      const { options, challenge } = await f.twostep.passkeys.registrationOptions(f.alice, rp);
      const response = key.register(options.challenge);
      const results = await parallel(BURST, () =>
        f.twostep.passkeys.register(f.actor(f.alice), f.alice, { response, challenge, rp, name: 'Laptop' }),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(await f.stores.factors.list(f.alice.id)).toHaveLength(1);
    });

    describe('sign-in with a passkey alone (no password)', () => {
      it('options name no one; the passkey and its user handle say who signs in', async () => {
        const f = await fixture();
        const aliceKey = authenticator();
        const bobKey = authenticator(false);
        await register(f, aliceKey);
        await register(f, bobKey, 'My phone', f.bob);
        const { options } = await f.twostep.passkeys.signInOptions(rp);
        expect(options).toMatchObject({ rpId: 'id.maple.example', userVerification: 'required' });
        expect(options.allowCredentials ?? []).toEqual([]);
        expect(await signInWith(f, (c) => aliceKey.assert(c))).toMatchObject({
          ok: true,
          staff: { id: f.alice.id },
          passkey: { credentialId: aliceKey.id, counter: 1 },
        });
        expect(await signInWith(f, (c) => bobKey.assert(c))).toMatchObject({
          ok: true,
          staff: { id: f.bob.id },
          passkey: { credentialId: bobKey.id, counter: 0 },
        });
        expect(await f.stores.factors.findPasskey(aliceKey.id)).toMatchObject({
          counter: 1,
          lastUsedAt: f.clock.now(),
        });
      });

      it('refuses an unknown credential, a bad signature, a wrong or missing user handle, another RP ID or origin, a replay — one answer for all but the replay', async () => {
        const f = await fixture();
        const key = authenticator();
        await register(f, key);
        const stranger = authenticator();
        stranger.userHandle = key.userHandle;
        const invalid = { ok: false, reason: 'invalid' };
        expect(await signInWith(f, (c) => stranger.assert(c))).toEqual(invalid);
        expect(
          await signInWith(f, (c) => {
            const answer = key.assert(c);
            const signature = Buffer.from(answer.response.signature, 'base64url');
            signature.writeUInt8(signature.readUInt8(signature.length - 1) ^ 1, signature.length - 1);
            return {
              ...answer,
              response: { ...answer.response, signature: signature.toString('base64url') },
            };
          }),
        ).toEqual(invalid);
        const bobHandle = Buffer.from(f.bob.id).toString('base64url');
        expect(await signInWith(f, (c) => key.assert(c, { userHandle: bobHandle }))).toEqual(invalid);
        expect(await signInWith(f, (c) => key.assert(c, { userHandle: null }))).toEqual(invalid);
        expect(await signInWith(f, (c) => key.assert(c, { rpId: 'evil.example' }))).toEqual(invalid);
        expect(await signInWith(f, (c) => key.assert(c, { origin: 'https://evil.example' }))).toEqual(
          invalid,
        );
        expect(await signInWith(f, () => 'not an answer')).toEqual(invalid);
        // The server of another RP (same key, registered here) refuses too.
        const otherRp = relyingPartyFromIssuer('https://id.birch.example', 'Birch');
        expect(await signInWith(f, (c) => key.assert(c), otherRp)).toEqual(invalid);

        const { options, challenge } = await f.twostep.passkeys.signInOptions(rp);
        const response = key.assert(options.challenge);
        const use = () => f.twostep.passkeys.signIn(f.actor(null), { response, challenge, rp });
        expect(await use()).toMatchObject({ ok: true });
        expect(await use()).toEqual({ ok: false, reason: 'replayed' });
        // Refusals of Alice's own passkey are audited; the stranger's credential names no one.
        const failed = (await auditOf(f.stores, f.alice.clinicId)).filter((e) => e.type === 'sign_in.failed');
        expect(failed.map((e) => [e.targetId, e.details])).toEqual([
          ...['invalid', 'user_handle', 'user_handle', 'invalid', 'invalid'].map((reason) => [
            f.alice.id,
            { method: 'passkey', reason },
          ]),
          [f.alice.id, { method: 'passkey', reason: 'invalid' }],
        ]);
      });

      it('refuses a disabled staff member, a clinic that is gone and a hard lock; a pause or a back-off does not stop it', async () => {
        const f = await fixture();
        const key = authenticator();
        await register(f, key);
        const pause = await f.twostep.admin.pause(f.actor(f.owner), f.alice.id, { reason: 'lost phone' });
        expect(pause).toMatchObject({ ok: true });
        expect(await signInWith(f, (c) => key.assert(c))).toMatchObject({ ok: true });

        // Wrong codes counted against Alice: 6 (backing off), then 100 (hard lock).
        const throttleKey = `second-factor:${f.alice.id}`;
        const fail = async (n: number) => {
          const open = { freeFailures: 100, baseDelaySeconds: 1, maxDelaySeconds: 1, hardLockAfter: 100 };
          for (let i = 0; i < n; i++) await f.stores.throttles.take(throttleKey, f.clock.now(), open);
        };
        await fail(6);
        expect(await signInWith(f, (c) => key.assert(c))).toMatchObject({ ok: true });
        await fail(94);
        expect(await signInWith(f, (c) => key.assert(c))).toEqual({ ok: false, reason: 'locked' });
        await f.stores.throttles.reset(throttleKey);

        await f.stores.staff.update(f.alice.id, { active: false });
        expect(await signInWith(f, (c) => key.assert(c))).toEqual({ ok: false, reason: 'inactive' });
        await f.stores.staff.update(f.alice.id, { active: true });
        expect(await signInWith(f, (c) => key.assert(c))).toMatchObject({ ok: true });

        const orphan = {
          ...f.alice,
          id: `${f.alice.id}-orphan`,
          email: `orphan-${f.alice.email}`,
          clinicId: `gone-${f.alice.clinicId}`,
        };
        await f.stores.staff.create(orphan);
        const orphanKey = authenticator();
        expect(await register(f, orphanKey, 'Laptop', orphan)).toMatchObject({ ok: true });
        expect(await signInWith(f, (c) => orphanKey.assert(c))).toEqual({ ok: false, reason: 'inactive' });

        const reasons = (await auditOf(f.stores, f.alice.clinicId))
          .filter((e) => e.type === 'sign_in.failed')
          .map((e) => e.details.reason);
        expect(reasons).toEqual(['locked', 'inactive']);
      });

      it('a cloned authenticator is refused and audited', async () => {
        const f = await fixture();
        const key = authenticator();
        await register(f, key);
        const clone = key.clone();
        expect(await signInWith(f, (c) => key.assert(c))).toMatchObject({ ok: true });
        expect(await signInWith(f, (c) => clone.assert(c))).toEqual({ ok: false, reason: 'cloned' });
        const types = (await auditOf(f.stores, f.alice.clinicId)).map((e) => e.type);
        expect(types).toContain('passkey.cloned');
      });

      it(`${BURST} concurrent sign-ins with one assertion → exactly one signed in`, async () => {
        const f = await fixture();
        const key = authenticator();
        await register(f, key);
        const { options, challenge } = await f.twostep.passkeys.signInOptions(rp);
        const response = key.assert(options.challenge);
        const results = await parallel(BURST, () =>
          f.twostep.passkeys.signIn(f.actor(null), { response, challenge, rp }),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok && r.reason === 'replayed')).toHaveLength(BURST - 1);
        expect((await f.stores.factors.findPasskey(key.id))?.counter).toBe(1);
      });
    });
  });
}

onMemoryAndMongo('passkeys', suite);
