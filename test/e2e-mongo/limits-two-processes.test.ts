/**
 * Every limit through real HTTP against two IdP processes (child processes) on
 * one MongoDB database, behind one round-robin issuer: each burst of 30
 * requests fired at once is split between the processes, and exactly the
 * limit gets through — the second-factor back-off and hard lock, an SMS
 * code's tries, the resend cooldown, the daily quotas per number and per
 * clinic, a password rate limit and the welcome link. A limit kept in one
 * process's memory, or read then written across an await, lets more through.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULTS, normalizePhone, TOTP, totp } from '@twostep/core';
import { createWelcomeToken, developmentKeys, unusablePasswordHash, welcomeUrl } from '@twostep/oidc-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Browser, findForm, outcomeCounts, type Page, postAtOnce, statusCounts } from '../helpers/browser.ts';
import type { TestIdp } from '../helpers/idp.ts';
import { mongoAvailable } from '../helpers/mongo.ts';
import { begin, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { submitPassword } from '../helpers/sign-in.ts';
import {
  type Balancer,
  type IdpProcess,
  type IdpProcessConfig,
  killAllIdpProcesses,
  type SharedDatabase,
  seedSharedDatabase,
  startBalancer,
  startIdpProcess,
} from './support.ts';

const BURST = 30;
const THROTTLE = DEFAULTS.throttle;
const SMS = DEFAULTS.sms;
/** Every request of a burst comes from 127.0.0.1: the per-IP limits are not under test here. */
const RATE_LIMITS = { passwordPerIp: 100_000, codePerIp: 100_000, codePerAccount: 100_000 };
/** Password attempts per account and window (each test signs a seeded account in a few times only). */
const PASSWORD_PER_ACCOUNT = 12;
/** The clinic's daily texts in the quota tests: the per-number test spends 10 of them. */
const CLINIC_QUOTA = 15;

/** Posts the form of `page` ending in `suffix` `BURST` times at once (same cookies and CSRF token). */
const burst = (browser: Browser, page: Page, suffix: string, fields: (i: number) => Record<string, string>) =>
  postAtOnce(browser, page, suffix, BURST, fields);

/** `BURST` six-digit codes none of which is valid for `secret` now (±1 step, real clock), nor `except`. */
function wrongCodes(secret: string | null, except = ''): string[] {
  const now = Math.floor(Date.now() / 1000);
  const valid = new Set(
    secret ? [-2, -1, 0, 1, 2].map((s) => totp(secret, now + s * TOTP.period, TOTP)) : [except],
  );
  const codes: string[] = [];
  for (let n = 100_000; codes.length < BURST; n += 7919) {
    const code = String(n % 1_000_000).padStart(6, '0');
    if (!valid.has(code) && code !== except) codes.push(code);
  }
  return codes;
}

/** Two processes on a fresh seeded database, with `extra` config, behind one round-robin issuer. */
function twoProcesses(label: string, extra: Partial<IdpProcessConfig>) {
  const env = {} as {
    db: SharedDatabase;
    balancer: Balancer;
    processes: IdpProcess[];
    idp: TestIdp;
    rp: Rp;
    /** Texts sent by either process so far. */
    texts(): { to: string; body: string }[];
  };
  beforeAll(async () => {
    env.db = await seedSharedDatabase(label);
    env.balancer = await startBalancer();
    env.processes = await Promise.all(
      ['A', 'B'].map((name) =>
        startIdpProcess(
          env.db.processConfig(env.balancer.url, name, {
            rateLimits: { ...RATE_LIMITS, passwordPerAccount: PASSWORD_PER_ACCOUNT },
            ...extra,
          }),
          env.db.dir,
        ),
      ),
    );
    env.balancer.targets.push(...env.processes.map((p) => p.url));
    env.idp = { ...env.db.seed, issuer: env.balancer.url, url: env.balancer.url };
    env.rp = await relyingParty(env.idp);
    env.texts = () => env.processes.flatMap((p) => p.sms);
  });
  afterAll(async () => {
    await killAllIdpProcesses();
    await env.balancer?.close();
    await env.db?.drop();
  });
  afterEach((context) => {
    if (context.task.result?.state === 'fail') {
      for (const p of env.processes ?? []) console.error(`--- ${p.label}\n${p.output.slice(-30).join('\n')}`);
    }
  });
  return env;
}

describe.skipIf(!mongoAvailable())('two IdP processes on one database: every limit under a burst', () => {
  describe('the default rules', () => {
    const env = twoProcesses('limits_two', {});
    const key = (staffId: string) => `second-factor:${staffId}`;

    async function atCodePage(who: 'owner' | 'frontDesk') {
      const browser = new Browser();
      const { page } = await begin(browser, env.rp);
      const next = await submitPassword(browser, page, env.idp.staff[who]);
      findForm(next, who === 'owner' ? '/verify' : '/sms'); // at the code step (throws otherwise)
      return { browser, page: next };
    }

    it(`back-off: ${BURST} wrong authenticator codes → exactly ${THROTTLE.freeFailures} checked`, async () => {
      const { browser, page } = await atCodePage('owner');
      const codes = wrongCodes(env.idp.staff.owner.totpSecret!);
      const pages = await burst(browser, page, '/verify', (i) => ({ method: 'totp', code: codes[i]! }));
      expect(outcomeCounts(pages)).toEqual({
        refused: THROTTLE.freeFailures,
        429: BURST - THROTTLE.freeFailures,
      });
      expect((await env.db.seed.stores.throttles.get(key(env.idp.staff.owner.id))).failures).toBe(
        THROTTLE.freeFailures,
      );
      expect(new Set(env.balancer.served)).toEqual(new Set([0, 1]));
      await env.db.seed.stores.throttles.reset(key(env.idp.staff.owner.id));
    });

    it(`hard lock: ${BURST} wrong codes at ${THROTTLE.hardLockAfter - 1} failures → exactly 1 checked, locked once`, async () => {
      const { browser, page } = await atCodePage('owner');
      // 99 failures, the last one two hours ago (past any back-off), written through the store's gate.
      const noBackoff = { ...THROTTLE, freeFailures: THROTTLE.hardLockAfter };
      const then = new Date(Date.now() - 2 * 3_600_000);
      for (let i = 0; i < THROTTLE.hardLockAfter - 1; i++) {
        await env.db.seed.stores.throttles.take(key(env.idp.staff.owner.id), then, noBackoff);
      }
      const codes = wrongCodes(env.idp.staff.owner.totpSecret!);
      const pages = await burst(browser, page, '/verify', (i) => ({ method: 'totp', code: codes[i]! }));
      const counts = outcomeCounts(pages);
      expect(counts.refused).toBe(1);
      expect((counts[429] ?? 0) + (counts[403] ?? 0)).toBe(BURST - 1);
      expect((await env.db.seed.stores.throttles.get(key(env.idp.staff.owner.id))).failures).toBe(
        THROTTLE.hardLockAfter,
      );
      const locked = (await env.db.seed.stores.audit.list(env.idp.clinic.id)).filter(
        (e) => e.type === 'account.locked',
      );
      expect(locked).toHaveLength(1);
      await env.db.seed.stores.throttles.reset(key(env.idp.staff.owner.id));
    });

    it(`resend cooldown: ${BURST} "Text me a code" at once → exactly 1 text`, async () => {
      const { browser, page } = await atCodePage('frontDesk');
      const before = env.texts().length;
      const pages = await burst(browser, page, '/sms', () => ({}));
      expect(env.texts().length - before).toBe(1);
      // Post/Redirect/Get: "sent" and "wait until…" alike answer 303 to the SMS code page.
      const toCodePage = (p: Page) =>
        p.status === 303 && /\/verify\?method=sms$/.test(p.headers.get('location') ?? '');
      expect(pages.filter(toCodePage)).toHaveLength(BURST);
      const shown = await browser.follow(pages[0]!);
      expect(shown.body).toMatch(/We sent a code to|ask for a new code after/);
    });

    it(`SMS guesses: ${BURST} wrong codes at one text → exactly ${SMS.maxFailures} checked`, async () => {
      // The code texted by the cooldown test above: asking again now only shows the code form.
      const { browser, page } = await atCodePage('frontDesk');
      const form = await browser.submit(page, '/sms');
      const right = env.texts()[0]!.body.slice(0, 6);
      const codes = wrongCodes(null, right);
      const pages = await burst(browser, form, '/verify', (i) => ({ method: 'sms', code: codes[i]! }));
      expect(outcomeCounts(pages)).toEqual({ refused: SMS.maxFailures, 429: BURST - SMS.maxFailures });
      const challenge = await env.db.seed.stores.smsChallenges.current(env.idp.staff.frontDesk.id, 'sign_in');
      expect(challenge?.failures).toBe(SMS.maxFailures);
      expect((await env.db.seed.stores.throttles.get(key(env.idp.staff.frontDesk.id))).failures).toBe(
        SMS.maxFailures,
      );
    });

    it(`password rate limit per account: ${BURST} wrong passwords → exactly ${PASSWORD_PER_ACCOUNT} checked`, async () => {
      // A fresh email: the limit counts per email and window, in one counter both processes share.
      const email = `limit.${randomBytes(4).toString('hex')}@maple.example`;
      const browser = new Browser();
      const { page } = await begin(browser, env.rp);
      const pages = await burst(browser, page, '/password', () => ({ email, password: 'wrong password' }));
      expect(outcomeCounts(pages)).toEqual({
        refused: PASSWORD_PER_ACCOUNT,
        429: BURST - PASSWORD_PER_ACCOUNT,
      });
    });

    it(`welcome link: ${BURST} submissions at once → exactly one password set`, async () => {
      const { hashKey } = developmentKeys(env.db.keysFile, { warn: () => undefined, error: () => undefined });
      const staff = {
        id: `staff-new-${randomBytes(4).toString('hex')}`,
        clinicId: env.idp.clinic.id,
        email: `new.${randomBytes(4).toString('hex')}@maple.example`,
        name: 'Nora Newcomer',
        role: 'staff' as const,
        passwordHash: unusablePasswordHash(),
        active: true,
        createdAt: new Date(),
      };
      await env.db.seed.stores.staff.create(staff);
      const url = welcomeUrl(env.balancer.url, createWelcomeToken(hashKey, staff, new Date()).token);
      const browser = new Browser();
      const pages = await Promise.all(
        Array.from({ length: BURST }, (_, i) =>
          browser.request(
            'POST',
            url,
            new URLSearchParams({
              password: `correct horse ${i} staple`,
              confirm: `correct horse ${i} staple`,
            }).toString(),
          ),
        ),
      );
      expect(statusCounts(pages)).toEqual({ 303: 1, 404: BURST - 1 });
    });
  });

  describe('SMS tries and quotas (account back-off raised above the burst, no resend cooldown)', () => {
    const env = twoProcesses('limits_two_sms', {
      core: {
        throttle: { freeFailures: 50 },
        sms: { resendCooldownSeconds: 0, dailyPerNumber: SMS.dailyPerNumber, dailyPerClinic: CLINIC_QUOTA },
      },
    });

    async function atCodePage(who: { email: string; password: string }) {
      const browser = new Browser();
      const { page } = await begin(browser, env.rp);
      const next = await submitPassword(browser, page, who);
      findForm(next, '/sms'); // at the code step, SMS offered (throws otherwise)
      return { browser, page: next };
    }

    it(`daily quota per number: ${BURST} "Text me a code" at once → exactly the ${SMS.dailyPerNumber} a day`, async () => {
      const { browser, page } = await atCodePage(env.idp.staff.frontDesk);
      const before = env.texts().length;
      await burst(browser, page, '/sms', () => ({}));
      // The seed's enrollment texted this number once today already.
      const seeded = env.db.seed.sms.messages.filter((m) => m.to === env.idp.staff.frontDesk.phone).length;
      expect(seeded).toBe(1);
      expect(env.texts().length - before).toBe(SMS.dailyPerNumber - seeded);
    });

    it(`per-code tries: ${BURST} wrong guesses at one text → exactly ${SMS.maxFailures} checked`, async () => {
      const { browser, page } = await atCodePage(env.idp.staff.frontDesk);
      // The number's quota is spent: asking shows the code form for the texts already sent.
      const form = await browser.submit(page, '/sms');
      const sent = new Set(env.texts().map((t) => t.body.slice(0, 6)));
      const codes = wrongCodes(null).filter((c) => !sent.has(c));
      const pages = await burst(browser, form, '/verify', (i) => ({
        method: 'sms',
        code: codes[i % codes.length]!,
      }));
      expect(outcomeCounts(pages)).toEqual({ refused: BURST });
      const desk = env.idp.staff.frontDesk.id;
      expect((await env.db.seed.stores.smsChallenges.current(desk, 'sign_in'))?.failures).toBe(
        SMS.maxFailures,
      );
      // Only the compared guesses count against the account; the rest found the code spent.
      expect((await env.db.seed.stores.throttles.get(`second-factor:${desk}`)).failures).toBe(
        SMS.maxFailures,
      );
    });

    it(`daily quota per clinic: ${BURST} texts at once with ${CLINIC_QUOTA - SMS.dailyPerNumber} left → exactly that many`, async () => {
      // Spent so far today: the seed's enrollment text and the per-number test's 9.
      // A colleague with their own phone, enrolled directly in the store (the seed's password).
      const stores = env.db.seed.stores;
      const desk = (await stores.staff.get(env.idp.staff.frontDesk.id))!;
      const colleague = {
        ...desk,
        id: `staff-colleague-${randomBytes(4).toString('hex')}`,
        email: `colleague.${randomBytes(4).toString('hex')}@maple.example`,
      };
      await stores.staff.create(colleague);
      const phone = normalizePhone('+1 416 967 2222');
      if (!phone.ok) throw new Error('test phone');
      const factorId = `${colleague.id}-sms`;
      await stores.factors.savePending({
        id: factorId,
        kind: 'sms',
        phone: phone.e164,
        createdAt: new Date(),
        staffId: colleague.id,
        clinicId: colleague.clinicId,
        status: 'pending',
        confirmedAt: null,
      });
      await stores.factors.activate(colleague.id, 'sms', factorId, new Date(), null);
      const { browser, page } = await atCodePage({
        email: colleague.email,
        password: env.idp.staff.frontDesk.password,
      });
      const before = env.texts().length;
      await burst(browser, page, '/sms', () => ({}));
      expect(env.texts().length - before).toBe(CLINIC_QUOTA - SMS.dailyPerNumber);
    });
  });
});
