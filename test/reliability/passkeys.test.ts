/**
 * Passkey ceremonies through core with a software authenticator (real P-256 signatures checked by
 * @simplewebauthn/server), on the memory store and (with MONGODB_URI) on FerretDB: registration,
 * authentication, wrong RP ID / origin, a cloned authenticator, and the challenge's single use
 * under a burst of 50 verifications of one assertion.
 */
import { type Stores, relyingPartyFromIssuer } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';
import { auditOf, type CoreFixture, coreFixture, onMemoryAndMongo, parallel } from './fixtures.ts';

const BURST = 50;
const rp = relyingPartyFromIssuer('https://id.maple.example/oidc', 'Maple Street Physio');
const authenticator = (counts = true) =>
  new SoftAuthenticator({ rpId: 'id.maple.example', origin: 'https://id.maple.example', counts });

async function register(f: CoreFixture, key: SoftAuthenticator, name = 'Front desk PC') {
  const { options, challenge } = await f.twostep.passkeys.registrationOptions(f.alice, rp);
  return f.twostep.passkeys.register(f.actor(f.alice), f.alice, {
    response: key.register(options.challenge),
    challenge,
    rp,
    name,
  });
}

function suite(name: string, makeStores: () => Promise<Stores>) {
  const fixture = async () => coreFixture(await makeStores());

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
      const f = await fixture();
      const key = authenticator();
      await register(f, key);
      const { options, challenge } = await f.twostep.passkeys.authenticationOptions(f.alice, rp);
      const response = key.assert(options.challenge);
      const results = await parallel(BURST, () =>
        f.twostep.passkeys.authenticate(f.actor(f.alice), f.alice, { response, challenge, rp }),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.reason === 'replayed')).toHaveLength(BURST - 1);
      expect((await f.stores.factors.findPasskey(key.id))?.counter).toBe(1);
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
  });
}

onMemoryAndMongo('passkeys', suite);
