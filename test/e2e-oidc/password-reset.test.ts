/**
 * "Forgot password?" over real HTTP, on the memory store and (with MONGODB_URI) on the mongoose
 * store: the same answer for known and unknown addresses, the emailed link works once (30
 * submissions at once: exactly one reset), the per-address and per-IP limits let exactly their
 * number through, and a reset ends every session and remembered device, tells the person and the
 * clinic's Full Access Users, and leaves 2-Step Verification on.
 */
import { randomBytes } from 'node:crypto';
import { type Stores, verifyPassword } from '@twostep/core';
import type { RateLimits } from '@twostep/oidc-server';
import type { Connection } from 'mongoose';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  connectMongo,
  createMongooseStores,
  createOidcAdapter,
  syncIndexes,
} from '../../packages/store-mongoose/src/index.ts';
import { Browser, type Page, postAtOnce, statusCounts } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp, type TestIdpOptions } from '../helpers/idp.ts';
import { dropTestDatabase, getMongoUri, mongoAvailable, testDatabaseName } from '../helpers/mongo.ts';
import { begin, relyingParty } from '../helpers/oidc-client.ts';
import { NO_RATE_LIMITS, postNewPasswordsAtOnce } from '../reliability/fixtures.ts';

const BURST = 30;
const NEW_PASSWORD = 'a brand new passphrase here';

/** The newest email of `kind` to `to` (the link is sent without the request waiting for it). */
async function mailTo(idp: TestIdp, kind: string, to: string) {
  return vi.waitFor(
    () => {
      const mail = idp.notifier.sent.find((n) => n.kind === kind && n.to.email === to);
      if (!mail) throw new Error(`no ${kind} email to ${to} yet`);
      return mail;
    },
    { timeout: 10_000, interval: 20 },
  );
}

async function forgotForm(idp: TestIdp): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser();
  const page = await browser.get(`${idp.issuer}/forgot-password`);
  expect(page.status).toBe(200);
  return { browser, page };
}

async function resetLink(idp: TestIdp, email: string): Promise<string> {
  const { browser, page } = await forgotForm(idp);
  const sent = await browser.submit(page, '/forgot-password', { email });
  expect(sent.url).toBe(`${idp.issuer}/forgot-password/sent`);
  return (await mailTo(idp, 'password_reset_link', email)).params.url!;
}

function suite(name: string, backing: () => Promise<Pick<TestIdpOptions, 'stores' | 'adapter'>>) {
  describe(`${name}: forgot password`, () => {
    const idps: TestIdp[] = [];
    afterAll(() => Promise.all(idps.map((i) => i.close())));
    async function idpWith(rateLimits: Partial<RateLimits> = NO_RATE_LIMITS) {
      const idp = await startTestIdp({ ...(await backing()), rateLimits });
      idps.push(idp);
      return idp;
    }

    it('answers alike for known and unknown addresses; the link resets once and ends sessions and devices', async () => {
      const idp = await idpWith();
      const pat = idp.staff.practitioner;
      // A sign-in link on the password step leads here.
      const { page: signIn } = await begin(new Browser(), await relyingParty(idp));
      expect(signIn.body).toContain(`href="/forgot-password">Forgot password?</a>`);

      const { browser, page } = await forgotForm(idp);
      const known = await browser.request(
        'POST',
        `${idp.issuer}/forgot-password`,
        new URLSearchParams({ csrf: csrfOf(page), email: pat.email.toUpperCase() }).toString(),
      );
      const unknown = await browser.request(
        'POST',
        `${idp.issuer}/forgot-password`,
        new URLSearchParams({ csrf: csrfOf(page), email: 'nobody@maple.test' }).toString(),
      );
      for (const answer of [known, unknown]) {
        expect(answer.status).toBe(303);
        expect(answer.headers.get('location')).toBe('/forgot-password/sent');
        expect(answer.body).toBe(known.body);
      }
      const sentPage = await browser.follow(known);
      expect(sentPage.body).toContain('If an account uses that address');
      const mail = await mailTo(idp, 'password_reset_link', pat.email);
      expect(idp.notifier.sent.filter((n) => n.kind === 'password_reset_link')).toHaveLength(1);

      // Something to end: a remembered device and the moment sessions were last ended.
      const now = idp.clock.now();
      await idp.stores.trustedDevices.add({
        id: `dev-${randomBytes(8).toString('hex')}`,
        staffId: pat.id,
        clinicId: idp.clinic.id,
        tokenHash: 'x'.repeat(43),
        label: 'Safari on macOS',
        createdAt: now,
        lastUsedAt: now,
        expiresAt: new Date(now.getTime() + 86_400_000),
      });
      expect(await idp.stores.sessions.endedAt(pat.id)).toBeNull();

      const url = mail.params.url!;
      const form = await browser.get(url);
      expect(form.status).toBe(200);
      expect(form.headers.get('cache-control')).toBe('no-store');
      const mismatch = await browser.post(url, { password: NEW_PASSWORD, confirm: 'something else' });
      expect(mismatch.status).toBe(400);
      const done = await browser.request(
        'POST',
        url,
        new URLSearchParams({ password: NEW_PASSWORD, confirm: NEW_PASSWORD }).toString(),
      );
      expect(done.status).toBe(303);
      expect(done.headers.get('location')).toBe('/account');
      const stored = (await idp.stores.staff.get(pat.id))!;
      expect(await verifyPassword(NEW_PASSWORD, stored.passwordHash)).toBe(true);
      expect(await idp.stores.sessions.endedAt(pat.id)).not.toBeNull();
      expect(await idp.stores.trustedDevices.list(pat.id, idp.clock.now())).toEqual([]);
      const types = (await idp.stores.audit.list(idp.clinic.id)).map((e) => [
        e.type,
        e.details.via ?? e.details.cause,
      ]);
      expect(types).toContainEqual(['staff.password_set', 'reset_link']);
      expect(types).toContainEqual(['sessions.ended', 'password_changed']);
      expect(types).toContainEqual(['device.revoked', 'password_changed']);
      await mailTo(idp, 'password_reset', pat.email);
      const told = await mailTo(idp, 'colleague_password_reset', idp.staff.owner.email);
      expect(told.params.colleague).toBe('Pat Practitioner');

      // Used: the link is dead, and says how to get another.
      const again = await browser.get(url);
      expect(again.status).toBe(404);
      expect(again.body).toContain('href="/forgot-password"');

      // 2-Step still applies: the new password leads to the second step (here: setting it up).
      const later = new Browser();
      const { page: next } = await begin(later, await relyingParty(idp));
      const after = await later.submit(next, '/password', { email: pat.email, password: NEW_PASSWORD });
      expect(after.body).toContain('Maple Street Physio requires 2-Step Verification');
      expect(after.leftTo).toBeUndefined();
    });

    it(`a link submitted ${BURST} times at once resets the password exactly once`, async () => {
      const idp = await idpWith();
      const url = await resetLink(idp, idp.staff.owner.email);
      const { pages, winnerPassword } = await postNewPasswordsAtOnce(url, BURST);
      expect(statusCounts(pages)).toEqual({ 303: 1, 404: BURST - 1 });
      const stored = (await idp.stores.staff.get(idp.staff.owner.id))!;
      expect(await verifyPassword(winnerPassword!, stored.passwordHash)).toBe(true);
      const set = (await idp.stores.audit.list(idp.clinic.id)).filter((e) => e.type === 'staff.password_set');
      expect(set).toHaveLength(1);
      expect(idp.notifier.sent.filter((n) => n.kind === 'password_reset')).toHaveLength(1);
    });

    it('per address: exactly the limit is let through, known address or not', async () => {
      const idp = await idpWith({ ...NO_RATE_LIMITS, resetPerAccount: 3 });
      for (const email of [idp.staff.practitioner.email, 'nobody@maple.test']) {
        const { browser, page } = await forgotForm(idp);
        const pages = await postAtOnce(browser, page, '/forgot-password', BURST, () => ({ email }));
        expect(statusCounts(pages)).toEqual({ 303: 3, 429: BURST - 3 });
      }
      await mailTo(idp, 'password_reset_link', idp.staff.practitioner.email);
      // Every mail the 3 requests started has gone out before counting.
      await vi.waitFor(() =>
        expect(idp.notifier.sent.filter((n) => n.kind === 'password_reset_link')).toHaveLength(3),
      );
    });

    it('per IP: exactly the limit is let through', async () => {
      const idp = await idpWith({ ...NO_RATE_LIMITS, resetPerIp: 5 });
      const { browser, page } = await forgotForm(idp);
      const pages = await postAtOnce(browser, page, '/forgot-password', BURST, (i) => ({
        email: `someone${i}@maple.test`,
      }));
      expect(statusCounts(pages)).toEqual({ 303: 5, 429: BURST - 5 });
    });

    it('refuses a request without the form token, and an expired or tampered link', async () => {
      const idp = await idpWith();
      const refused = await new Browser().post(`${idp.issuer}/forgot-password`, {
        email: idp.staff.owner.email,
      });
      expect(refused.status).toBe(403);
      const url = await resetLink(idp, idp.staff.owner.email);
      const [id, exp, mac] = url.split('/reset-password/')[1]!.split('.');
      const browser = new Browser();
      expect(
        (await browser.get(`${idp.issuer}/reset-password/${id}.${Number(exp) + 3600}.${mac}`)).status,
      ).toBe(404);
      // A welcome link's MAC is keyed apart: the same staff id and expiry do not make a reset link.
      expect((await browser.get(`${idp.issuer}/welcome/${id}.${exp}.${mac}`)).status).toBe(404);
      idp.clock.advance(31 * 60_000);
      const expired = await browser.get(url);
      expect(expired.status).toBe(410);
      expect(expired.body).toContain('expired');
    });
  });
}

function csrfOf(page: Page): string {
  const match = /name="csrf" value="([^"]+)"/.exec(page.body);
  if (!match?.[1]) throw new Error('no csrf field');
  return match[1];
}

suite('memory', async () => ({}));

describe.skipIf(!mongoAvailable())('mongoose', () => {
  const connections: Connection[] = [];
  afterAll(() => Promise.all(connections.map((c) => dropTestDatabase(c))));
  suite('mongoose', async () => {
    const connection = await connectMongo(getMongoUri(), { dbName: testDatabaseName('password_reset') });
    connections.push(connection);
    await syncIndexes(connection, { ttlIndexes: false });
    return { stores: createMongooseStores(connection) as Stores, adapter: createOidcAdapter(connection) };
  });
});
