/**
 * The JSON log while every sign-in path and admin action runs over HTTP: every line is JSON with
 * a request id, and no password, code, recovery code, TOTP secret, token, cookie, client secret,
 * welcome link or full phone number appears in any line.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { interceptMethods, type StaffMember } from '@twostep/core';
import {
  type AdapterClass,
  adminAudience,
  createLog,
  createMemoryAdapter,
  createWelcomeToken,
  unusablePasswordHash,
  welcomeUrl,
} from '@twostep/oidc-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfOf, enterCode, signIn } from '../e2e-console/helpers.ts';
import { adminToken, registerProvisioningClient } from '../e2e-provisioning/support.ts';
import {
  Browser,
  findForm,
  type Page,
  shownPasswordRefusal,
  shownRefusal,
  testId,
} from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { acknowledgeRecoveryCode, submitPassword, submitTotp } from '../helpers/sign-in.ts';

const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});

/**
 * oidc-provider's records of model `broken` become unreadable while it is set (a server_error);
 * those of model `slow` take half a second to read.
 */
let broken: string | null = null;
let slow: string | null = null;
const MemoryAdapter = createMemoryAdapter();
const BreakableAdapter = function BreakableAdapter(name: string) {
  return interceptMethods(new MemoryAdapter(name), name, (model, method, _args, call) =>
    model === broken && method === 'find'
      ? Promise.reject(new Error('adapter failure for the test'))
      : model === slow && method === 'find'
        ? new Promise((resolve) => setTimeout(resolve, 500)).then(call)
        : call(),
  );
} as unknown as AdapterClass;

let idp: TestIdp;
let rp: Rp;
const hashKey = new Uint8Array(randomBytes(32));
/** Every value that must never be logged. */
const secrets = new Set<string>();
const keep = (...values: (string | undefined | null)[]) => {
  for (const v of values) if (v && v.length >= 4) secrets.add(v);
};
const browsers: Browser[] = [];
const browser = () => {
  const b = new Browser();
  browsers.push(b);
  return b;
};
const recoveryShown = (page: Page) => {
  const code = testId(page, 'recovery-code');
  keep(code, code?.replace(/[-\s]/g, ''));
  return code;
};

beforeAll(async () => {
  idp = await startTestIdp({
    log: createLog({ level: 'debug', destination: capture }),
    adapter: BreakableAdapter,
    hashKey,
  });
  rp = await relyingParty(idp);
  for (const s of Object.values(idp.staff)) keep(s.password, s.totpSecret, s.recoveryCode);
  keep(idp.clientSecret, idp.staff.frontDesk.phone, idp.staff.frontDesk.phone?.slice(2));
});
afterAll(() => idp.close());

describe('logs', { timeout: 120_000 }, () => {
  it('every sign-in path and admin action: JSON lines with a request id, no secret in any', async () => {
    const startup = lines.length;
    const { owner, relaxed, frontDesk, practitioner } = idp.staff;
    const totp = (secret: string) => {
      const code = idp.nextTotpCode(secret);
      keep(code);
      return code;
    };

    // Password + authenticator code, remembered device; tokens redeemed, userinfo.
    const b1 = browser();
    const s1 = await begin(b1, rp);
    const codePage = await submitPassword(b1, s1.page, owner);
    const done1 = await submitTotp(b1, codePage, totp(owner.totpSecret!), { remember: 'yes' });
    const tokens = await redeem(rp, s1.request, done1);
    keep(tokens.access_token, tokens.id_token, tokens.refresh_token, done1.leftTo?.searchParams.get('code'));
    const me = await fetch(`${idp.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(200);
    // Trusted device: password only, straight back.
    const b2 = browser();
    b2.setCookie('twostep_device', b1.cookie('twostep_device')!.value, '/interaction');
    const s2 = await begin(b2, rp);
    expect((await submitPassword(b2, s2.page, owner)).leftTo).toBeDefined();
    // Password only (clinic without enforcement).
    const b3 = browser();
    const s3 = await begin(b3, rp);
    expect((await submitPassword(b3, s3.page, relaxed)).leftTo).toBeDefined();
    // SMS: a wrong code, then the right one.
    const b4 = browser();
    const s4 = await begin(b4, rp);
    const sent = await b4.submit(await submitPassword(b4, s4.page, frontDesk), '/sms');
    const smsCode = idp.lastSmsCode(frontDesk.phone!)!;
    keep(smsCode);
    expect(
      shownRefusal(
        await b4.submit(sent, '/verify', { method: 'sms', code: smsCode === '123456' ? '654321' : '123456' }),
      ),
    ).toContain('not right');
    expect((await b4.submit(sent, '/verify', { method: 'sms', code: smsCode })).leftTo).toBeDefined();
    // Recovery code: the new one is shown once.
    const b5 = browser();
    const s5 = await begin(b5, rp);
    await submitPassword(b5, s5.page, owner);
    const recoveryPage = await b5.get(`${s5.page.url}/verify?method=recovery`);
    const shown = await b5.submit(recoveryPage, '/verify', { method: 'recovery', code: owner.recoveryCode! });
    owner.recoveryCode = recoveryShown(shown);
    expect((await acknowledgeRecoveryCode(b5, shown)).leftTo).toBeDefined();
    // Wrong password, unknown email.
    const b6 = browser();
    const s6 = await begin(b6, rp);
    keep('wrong-password-xyz');
    expect(
      shownPasswordRefusal(
        await submitPassword(b6, s6.page, { email: owner.email, password: 'wrong-password-xyz' }),
      ),
    ).toContain('incorrect');
    expect(
      shownPasswordRefusal(
        await submitPassword(b6, s6.page, { email: 'nobody@maple.test', password: 'wrong-password-xyz' }),
      ),
    ).toContain('incorrect');
    // Enrollment at sign-in: the practitioner sets up an authenticator app.
    const b7 = browser();
    const s7 = await begin(b7, rp);
    const choice = await submitPassword(b7, s7.page, practitioner);
    const setup = await b7.submit(choice, '/enroll/totp');
    const secret = testId(setup, 'totp-secret')!.replace(/\s/g, '');
    keep(secret);
    const enrolled = await b7.submit(setup, '/enroll/totp/confirm', { code: totp(secret) });
    recoveryShown(enrolled);
    expect((await b7.submit(enrolled, '/acknowledge', { ack: 'yes' })).leftTo).toBeDefined();
    practitioner.totpSecret = secret;
    // Welcome link: a new staff member sets a password.
    const newcomer: StaffMember = {
      id: 'staff-new',
      clinicId: idp.clinic.id,
      email: 'new@maple.test',
      name: 'Nia Newcomer',
      role: 'staff',
      passwordHash: unusablePasswordHash({ N: 2 ** 10, r: 8, p: 1 }),
      active: true,
      createdAt: idp.clock.now(),
    };
    await idp.stores.staff.create(newcomer);
    const { token } = createWelcomeToken(hashKey, newcomer, idp.clock.now());
    keep(token, 'Newcomer-password-2026');
    const b8 = browser();
    await b8.get(welcomeUrl(idp.issuer, token));
    await b8.post(welcomeUrl(idp.issuer, token), {
      password: 'Newcomer-password-2026',
      confirm: 'Newcomer-password-2026',
    });

    // Console: the owner's admin actions and account page.
    const admin = await signIn(idp, owner, `/admin/staff/${frontDesk.id}`, browser());
    for (const b of browsers) keep(...b.cookies.map((c) => c.value));
    const csrf = csrfOf(admin.page);
    const staffPath = `${idp.url}/admin/staff/${frontDesk.id}`;
    expect(
      (await admin.browser.post(`${staffPath}/pause`, { csrf, hours: '', reason: 'lost phone' })).status,
    ).toBe(200);
    expect((await admin.browser.post(`${staffPath}/resume`, { csrf })).status).toBe(200);
    expect((await admin.browser.post(`${staffPath}/unlock`, { csrf })).status).toBeLessThan(500);
    expect((await admin.browser.post(`${staffPath}/revoke-devices`, { csrf })).status).toBe(200);
    expect(
      (
        await admin.browser.post(`${idp.url}/admin/enforcement/off`, {
          csrf,
          confirm: 'TURN OFF',
          reason: 'phones',
        })
      ).status,
    ).toBe(200);
    expect((await admin.browser.post(`${idp.url}/admin/enforcement/on`, { csrf })).status).toBe(200);
    expect(
      (await admin.browser.post(`${idp.url}/admin/trusted-devices`, { csrf, allowed: 'no' })).status,
    ).toBeLessThan(500);
    expect((await admin.browser.post(`${staffPath}/reset`, { csrf, reason: 'new phone' })).status).toBe(200);
    const account = await admin.browser.get(`${idp.url}/account`);
    recoveryShown(await admin.browser.post(`${idp.url}/account/recovery`, { csrf: csrfOf(account) }));
    const newTotp = await admin.browser.post(`${idp.url}/account/totp`, { csrf: csrfOf(account) });
    const newSecret = testId(newTotp, 'totp-secret')!.replace(/\s/g, '');
    keep(newSecret);
    await admin.browser.post(`${idp.url}/account/totp/confirm`, {
      csrf: csrfOf(newTotp),
      code: totp(newSecret),
    });
    await admin.browser.post(`${idp.url}/account/devices/revoke-all`, { csrf: csrfOf(account) });
    // A phone added on the account page: the number typed, the code sent.
    const phone = '+16135550199';
    keep(phone, phone.slice(2), '6135550199');
    const smsSent = await admin.browser.post(`${idp.url}/account/sms`, { csrf: csrfOf(account), phone });
    expect(smsSent.status).toBe(200);
    const phoneCode = idp.lastSmsCode(phone)!;
    keep(phoneCode);
    const phoneDone = await admin.browser.post(`${idp.url}/account/sms/confirm`, {
      csrf: csrfOf(smsSent),
      code: phoneCode,
    });
    expect(phoneDone.body).toContain('Your mobile number is set up.');
    // The provisioning API: a client-credentials token, a staff member created with a welcome link.
    const provisioning = await registerProvisioningClient(idp, idp.clinic.id);
    keep(provisioning.clientSecret);
    const audience = adminAudience(idp.issuer);
    const apiToken = await adminToken({ issuer: idp.issuer, audience }, provisioning);
    keep(apiToken);
    const created = await fetch(`${audience}/staff`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'api.new@maple.test', name: 'Api Newcomer', role: 'staff' }),
    });
    expect(created.status).toBe(201);
    const createdBody = (await created.json()) as { id: string; welcomeLink?: { url: string } };
    keep(createdBody.welcomeLink?.url.split('/welcome/')[1]);
    const relink = await fetch(`${audience}/staff/${createdBody.id}/welcome-link`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiToken}` },
    });
    expect(relink.status).toBeLessThan(300);
    keep(((await relink.json()) as { url?: string }).url?.split('/welcome/')[1]);
    const deactivated = await fetch(`${audience}/staff/${createdBody.id}/deactivate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiToken}` },
    });
    expect(deactivated.status).toBeLessThan(300);
    // The practitioner signs in to the console with the new app (a code page on the way).
    const prac = browser();
    const pracPage = await submitPassword(prac, await prac.get(`${idp.url}/account`), practitioner);
    await enterCode(idp, practitioner, prac, pracPage);

    // A token endpoint failure (oidc-provider server_error): logged at error with the request id.
    const b9 = browser();
    const s9 = await begin(b9, rp);
    const done9 = await submitPassword(b9, s9.page, relaxed);
    keep(done9.leftTo?.searchParams.get('code'));
    broken = 'AuthorizationCode';
    await expect(redeem(rp, s9.request, done9)).rejects.toThrow();
    // The same on an HTML page (oidc-provider resuming the sign-in cannot read the interaction):
    // one error line, not two.
    const b10 = browser();
    const s10 = await begin(b10, rp);
    const form = findForm(s10.page, '/password');
    const accepted = await b10.request(
      'POST',
      new URL(form.action, s10.page.url),
      new URLSearchParams({ csrf: form.csrf, email: relaxed.email, password: relaxed.password }).toString(),
    );
    expect(accepted.status).toBe(303);
    broken = 'Interaction';
    const failedPage = await b10.request('GET', new URL(accepted.headers.get('location')!, idp.url));
    broken = null;
    expect(failedPage.status).toBe(500);
    const pageReqId = failedPage.headers.get('x-request-id');
    for (const b of browsers) keep(...b.cookies.map((c) => c.value));

    const during = lines.slice(startup);
    expect(during.length).toBeGreaterThan(50);
    const parsed = during.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not JSON: ${line}`);
      }
    });
    for (const [i, entry] of parsed.entries()) {
      expect(typeof entry.reqId, `line without reqId: ${during[i]}`).toBe('string');
    }
    const all = lines.join('\n');
    for (const value of secrets) {
      if (all.includes(value)) {
        const where = lines.find((l) => l.includes(value));
        throw new Error(`a secret (${value.slice(0, 3)}…) appears in the log: ${where}`);
      }
    }
    expect(secrets.size).toBeGreaterThan(30);

    // What the lines say: the access log by route template, audit events mirrored, the 500 logged.
    const msgs = parsed.map((e) => e.msg);
    expect(parsed.some((e) => e.msg === 'request' && e.route === '/welcome/:token')).toBe(true);
    expect(
      parsed.some((e) => e.msg === 'request' && e.route === '/interaction/:uid/password' && e.status === 303),
    ).toBe(true);
    expect(parsed.some((e) => e.route === '/api/v1/staff' && e.status === 201)).toBe(true);
    for (const type of [
      'staff.created',
      'staff.deactivated',
      'sign_in.succeeded',
      'second_factor.failed',
      'two_step.paused',
      'policy.enforcement_off',
      'staff.password_set',
    ]) {
      expect(msgs).toContain(`audit ${type}`);
    }
    const serverError = parsed.find((e) => e.msg === 'oidc-provider server error');
    expect(serverError).toMatchObject({ level: 'error', event: 'server_error', route: 'token' });
    expect(
      parsed.filter((e) => e.reqId === pageReqId && e.level === 'error').map((e) => [e.msg, e.route]),
    ).toEqual([
      ['oidc-provider server error', 'resume'],
      ['request failed', 'oidc:resume'],
    ]);
  });

  it('takes a well-formed X-Request-Id from the proxy and returns it; replaces a malformed one', async () => {
    const given = await fetch(`${idp.url}/.well-known/openid-configuration`, {
      headers: { 'x-request-id': 'lb-7f3a:42' },
    });
    expect(given.headers.get('x-request-id')).toBe('lb-7f3a:42');
    const line = lines.map((l) => JSON.parse(l)).find((e) => e.reqId === 'lb-7f3a:42');
    expect(line).toMatchObject({ msg: 'request', route: 'oidc:discovery', status: 200 });
    const bad = await fetch(`${idp.url}/jwks`, {
      headers: { 'x-request-id': 'not a valid id {"level":"fatal"}' },
    });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs a request whose client left before the answer as "request aborted"', async () => {
    slow = 'AuthorizationCode';
    try {
      const gone = new AbortController();
      const request = fetch(`${idp.url}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${idp.clientId}:${idp.clientSecret}`).toString('base64')}`,
          'x-request-id': 'left-early-1',
        },
        body: 'grant_type=authorization_code&code=unknown-code&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb',
        signal: gone.signal,
      });
      setTimeout(() => gone.abort(), 100); // while the code is still being looked up
      await expect(request).rejects.toThrow();
      await expect
        .poll(
          () => lines.map((l) => JSON.parse(l)).find((e) => e.reqId === 'left-early-1' && e.ms !== undefined),
          {
            timeout: 3000,
          },
        )
        .toMatchObject({ msg: 'request aborted', level: 'info', method: 'POST' });
    } finally {
      slow = null;
    }
  });
});
