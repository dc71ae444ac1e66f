/**
 * Sign-in with a passkey alone (no password) over HTTP, with the software authenticator answering
 * the options the password page carries: the ID token's claims, every refusal looking the same,
 * the per-IP limit shared with passwords, and one assertion posted 50 times at once → exactly one
 * sign-in — on the memory store and (with MONGODB_URI) on FerretDB.
 */
import { ACR, relyingPartyFromIssuer } from '@twostep/core';
import type { Connection } from 'mongoose';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  connectMongo,
  createMongooseStores,
  createOidcAdapter,
  syncIndexes,
} from '../../packages/store-mongoose/src/index.ts';
import { alertText, Browser, type Page, shownPasswordRefusal } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp, type TestIdpOptions } from '../helpers/idp.ts';
import { dropTestDatabase, getMongoUri, mongoAvailable, testDatabaseName } from '../helpers/mongo.ts';
import { begin, redeem, relyingParty } from '../helpers/oidc-client.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';
import { auditOf, NO_RATE_LIMITS, parallel } from '../reliability/fixtures.ts';

const BURST = 50;
const REFUSED = 'That passkey did not sign you in. Try again, or sign in with your email and password.';

/** The passkey part of a password page: the options it asks the browser with, and the sealed challenge. */
function offer(page: Page): { options: { challenge: string; [key: string]: unknown }; sealed: string } {
  const json =
    /<script type="application\/json" id="passkey-sign-in-options" nonce="[^"]+">([^<]*)<\/script>/.exec(
      page.body,
    )?.[1];
  const sealed = /<input type="hidden" name="challenge" value="([^"]+)">/.exec(page.body)?.[1];
  if (!json || !sealed) throw new Error(`no passkey sign-in on this page:\n${page.body.slice(0, 1500)}`);
  return { options: JSON.parse(json), sealed };
}

/** Posts the authenticator's answer to the options of `page` (as the page's script does). */
function answer(browser: Browser, page: Page, sign: (challenge: string) => unknown): Promise<Page> {
  const { options, sealed } = offer(page);
  return browser.submit(page, '/passkey', {
    challenge: sealed,
    response: JSON.stringify(sign(options.challenge)),
  });
}

function suite(name: string, start: (options?: TestIdpOptions) => Promise<TestIdp>) {
  describe(`${name}: sign-in with a passkey alone`, () => {
    const idps: TestIdp[] = [];
    afterAll(() => Promise.all(idps.map((i) => i.close())));

    /** An IdP where the owner (and, when asked, the front desk) registered a passkey. */
    async function setup(options: TestIdpOptions = {}, synced = true) {
      const idp = await start(options);
      idps.push(idp);
      const rp = relyingPartyFromIssuer(idp.issuer, 'Maple Street Physio');
      const origin = new URL(idp.issuer).origin;
      const register = async (staffId: string) => {
        const key = new SoftAuthenticator({ rpId: rp.id, origin, synced });
        const staff = (await idp.stores.staff.get(staffId))!;
        const { options: create, challenge } = await idp.idp.twostep.passkeys.registrationOptions(staff, rp);
        const registered = await idp.idp.twostep.passkeys.register({ actorId: staff.id }, staff, {
          response: key.register(create.challenge, { userId: create.user.id }),
          challenge,
          rp,
          name: 'Front desk PC',
        });
        expect(registered.ok).toBe(true);
        return key;
      };
      return { idp, oidc: await relyingParty(idp), key: await register(idp.staff.owner.id), register };
    }

    it('the password page offers it with options that name no one, under the CSP nonce', async () => {
      const { idp, oidc } = await setup();
      const pages = await Promise.all(
        (
          [{}, { login_hint: idp.staff.owner.email }, { login_hint: 'nobody@maple.example' }] as Record<
            string,
            string
          >[]
        ).map(async (params) => (await begin(new Browser(), oidc, params)).page),
      );
      const [plain] = pages;
      expect(plain!.body).toContain('autocomplete="username webauthn"');
      expect(plain!.body).toMatch(/<form method="post" action="[^"]+\/passkey" id="passkey-sign-in" hidden /);
      expect(plain!.body).toContain('>Sign in with a passkey</button>');
      const nonce = /'nonce-([^']+)'/.exec(plain!.headers.get('content-security-policy') ?? '')?.[1];
      expect(nonce).toBeTruthy();
      expect(plain!.body).toContain(`<script nonce="${nonce}" src="/webauthn.js"></script>`);
      expect(plain!.body).toContain('useBrowserAutofill:true');
      // The same options whoever is named (only the challenge differs), and no credential listed.
      const shapes = pages.map((p) => ({ ...offer(p).options, challenge: undefined }));
      expect(shapes[1]).toEqual(shapes[0]);
      expect(shapes[2]).toEqual(shapes[0]);
      expect(shapes[0]).toMatchObject({ rpId: '127.0.0.1', userVerification: 'required' });
      expect(shapes[0]).not.toHaveProperty('allowCredentials');
      expect(new Set(pages.map((p) => offer(p).options.challenge)).size).toBe(3);
    });

    it('signs in with no password: acr phr, amr without pwd, auth_time now; audited', async () => {
      for (const synced of [true, false]) {
        const { idp, oidc, key } = await setup({}, synced);
        const browser = new Browser();
        const { request, page } = await begin(browser, oidc);
        const before = Math.floor(Date.now() / 1000);
        const done = await answer(browser, page, (c) => key.assert(c));
        const claims = (await redeem(oidc, request, done)).claims()!;
        expect(claims.sub).toBe(idp.staff.owner.id);
        expect(claims.acr).toBe(ACR.phishingResistant);
        expect(claims.amr).toEqual([synced ? 'swk' : 'hwk', 'user', 'mfa']);
        expect(claims.auth_time).toBeGreaterThanOrEqual(before);
        const events = await auditOf(idp.stores, idp.clinic.id);
        expect(events.filter((e) => e.type === 'sign_in.succeeded').map((e) => e.details.method)).toEqual([
          synced ? 'passwordless_synced_passkey' : 'passwordless_passkey',
        ]);
      }
    });

    it('the new-browser alert applies as to any sign-in; no remembered device is set', async () => {
      const { idp, oidc, key } = await setup();
      const alerts = () => idp.notifier.sent.filter((n) => n.kind === 'new_device_sign_in');
      const signIn = async (browser: Browser) => {
        const { page } = await begin(browser, oidc, { prompt: 'login' });
        const done = await answer(browser, page, (c) => key.assert(c));
        expect(done.leftTo?.searchParams.has('code')).toBe(true);
      };
      // The account's first sign-in: nothing to compare with. The same browser again: no alert.
      const laptop = new Browser();
      await signIn(laptop);
      await signIn(laptop);
      const phone = new Browser();
      await signIn(phone);
      await vi.waitFor(() => expect(alerts()).toHaveLength(1), { timeout: 10_000 });
      expect(alerts()[0]!.to.email).toBe(idp.staff.owner.email);
      expect(laptop.cookie('twostep_seen')?.httpOnly).toBe(true);
      expect(laptop.cookie('twostep_device')).toBeUndefined();
      expect(await idp.stores.trustedDevices.list(idp.staff.owner.id, new Date())).toEqual([]);
    });

    it('refuses an unknown passkey, a wrong user handle, another RP ID or origin, a replay or a challenge from another page — all alike', async () => {
      const { idp, oidc, key } = await setup();
      const browser = new Browser();
      const { page } = await begin(browser, oidc);
      const stranger = new SoftAuthenticator({ rpId: '127.0.0.1', origin: new URL(idp.issuer).origin });
      stranger.userHandle = key.userHandle;
      const frontDeskHandle = Buffer.from(idp.staff.frontDesk.id).toString('base64url');
      const attempts: ((c: string) => unknown)[] = [
        (c) => stranger.assert(c),
        (c) => key.assert(c, { userHandle: frontDeskHandle }),
        (c) => key.assert(c, { rpId: 'localhost' }),
        (c) => key.assert(c, { origin: 'http://127.0.0.1:9' }),
        () => ({ id: key.id }),
      ];
      let current = page;
      for (const attempt of attempts) {
        current = await answer(browser, current, attempt);
        expect(current.status).toBe(401);
        expect(alertText(current)).toBe(REFUSED);
      }
      // A challenge is used once, even by a refused answer: the right answer to it is refused too.
      const { options, sealed } = offer(current);
      const bad = key.assert(options.challenge, { rpId: 'localhost' });
      const afterBad = await browser.submit(current, '/passkey', {
        challenge: sealed,
        response: JSON.stringify(bad),
      });
      const late = await browser.submit(current, '/passkey', {
        challenge: sealed,
        response: JSON.stringify(key.assert(options.challenge)),
      });
      for (const p of [afterBad, late]) {
        expect(p.status).toBe(401);
        expect(alertText(p)).toBe(REFUSED);
      }
      // The sealed challenge of one interaction does not open in another.
      const other = new Browser();
      const { page: otherPage } = await begin(other, oidc);
      const fresh = offer(late);
      const moved = await other.submit(otherPage, '/passkey', {
        challenge: fresh.sealed,
        response: JSON.stringify(key.assert(fresh.options.challenge)),
      });
      expect(moved.status).toBe(401);
      expect(alertText(moved)).toBe(REFUSED);
      // A good answer signs in once; posted again after that, nothing more.
      const good = { challenge: fresh.sealed, response: JSON.stringify(key.assert(fresh.options.challenge)) };
      expect((await browser.submit(late, '/passkey', good)).leftTo?.searchParams.has('code')).toBe(true);
      const again = await browser.submit(late, '/passkey', good);
      expect(again.status).toBeGreaterThanOrEqual(400);
      expect(again.leftTo).toBeUndefined();
      const succeeded = (await auditOf(idp.stores, idp.clinic.id)).filter(
        (e) => e.type === 'sign_in.succeeded',
      );
      expect(succeeded).toHaveLength(1);
    });

    it('refuses a disabled person alike; a hard lock shows the locked page; a paused person signs in at phr', async () => {
      const { idp, oidc, key, register } = await setup();
      await idp.stores.staff.update(idp.staff.owner.id, { active: false });
      const browser = new Browser();
      const { page } = await begin(browser, oidc);
      const refused = await answer(browser, page, (c) => key.assert(c));
      expect(refused.status).toBe(401);
      expect(alertText(refused)).toBe(REFUSED);
      await idp.stores.staff.update(idp.staff.owner.id, { active: true });

      const frontDeskKey = await register(idp.staff.frontDesk.id);
      const paused = await idp.idp.twostep.admin.pause(
        { actorId: idp.staff.owner.id },
        idp.staff.frontDesk.id,
        {
          reason: 'phone left at home',
        },
      );
      expect(paused.ok).toBe(true);
      const desk = new Browser();
      const started = await begin(desk, oidc);
      const done = await answer(desk, started.page, (c) => frontDeskKey.assert(c));
      expect((await redeem(oidc, started.request, done)).claims()).toMatchObject({
        sub: idp.staff.frontDesk.id,
        acr: ACR.phishingResistant,
      });

      const open = { freeFailures: 100, baseDelaySeconds: 1, maxDelaySeconds: 1, hardLockAfter: 100 };
      for (let i = 0; i < 100; i++) {
        await idp.stores.throttles.take(`second-factor:${idp.staff.owner.id}`, idp.clock.now(), open);
      }
      const locked = await answer(browser, refused, (c) => key.assert(c));
      expect(locked.status).toBe(403);
      expect(locked.body).toContain('Ask a Full Access User');
    });

    it('counts every attempt against the per-IP sign-in limit, shared with passwords', async () => {
      const { idp, oidc, key } = await setup({ rateLimits: { passwordPerIp: 3 } });
      const browser = new Browser();
      const { page } = await begin(browser, oidc);
      const wrong = await browser.submit(page, '/password', {
        email: idp.staff.owner.email,
        password: 'nope',
      });
      const second = await answer(browser, wrong, () => ({ id: 'unknown' }));
      const third = await answer(browser, second, () => ({ id: 'unknown' }));
      expect(shownPasswordRefusal(wrong)).toBe('The email or password is incorrect.');
      expect([second.status, third.status]).toEqual([401, 401]);
      const over = await answer(browser, third, (c) => key.assert(c));
      expect(over.status).toBe(429);
      expect(alertText(over)).toBe('Too many attempts. Wait a few minutes and try again.');
      expect(over.leftTo).toBeUndefined();
    });

    it(`one assertion posted ${BURST} times at once → exactly one sign-in`, { timeout: 60_000 }, async () => {
      const { idp, oidc, key } = await setup({ rateLimits: NO_RATE_LIMITS });
      const browser = new Browser();
      const { page } = await begin(browser, oidc);
      const { options, sealed } = offer(page);
      const fields = { challenge: sealed, response: JSON.stringify(key.assert(options.challenge)) };
      const pages = await parallel(BURST, () => browser.submit(page, '/passkey', fields));
      const won = pages.filter((p) => p.leftTo?.searchParams.has('code'));
      expect(won).toHaveLength(1);
      const lost = pages.filter((p) => !p.leftTo);
      // Refused by the challenge's single use, or (arriving after the winner finished) by the
      // interaction being over.
      for (const p of lost) {
        expect([
          [401, REFUSED],
          [400, 'This sign-in has expired.'],
        ]).toContainEqual([p.status, alertText(p)]);
      }
      const events = await auditOf(idp.stores, idp.clinic.id);
      expect(events.filter((e) => e.type === 'sign_in.succeeded')).toHaveLength(1);
      expect((await idp.stores.factors.findPasskey(key.id))?.counter).toBe(1);
    });
  });
}

suite('memory', (options) => startTestIdp(options));

describe.skipIf(!mongoAvailable())('mongoose', () => {
  // The test IdP seeds the same people each time: one database per IdP.
  const connections: Connection[] = [];
  afterAll(() => Promise.all(connections.map((c) => dropTestDatabase(c))));
  suite('mongoose', async (options) => {
    const connection = await connectMongo(getMongoUri(), { dbName: testDatabaseName('passkey_sign_in') });
    connections.push(connection);
    await syncIndexes(connection, { ttlIndexes: false });
    return startTestIdp({
      ...options,
      stores: createMongooseStores(connection),
      adapter: createOidcAdapter(connection),
    });
  });
});
