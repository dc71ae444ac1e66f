/**
 * The IdP's own limits under a burst over real HTTP, on the memory store and
 * (with MONGODB_URI) on the mongoose store: 40 requests fired at once, asserting
 * exactly the limit got through — password attempts per IP and per account,
 * code requests per IP and per account (rate-limit counters in the shared
 * store), and the welcome link's single use. Core's own limits (back-off, hard
 * lock, SMS tries, cooldown, quotas) are in limits-burst.test.ts, and all of them
 * through two IdP processes on one database in test/e2e-mongo/limits-two-processes.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { type Stores, verifyPassword } from '@twostep/core';
import {
  adminAudience,
  createWelcomeToken,
  type RateLimits,
  unusablePasswordHash,
  welcomeUrl,
} from '@twostep/oidc-server';
import type { Connection } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import {
  connectMongo,
  createMongooseStores,
  createOidcAdapter,
  syncIndexes,
} from '../../packages/store-mongoose/src/index.ts';
import { Browser, outcomeCounts, type Page, postAtOnce, statusCounts } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp, type TestIdpOptions } from '../helpers/idp.ts';
import { dropTestDatabase, getMongoUri, mongoAvailable, testDatabaseName } from '../helpers/mongo.ts';
import { begin, relyingParty } from '../helpers/oidc-client.ts';
import { adminToken, api, registerProvisioningClient } from '../e2e-provisioning/support.ts';
import { NO_RATE_LIMITS, parallel, postNewPasswordsAtOnce } from './fixtures.ts';

const BURST = 40;

/** Posts the form of `page` ending in `suffix` `BURST` times at once (same cookies and CSRF token). */
const burst = (browser: Browser, page: Page, suffix: string, fields: (i: number) => Record<string, string>) =>
  postAtOnce(browser, page, suffix, BURST, fields);

function suite(name: string, backing: () => Promise<Pick<TestIdpOptions, 'stores' | 'adapter'>>) {
  describe(`${name}: ${BURST} requests at once against each IdP limit`, () => {
    const idps: TestIdp[] = [];
    afterAll(() => Promise.all(idps.map((i) => i.close())));
    async function idpWith(rateLimits: Partial<RateLimits>, extra: TestIdpOptions = {}) {
      const idp = await startTestIdp({ ...(await backing()), rateLimits, ...extra });
      idps.push(idp);
      return idp;
    }
    async function passwordPage(idp: TestIdp) {
      const browser = new Browser();
      const { page } = await begin(browser, await relyingParty(idp));
      return { browser, page };
    }
    async function codePage(idp: TestIdp) {
      const { browser, page } = await passwordPage(idp);
      const next = await browser.submit(page, '/password', {
        email: idp.staff.owner.email,
        password: idp.staff.owner.password,
      });
      expect(next.body).toContain('Verification code');
      return { browser, page: next };
    }

    it('password attempts per IP: exactly the limit is checked, the rest get 429', async () => {
      const idp = await idpWith({ ...NO_RATE_LIMITS, passwordPerIp: 9 });
      const { browser, page } = await passwordPage(idp);
      const pages = await burst(browser, page, '/password', (i) => ({
        email: `nobody${i}@maple.example`,
        password: 'wrong password',
      }));
      expect(outcomeCounts(pages)).toEqual({ refused: 9, 429: BURST - 9 });
    });

    it('password attempts per account: exactly the limit is checked, the rest get 429', async () => {
      const idp = await idpWith({ ...NO_RATE_LIMITS, passwordPerAccount: 7 });
      const { browser, page } = await passwordPage(idp);
      const pages = await burst(browser, page, '/password', () => ({
        email: idp.staff.owner.email,
        password: 'wrong password',
      }));
      expect(outcomeCounts(pages)).toEqual({ refused: 7, 429: BURST - 7 });
      const failed = (await idp.stores.audit.list(idp.clinic.id)).filter((e) => e.type === 'sign_in.failed');
      expect(failed).toHaveLength(7);
    });

    // Malformed codes: the rate limit counts every request, while core's back-off counts only
    // guesses, so the IdP limit alone decides here.
    it('code requests per IP: exactly the limit reaches core, the rest get 429', async () => {
      const idp = await idpWith({ ...NO_RATE_LIMITS, codePerIp: 8 });
      const { browser, page } = await codePage(idp);
      const pages = await burst(browser, page, '/verify', () => ({ method: 'totp', code: 'abc' }));
      expect(outcomeCounts(pages)).toEqual({ refused: 8, 429: BURST - 8 });
    });

    it('code requests per account: exactly the limit reaches core, the rest get 429', async () => {
      const idp = await idpWith({ ...NO_RATE_LIMITS, codePerAccount: 6 });
      const { browser, page } = await codePage(idp);
      const pages = await burst(browser, page, '/verify', () => ({ method: 'totp', code: 'abc' }));
      expect(outcomeCounts(pages)).toEqual({ refused: 6, 429: BURST - 6 });
      expect((await idp.stores.throttles.get(`second-factor:${idp.staff.owner.id}`)).failures).toBe(0);
    });

    it('welcome link: of 40 submissions with different passwords exactly one sets its password', async () => {
      const hashKey = new Uint8Array(randomBytes(32));
      const idp = await idpWith(NO_RATE_LIMITS, { hashKey });
      const staff = {
        id: `staff-new-${randomBytes(4).toString('hex')}`,
        clinicId: idp.clinic.id,
        email: `new.${randomBytes(4).toString('hex')}@maple.example`,
        name: 'Nora Newcomer',
        role: 'staff' as const,
        passwordHash: unusablePasswordHash(),
        active: true,
        createdAt: idp.clock.now(),
      };
      await idp.stores.staff.create(staff);
      const { token } = createWelcomeToken(hashKey, staff, new Date());
      const url = welcomeUrl(idp.issuer, token);
      const { pages, winnerPassword } = await postNewPasswordsAtOnce(url, BURST);
      expect(statusCounts(pages)).toEqual({ 303: 1, 404: BURST - 1 });
      const stored = (await idp.stores.staff.get(staff.id))!;
      expect(await verifyPassword(winnerPassword!, stored.passwordHash)).toBe(true);
      const set = (await idp.stores.audit.list(idp.clinic.id)).filter((e) => e.type === 'staff.password_set');
      expect(set).toHaveLength(1);
    });

    it('last Full Access User: 40 demotions and deactivations of the last two at once → exactly one stays', async () => {
      const idp = await idpWith(NO_RATE_LIMITS);
      const audience = adminAudience(idp.issuer);
      const token = await adminToken(
        { issuer: idp.issuer, audience },
        await registerProvisioningClient(idp, idp.clinic.id),
      );
      // A second Full Access User next to the owner: exactly one of the two may go.
      await idp.stores.staff.update(idp.staff.frontDesk.id, { role: 'full_access' });
      const targets = [idp.staff.owner.id, idp.staff.frontDesk.id];
      const results = await parallel(BURST, (i) =>
        i % 4 < 2
          ? api({ audience }, token, 'POST', '/staff/{id}/deactivate', { params: { id: targets[i % 2]! } })
          : api({ audience }, token, 'PATCH', '/staff/{id}', {
              params: { id: targets[i % 2]! },
              body: { role: 'staff' },
            }),
      );
      // 200s: the one change that went through, and requests that found nothing left to change.
      const passed = results.filter((r) => r.status === 200);
      const refused = results.filter((r) => r.status === 409).map((r) => (r.body as { error: string }).error);
      expect(refused.every((e) => e === 'busy' || e === 'last_full_access')).toBe(true);
      expect(passed.length + refused.length).toBe(BURST);
      const { items } = await idp.stores.staff.list(idp.clinic.id, { role: 'full_access' });
      expect(items.filter((s) => s.active)).toHaveLength(1);
    });
  });
}

suite('memory', async () => ({}));

describe.skipIf(!mongoAvailable())('mongoose', () => {
  const connections: Connection[] = [];
  afterAll(() => Promise.all(connections.map((c) => dropTestDatabase(c))));
  suite('mongoose', async () => {
    // A database per IdP: the seed's fixed staff ids would collide in a shared one.
    const connection = await connectMongo(getMongoUri(), { dbName: testDatabaseName('limits_http') });
    connections.push(connection);
    await syncIndexes(connection, { ttlIndexes: false });
    return { stores: createMongooseStores(connection) as Stores, adapter: createOidcAdapter(connection) };
  });
});
