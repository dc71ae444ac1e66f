// The same middleware on Express 4 (a peer range we support): sign-in, step-up, refusals, API
// challenges and bearer tokens, and errors reaching Express 4's error handler (it ignores rejected promises).
import { createRequire } from 'node:module';
import type express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAuth, twostep } from '../src/index.ts';
import { ACR_1FA, ACR_2FA } from './fixtures/idp.ts';
import {
  accessToken,
  Browser,
  getOnce,
  parseWwwAuthenticate,
  type Rig,
  SECRET,
  startRig,
} from './helpers.ts';

// Express 4 ships no types; the calls the rig makes (use, get, res.json/type/send) are the same in both.
const express4 = createRequire(import.meta.url)('express4') as typeof express;

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({}, express4);
});
afterAll(async () => {
  await rig.close();
});

const json = { accept: 'application/json' };

describe('on Express 4', () => {
  it('runs on Express 4', () => {
    expect((createRequire(import.meta.url)('express4/package.json') as { version: string }).version).toMatch(
      /^4\./,
    );
  });

  it('signs in, steps up and returns to the saved URL; satisfied afterwards', async () => {
    const browser = new Browser();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_1FA, amr: ['pwd'] };
    const schedule = await browser.follow(`${rig.rp}/schedule`);
    expect(JSON.parse(schedule.body)).toMatchObject({ page: 'schedule', sub: 'alice', acr: ACR_1FA });

    rig.idp.nextLogin = { sub: 'alice', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] };
    const chart = await browser.follow(`${rig.rp}/patients/42/chart?tab=notes`);
    expect(new URL(browser.trail[1]!).searchParams.get('acr_values')).toBe(ACR_2FA);
    expect(chart.url).toBe(`${rig.rp}/patients/42/chart?tab=notes`);
    expect(JSON.parse(chart.body)).toMatchObject({ page: 'chart', id: '42', acr: ACR_2FA });

    const again = await browser.follow(`${rig.rp}/patients/7/chart`);
    expect(browser.trail).toHaveLength(1);
    expect(again.status).toBe(200);

    rig.clock.now += 700 * 1000; // past maxAge 600 (+30 s tolerance)
    const expired = await browser.get(`${rig.rp}/patients/7/chart`);
    expect(expired.status).toBe(303);
    expect(new URL(expired.location!).searchParams.get('max_age')).toBe('600');
    rig.clock.now = Date.now();
  });

  it('refuses a 1fa answer with the 403 page, without a loop', async () => {
    const browser = new Browser();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_1FA, amr: ['pwd'] };
    const logins = rig.idp.logins;
    const page = await browser.follow(`${rig.rp}/patients/1/chart`);
    expect(page.status).toBe(403);
    expect(page.body).toContain('2-Step Verification required');
    expect(rig.idp.logins).toBe(logins + 1);
  });

  it('answers API calls with the RFC 9470 challenge and checks bearer tokens', async () => {
    const browser = new Browser();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_1FA, amr: ['pwd'] };
    await browser.follow(`${rig.rp}/schedule`);
    const res = await browser.get(`${rig.rp}/patients/1/chart`, json);
    expect(res.status).toBe(401);
    expect(parseWwwAuthenticate(res.headers.get('www-authenticate')!)[0]?.params).toMatchObject({
      error: 'insufficient_user_authentication',
      acr_values: ACR_2FA,
      max_age: '600',
    });

    rig.idp.nextLogin = { sub: 'alice', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] };
    const token = await accessToken(rig.idp);
    const api = await new Browser().get(`${rig.rp}/api/chart`, { authorization: `Bearer ${token}` });
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body)).toMatchObject({ sub: 'alice', acr: ACR_2FA });
  });

  it('refuses a tampered cookie and a replayed callback; logs out with POST', async () => {
    const browser = new Browser();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_1FA, amr: ['pwd'] };
    const callback = await browser.redirectTo(`${rig.rp}/schedule`, `${rig.rp}/auth/callback`);
    expect((await browser.get(callback)).status).toBe(303);
    expect((await browser.get(callback)).status).toBe(400);

    const parts = browser.cookie(rig.rp, 'twostep')!.split('.');
    parts[3] = (parts[3]!.startsWith('A') ? 'B' : 'A') + parts[3]!.slice(1); // one ciphertext character
    const tampered = new Browser();
    tampered.setCookie(rig.rp, 'twostep', parts.join('.'));
    expect((await tampered.get(`${rig.rp}/schedule`, json)).status).toBe(401);

    // Without the CSRF token nothing happens; with it, signed out.
    expect((await browser.request('POST', `${rig.rp}/auth/logout`)).status).toBe(403);
    expect((await browser.get(`${rig.rp}/schedule`, json)).status).toBe(200);
    const out = await browser.signOut(rig.rp);
    expect(out.status).toBe(303);
    expect((await browser.get(`${rig.rp}/schedule`, json)).status).toBe(401);
  });

  it('hands an asynchronous failure (IdP unreachable) to the error handler instead of hanging', async () => {
    const app = express4();
    app.use(
      twostep({
        issuer: 'http://127.0.0.1:9', // nothing listens on the discard port
        clientId: 'app',
        clientSecret: 'secret',
        redirectUri: 'http://127.0.0.1:9/auth/callback',
        session: { secret: SECRET },
      }),
    );
    app.get('/schedule', requireAuth(), (_req, res) => {
      res.send('never');
    });
    const res = await getOnce(app, '/schedule');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual({ code: 'discovery_failed' });
  });
});
