/**
 * The IdP's form routes (password, code, SMS send, enrollment: authenticator
 * confirm, SMS phone) posted with random and hostile bodies: operator keys
 * (`email[$gt]=`), JSON bodies, `__proto__` / `constructor[prototype]` keys,
 * huge values, invalid percent-encodings (`%C3%28`), unicode digits, null bytes,
 * too many parameters, odd content types.
 *
 * What the IdP does, asserted for every body:
 * - never a 5xx, never a redirect out (no authorization code), always an HTML page
 *   with a message (the error page, or the same form re-rendered with its alert);
 * - without this interaction's CSRF token in a form body: exactly 403 (413 when the body is
 *   over 8 KB or has more than 20 parameters, 415 for a charset other than UTF-8: the body
 *   parser answers before the token check), and nothing changes (audit log, throttle, SMS
 *   outbox, factors);
 * - with the token: a 4xx (400 wrong or malformed input, 429 back-off), or for a refused code a 303
 *   back to the code page and for a refused password a 303 back to the password page, which then
 *   show why (Post/Redirect/Get); an enrollment form answers with a 303 back to its own setup page,
 *   which then says what happened; the only change allowed is a counted guess
 *   (`second_factor.failed`) for a well-formed six-digit code, or, on the two forms that send an SMS
 *   (sign-in "send code"; enrollment with a valid phone number), one code sent (both answer with a
 *   303 to their page, which says "sent", then why not: the cooldown).
 *
 * After the fuzzing, each genuine form is submitted again and does its job.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertText,
  Browser,
  enrollPageLocation,
  findForm,
  isCodeRefusal,
  isEnrollAnswer,
  isPasswordRefusal,
  type Page,
  shownPasswordRefusal,
  shownRefusal,
  testId,
} from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { auditOf, NO_RATE_LIMITS } from './fixtures.ts';

let idp: TestIdp;
let rp: Rp;
beforeAll(async () => {
  idp = await startTestIdp({ rateLimits: NO_RATE_LIMITS });
  rp = await relyingParty(idp);
});
afterAll(() => idp?.close());

const RUNS = { numRuns: 120 };

const key = fc.oneof(
  fc.constantFrom(
    'email',
    'password',
    'code',
    'method',
    'phone',
    'remember',
    'csrf',
    'email[$gt]',
    'password[$ne]',
    'code[$gt]',
    'method[$ne]',
    'code[]',
    '__proto__',
    '__proto__[admin]',
    'constructor[prototype][admin]',
    'constructor',
    'hasOwnProperty',
  ),
  fc.string({ maxLength: 12 }),
);
const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.stringMatching(/^[0-9]{6}$/),
  fc.constantFrom(
    '%C3%28',
    '%ZZ',
    '%',
    '%00',
    '\u0000',
    '123\u0000456',
    '١٢٣٤٥٦',
    '１２３４５６',
    '{"$gt":""}',
    'totp',
    'sms',
    'recovery',
    'yes',
    '+16135550199',
    'x'.repeat(9000),
  ),
);
/** One `key=value` pair, percent-encoded or raw (raw keeps invalid encodings and operators as typed). */
const pair = fc
  .tuple(key, value, fc.boolean())
  .map(([k, v, raw]) => (raw ? `${k}=${v}` : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`));
const contentType = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=latin1',
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=x',
);
const body = fc.record({
  pairs: fc.array(pair, { maxLength: 24 }),
  withToken: fc.boolean(),
  contentType,
  json: fc.option(fc.json({ maxDepth: 3 }), { nil: undefined }),
});

interface Form {
  name: string;
  page: Page;
  browser: Browser;
  suffix: string;
  /**
   * Sends an SMS with its token (the sign-in SMS button with any body; the enrollment phone form
   * with a valid number): once, then the cooldown; both shown by the page the 303 leads to.
   */
  sends?: boolean;
}

async function state() {
  const events = await auditOf(idp.stores, idp.clinic.id);
  return {
    events: events.map((e) => e.type),
    sms: idp.sms.messages.length,
    throttles: await Promise.all(
      [idp.staff.owner.id, idp.staff.frontDesk.id, idp.staff.practitioner.id].map(
        async (id) => (await idp.stores.throttles.get(`second-factor:${id}`)).failures,
      ),
    ),
    practitionerFactors: (await idp.stores.factors.list(idp.staff.practitioner.id)).map((f) => f.status),
  };
}

async function fuzz(form: Form) {
  const { action, csrf } = findForm(form.page, form.suffix);
  const url = new URL(action, form.page.url);
  await fc.assert(
    fc.asyncProperty(body, async ({ pairs, withToken, contentType: type, json }) => {
      const before = await state();
      const text =
        type === 'application/json' && json !== undefined
          ? withJsonToken(json, withToken ? csrf : undefined)
          : [...(withToken ? [`csrf=${csrf}`] : []), ...pairs].join('&');
      const posted = await form.browser.request('POST', url, text, type);
      const label = `${form.name}: ${type} ${text.slice(0, 200)}`;
      // A refused code goes back to the code page (Post/Redirect/Get), which says why.
      const refusedCode = isCodeRefusal(posted);
      const refusedPassword = isPasswordRefusal(posted);
      const enrollAnswer = isEnrollAnswer(posted);
      const followed = refusedCode || refusedPassword || enrollAnswer;
      const page = followed ? await form.browser.follow(posted) : posted;
      if (refusedCode && form.sends) {
        // The sign-in SMS button: back at the SMS code page, "sent" or the cooldown's "wait until…".
        expect(new URL(page.url).search, label).toBe('?method=sms');
        expect(page.status, label).toBe(200);
        if (!/class="note" role="status"/.test(page.body)) expect(shownRefusal(page), label).toBeDefined();
      } else if (refusedCode) expect(shownRefusal(page), label).toBeDefined();
      else if (refusedPassword) expect(shownPasswordRefusal(page), label).toBeDefined();
      else if (enrollAnswer) {
        // Back at the setup page: a refusal, or (the SMS form with a valid number) "code sent".
        expect(new URL(page.url).pathname, label).toMatch(enrollPageLocation);
        expect(page.status, label).toBe(200);
        const sent = form.sends && /class="note" role="status"/.test(page.body);
        if (!sent) expect(alertText(page), label).toBeDefined();
      } else expect(page.status, label).toBeGreaterThanOrEqual(400);
      expect(page.status, label).toBeLessThan(500);
      expect(page.headers.get('location'), label).toBeNull();
      expect(page.headers.get('content-type'), label).toMatch(/^text\/html/);
      expect(page.body, label).toMatch(/role="alert"|<h1/);
      const after = await state();
      // Without the token in a form body the route must refuse, whatever else the body holds.
      const refusal = withToken && isForm(type) ? undefined : refusalWithoutToken(type, text);
      if (refusal !== undefined) expect(page.status, label).toBe(refusal);
      const tokenSeen = ![403, 413, 415].includes(page.status);
      if (!tokenSeen) expect(after, label).toEqual(before);
      // Changes, if any: only counted guesses (and the back-off they cause).
      const added = after.events.slice(before.events.length);
      const allowed = [
        'second_factor.failed',
        'second_factor.throttled',
        ...(form.sends ? ['sms.sent'] : []),
      ];
      for (const e of added) expect(allowed, label).toContain(e);
      if (!form.sends || !tokenSeen) expect(after.sms, label).toBe(before.sms);
      // Only the SMS enrollment form may store a (pending) phone, with its token and a valid number.
      if (!form.sends || !tokenSeen)
        expect(after.practitionerFactors, label).toEqual(before.practitionerFactors);
      expect(
        after.practitionerFactors.every((st) => st === 'pending'),
        label,
      ).toBe(true);
      // Keep runs independent: clear any back-off a guess caused.
      for (const id of [idp.staff.owner.id, idp.staff.frontDesk.id, idp.staff.practitioner.id]) {
        await idp.stores.throttles.reset(`second-factor:${id}`);
      }
    }),
    RUNS,
  );
}

const isForm = (type: string) => type.startsWith('application/x-www-form-urlencoded');

/**
 * The status for a post without the token: the body parser's own refusals come first for a
 * form body (a charset other than UTF-8: 415; over 8 KB or 20 parameters: 413), else the
 * route's CSRF check: 403. Other content types are not parsed, so the token is absent.
 */
function refusalWithoutToken(type: string, text: string): number {
  if (!isForm(type)) return 403;
  if (!/^application\/x-www-form-urlencoded(; charset=utf-8)?$/.test(type)) return 415;
  if (Buffer.byteLength(text) > 8 * 1024 || text.split('&').length > 20) return 413;
  return 403;
}

/** A JSON body (what `fc.json()` gives), with the token added when it is an object. */
function withJsonToken(json: string, csrf: string | undefined): string {
  const parsed: unknown = JSON.parse(json);
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  return csrf !== undefined && isObject ? JSON.stringify({ ...parsed, csrf }) : json;
}

async function signedTo(who: 'owner' | 'practitioner' | 'frontDesk') {
  const browser = new Browser();
  const { page } = await begin(browser, rp);
  const next = await browser.submit(page, '/password', {
    email: idp.staff[who].email,
    password: idp.staff[who].password,
  });
  return { browser, page: next, first: page };
}

describe('form routes under random and hostile bodies', () => {
  it('password form', { timeout: 60_000 }, async () => {
    const browser = new Browser();
    const { page } = await begin(browser, rp);
    await fuzz({ name: 'password', page, browser, suffix: '/password' });
    // The genuine form still works afterwards.
    const next = await browser.submit(page, '/password', {
      email: idp.staff.owner.email,
      password: idp.staff.owner.password,
    });
    expect(next.body).toContain('Verification code');
  });

  it('code form (authenticator) and the SMS send button', { timeout: 60_000 }, async () => {
    const owner = await signedTo('owner');
    expect(owner.page.body).toContain('Verification code');
    await fuzz({ name: 'verify', page: owner.page, browser: owner.browser, suffix: '/verify' });
    const code = idp.nextTotpCode(idp.staff.owner.totpSecret!);
    expect(
      (await owner.browser.submit(owner.page, '/verify', { method: 'totp', code })).leftTo,
    ).toBeDefined();

    const desk = await signedTo('frontDesk');
    await fuzz({ name: 'sms', page: desk.page, browser: desk.browser, suffix: '/sms', sends: true });
    expect(idp.sms.messages.filter((m) => m.to === idp.staff.frontDesk.phone).length).toBeLessThanOrEqual(2);
    idp.clock.advance(61_000);
    const smsBefore = idp.sms.messages.length;
    const sent = await desk.browser.submit(desk.page, '/sms');
    expect(sent.status).toBe(200);
    expect(idp.sms.messages.length).toBe(smsBefore + 1);
    await fuzz({ name: 'verify (sms)', page: sent, browser: desk.browser, suffix: '/verify' });
    // The fuzzing's guesses may have used up that code's tries: a fresh code signs in.
    idp.clock.advance(61_000);
    const again = await desk.browser.submit(sent, '/sms');
    const smsCode = idp.lastSmsCode(idp.staff.frontDesk.phone!)!;
    const done = await desk.browser.submit(again, '/verify', { method: 'sms', code: smsCode });
    expect(done.leftTo).toBeDefined();
  });

  it('enrollment forms: authenticator confirm and SMS phone', { timeout: 60_000 }, async () => {
    const prac = await signedTo('practitioner');
    expect(prac.page.body).toMatch(/enroll|authenticator/i);
    const totpPage = await prac.browser.submit(prac.page, '/enroll/totp');
    expect(totpPage.body).toContain('data-testid="totp-secret"');
    await fuzz({
      name: 'enroll/totp/confirm',
      page: totpPage,
      browser: prac.browser,
      suffix: '/enroll/totp/confirm',
    });

    const other = await signedTo('practitioner');
    const phonePage = await other.browser.submit(other.page, '/enroll/sms');
    await fuzz({
      name: 'enroll/sms/send',
      page: phonePage,
      browser: other.browser,
      suffix: '/enroll/sms/send',
      sends: true,
    });
    idp.clock.advance(61_000);
    const smsBefore = idp.sms.messages.length;
    const codeSent = await other.browser.submit(phonePage, '/enroll/sms/send', { phone: '+16135550123' });
    expect(codeSent.status).toBe(200);
    expect(idp.sms.messages.length).toBe(smsBefore + 1);

    // The authenticator confirm form, fuzzed first, still enrolls with a right code (last: once
    // enrolled, the practitioner's next sign-in asks a code instead of offering enrollment).
    const secret = testId(totpPage, 'totp-secret')!.replace(/\s+/g, '');
    const confirmed = await prac.browser.submit(totpPage, '/enroll/totp/confirm', {
      code: idp.nextTotpCode(secret),
    });
    expect(confirmed.status).toBeLessThan(400);
    expect((await idp.stores.factors.list(idp.staff.practitioner.id)).map((f) => f.status)).toContain(
      'active',
    );
  });
});
