/**
 * `/metrics`: scraped before and after a known mix of sign-ins, failures and admin actions over
 * real HTTP; every twostep counter moved by exactly that mix and nothing else; the output parses
 * as Prometheus text format; labels carry route templates, never ids.
 */
import { createMetrics, type IdpMetrics } from '@twostep/oidc-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, shownPasswordRefusal, shownRefusal } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { type Exposition, parsePrometheusText, sampleOf } from '../helpers/prometheus.ts';
import { signInWithTotp, submitPassword, submitTotp } from '../helpers/sign-in.ts';

let idp: TestIdp;
let rp: Rp;
let metrics: IdpMetrics;

beforeAll(async () => {
  metrics = createMetrics();
  idp = await startTestIdp({ metrics });
  rp = await relyingParty(idp);
});
afterAll(() => idp.close());

async function scrape(): Promise<{ text: string; parsed: Exposition }> {
  const res = await fetch(`${idp.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const text = await res.text();
  return { text, parsed: parsePrometheusText(text) };
}

/** Counter series of ours (`twostep_*_total`) whose value changed, with the change. */
function counterDeltas(before: Exposition, after: Exposition): Record<string, number> {
  const moved: Record<string, number> = {};
  for (const [key, value] of after.samples) {
    if (!/^twostep_\w+_total(\{|$)/.test(key)) continue;
    const delta = value - (before.samples.get(key) ?? 0);
    if (delta !== 0) moved[key] = delta;
  }
  return moved;
}

describe('/metrics', { timeout: 60_000 }, () => {
  it('counters move by exactly a known mix of sign-ins, failures and admin actions', async () => {
    const before = await scrape();
    const emailsBefore = idp.notifier.sent.length;
    const { owner, relaxed, frontDesk, practitioner } = idp.staff;

    // 1. Owner: password + authenticator code, code redeemed at the token endpoint.
    const b1 = new Browser();
    const s1 = await begin(b1, rp);
    const done1 = await signInWithTotp(b1, s1.page, idp, owner);
    await redeem(rp, s1.request, done1);
    // 2. Relaxed clinic: password only, redeemed.
    const b2 = new Browser();
    const s2 = await begin(b2, rp);
    await redeem(rp, s2.request, await submitPassword(b2, s2.page, relaxed));
    // 3. Front desk: an SMS sent, its code entered.
    const b3 = new Browser();
    const s3 = await begin(b3, rp);
    const sent = await b3.submit(await submitPassword(b3, s3.page, frontDesk), '/sms');
    const done3 = await b3.submit(sent, '/verify', {
      method: 'sms',
      code: idp.lastSmsCode(frontDesk.phone!)!,
    });
    expect(done3.leftTo).toBeDefined();
    // 4. Three failed passwords: two wrong for the owner, one unknown email.
    const b4 = new Browser();
    const s4 = await begin(b4, rp);
    for (const who of [
      { email: owner.email, password: 'wrong-1' },
      { email: owner.email, password: 'wrong-2' },
      { email: 'nobody@maple.test', password: 'wrong-3' },
    ]) {
      expect(shownPasswordRefusal(await submitPassword(b4, s4.page, who))).toContain('incorrect');
    }
    // 5. Owner again: two wrong codes, then the right one.
    const b5 = new Browser();
    const s5 = await begin(b5, rp);
    const codePage = await submitPassword(b5, s5.page, owner);
    const right = idp.totpCode(owner.totpSecret!);
    for (const code of ['000000', '999999'].map((c) => (c === right ? '111111' : c))) {
      expect(shownRefusal(await submitTotp(b5, codePage, code))).toContain('not right');
    }
    expect((await submitTotp(b5, codePage, idp.nextTotpCode(owner.totpSecret!))).leftTo).toBeDefined();
    // 6. The first code redeemed again: the token endpoint refuses (invalid_grant).
    await expect(redeem(rp, s1.request, done1)).rejects.toThrow();
    // 7. Admin actions: a pause, enforcement off and on again.
    const admin = { actorId: owner.id };
    expect((await idp.idp.twostep.admin.pause(admin, practitioner.id, { reason: 'lost phone' })).ok).toBe(
      true,
    );
    expect((await idp.idp.twostep.admin.setEnforcement(admin, false, { reason: 'test' })).ok).toBe(true);
    expect((await idp.idp.twostep.admin.setEnforcement(admin, true)).ok).toBe(true);

    const after = await scrape();
    const emails = idp.notifier.sent.length - emailsBefore;
    expect(emails).toBeGreaterThan(0);
    expect(counterDeltas(before.parsed, after.parsed)).toEqual({
      'twostep_sign_ins_total{method="totp",outcome="success"}': 2,
      'twostep_sign_ins_total{method="password",outcome="success"}': 1,
      'twostep_sign_ins_total{method="sms",outcome="success"}': 1,
      'twostep_sign_ins_total{method="password",outcome="failure"}': 3,
      'twostep_second_factor_failures_total{method="totp",reason="invalid"}': 2,
      'twostep_sms_total{outcome="sent"}': 1,
      // The pause is told to the paused person and to the clinic's Full Access Users.
      'twostep_email_total{outcome="sent"}': emails,
      twostep_pauses_total: 1,
      'twostep_enforcement_changes_total{to="off"}': 1,
      'twostep_enforcement_changes_total{to="on"}': 1,
      'twostep_oidc_grants_total{grant_type="authorization_code"}': 2,
      'twostep_oidc_errors_total{error="invalid_grant",event="grant.error"}': 1,
      'twostep_audit_events_total{type="sign_in.succeeded"}': 4,
      'twostep_audit_events_total{type="sign_in.failed"}': 2, // the unknown email is in no clinic's log
      'twostep_audit_events_total{type="second_factor.succeeded"}': 3,
      'twostep_audit_events_total{type="second_factor.failed"}': 2,
      'twostep_audit_events_total{type="sms.sent"}': 1,
      'twostep_audit_events_total{type="two_step.paused"}': 1,
      'twostep_audit_events_total{type="sessions.ended"}': 1, // a pause ends the person's sessions
      'twostep_audit_events_total{type="policy.enforcement_off"}': 1,
      'twostep_audit_events_total{type="policy.enforcement_on"}': 1,
    });

    // HTTP durations by route template: the three refused passwords, and no id in any label.
    const count = (labels: Record<string, string>) =>
      sampleOf(after.parsed, 'twostep_http_request_duration_seconds_count', labels) -
      sampleOf(before.parsed, 'twostep_http_request_duration_seconds_count', labels);
    // A refused password answers 303 to the password step's own page, which only refusals reach.
    expect(count({ method: 'GET', route: '/interaction/:uid/password', status: '200' })).toBe(3);
    expect(count({ method: 'POST', route: '/interaction/:uid/password', status: '401' })).toBe(0);
    expect(count({ method: 'POST', route: 'oidc:token', status: '200' })).toBe(2);
    expect(count({ method: 'POST', route: 'oidc:token', status: '400' })).toBe(1);
    expect(after.text).not.toMatch(/route="\/interaction\/(?!:uid)/);
    // Seven password checks, each through the hashing queue (the unknown email against the dummy hash).
    expect(
      sampleOf(after.parsed, 'twostep_password_hash_wait_seconds_count') -
        sampleOf(before.parsed, 'twostep_password_hash_wait_seconds_count'),
    ).toBe(7);
    expect(sampleOf(after.parsed, 'twostep_password_hashes_queued')).toBe(0);
    for (const staff of Object.values(idp.staff)) expect(after.text).not.toContain(staff.id);
    // Store calls timed by store and method; process metrics present.
    expect(
      sampleOf(after.parsed, 'twostep_store_call_duration_seconds_count', {
        store: 'audit',
        method: 'append',
      }),
    ).toBeGreaterThan(0);
    expect(after.parsed.types.get('process_cpu_user_seconds_total')).toBe('counter');
  });

  it('/healthz and /readyz answer, outside every rate limit', async () => {
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${idp.url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ready' });
    }
    const live = await fetch(`${idp.url}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
  });
});
