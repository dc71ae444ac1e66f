/**
 * The clinic's passkey rule at sign-in, over real HTTP with openid-client as the app and a software
 * authenticator: a covered person without a passkey proves who they are with their code, then adds
 * a passkey before the sign-in ends (loa:2fa: that sign-in was not phishing-resistant); from then on
 * a passkey is the way in (codes refused); a recovery-code sign-in under the rule also adds a
 * passkey (audited). Someone the rule does not cover is not asked.
 */
import { ACR, relyingPartyFromIssuer } from '@twostep/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser, type Page, testId } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { submitPassword, submitTotp } from '../helpers/sign-in.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';

let idp: TestIdp;
let rp: Rp;
let key: SoftAuthenticator;
/** A new authenticator (one credential each) for this IdP. */
const authenticator = () =>
  new SoftAuthenticator({
    rpId: relyingPartyFromIssuer(idp.issuer, 'Clinic sign-in').id,
    origin: new URL(idp.issuer).origin,
  });
beforeEach(async () => {
  idp = await startTestIdp();
  rp = await relyingParty(idp);
  key = authenticator();
  await idp.stores.clinics.update(idp.clinic.id, { phishingResistant: 'full_access' });
});
afterEach(() => idp.close());

/** The WebAuthn challenge a page carries (registration or sign-in), or null. */
function challengeOf(page: Page): string | null {
  const json = /<script type="application\/json" id="passkey-options"[^>]*>([^<]*)<\/script>/.exec(
    page.body,
  )?.[1];
  return json ? (JSON.parse(json) as { challenge: string }).challenge : null;
}

const audited = (type: string) =>
  idp.stores.audit.list(idp.clinic.id, { types: [type as never], order: 'asc' });

/** Olivia (Full Access, authenticator app only): password and code; the page reached. */
async function ownerWithCode(browser: Browser, page: Page): Promise<Page> {
  const codePage = await submitPassword(browser, page, idp.staff.owner);
  return submitTotp(browser, codePage, idp.nextTotpCode(idp.staff.owner.totpSecret!));
}

/** Adds the passkey on the sign-in's "Add a passkey" page. */
function addPasskey(
  browser: Browser,
  page: Page,
  name = 'Office laptop',
  authenticatorUsed = key,
): Promise<Page> {
  const challenge = challengeOf(page);
  if (!challenge) throw new Error(`no passkey options on ${page.url}:\n${page.body.slice(0, 1200)}`);
  return browser.submit(page, '/enroll/passkey', {
    name,
    response: JSON.stringify(authenticatorUsed.register(challenge)),
  });
}

describe('sign-in under the passkey rule', () => {
  it('a covered person without a passkey adds one after their code, then signs in with it (codes refused)', async () => {
    const browser = new Browser();
    const first = await begin(browser, rp);
    const enroll = await ownerWithCode(browser, first.page);
    expect(new URL(enroll.url).pathname).toMatch(/\/interaction\/[^/]+\/enroll\/passkey$/);
    expect(enroll.body).toContain('Add a passkey');
    expect(enroll.body).toContain('requires you to sign in with a passkey');
    expect(enroll.leftTo).toBeUndefined();
    expect((await audited('passkey.required')).map((e) => e.details)).toEqual([{ method: 'totp' }]);

    // A registration made for another origin is refused; the page comes back with a new challenge.
    const wrong = await browser.submit(enroll, '/enroll/passkey', {
      name: 'Phished',
      response: JSON.stringify(key.register(challengeOf(enroll)!, { origin: 'https://evil.example' })),
    });
    expect(wrong.status).toBe(400);
    expect(challengeOf(wrong)).not.toBe(challengeOf(enroll));
    expect(
      (await idp.idp.twostep.admin.status((await idp.stores.staff.get(idp.staff.owner.id))!)).passkeys,
    ).toEqual([]);

    const done = await addPasskey(browser, wrong);
    const claims = (await redeem(rp, first.request, done)).claims()!;
    // The sign-in itself used a code: loa:2fa, not phr.
    expect(claims.acr).toBe(ACR.twoFactor);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect((await audited('factor.enrolled')).at(-1)?.details).toEqual({
      factor: 'passkey',
      name: 'Office laptop',
    });
    expect(
      idp.notifier.sent.some(
        (n) => n.kind === 'factor_added' && n.params.factor === 'passkey "Office laptop"',
      ),
    ).toBe(true);

    // Next sign-in: only the passkey (and the recovery code); a code is refused.
    const next = new Browser();
    const second = await begin(next, rp);
    const step = await submitPassword(next, second.page, idp.staff.owner);
    expect(challengeOf(step)).toBeTruthy();
    expect(step.body).not.toContain('verify?method=totp');
    expect(step.body).toContain('verify?method=recovery');
    const recoveryForm = await next.get(`${step.url}?method=recovery`);
    const refused = await next.request(
      'POST',
      step.url,
      new URLSearchParams({
        csrf: /name="csrf" value="([^"]+)"/.exec(recoveryForm.body)![1]!,
        method: 'totp',
        code: idp.nextTotpCode(idp.staff.owner.totpSecret!),
      }).toString(),
      'application/x-www-form-urlencoded',
    );
    expect(refused.status).toBe(400);
    const withKey = await next.submit(step, '/verify/passkey', {
      response: JSON.stringify(key.assert(challengeOf(step)!)),
    });
    expect((await redeem(rp, second.request, withKey)).claims()!.acr).toBe(ACR.phishingResistant);
  });

  it('a recovery-code sign-in under the rule lets in at loa:2fa after adding a passkey (audited)', async () => {
    const browser = new Browser();
    const first = await begin(browser, rp);
    await addPasskey(browser, await ownerWithCode(browser, first.page), 'Old laptop');

    const other = new Browser();
    const { request, page } = await begin(other, rp);
    await submitPassword(other, page, idp.staff.owner);
    const recoveryPage = await other.get(`${page.url}/verify?method=recovery`);
    const shown = await other.submit(recoveryPage, '/verify', {
      method: 'recovery',
      code: idp.staff.owner.recoveryCode!,
    });
    expect(testId(shown, 'recovery-code')).toBeTruthy();
    // The new passkey takes the place of "Set up your new phone".
    const next = await other.submit(shown, '/acknowledge', { ack: 'yes' });
    expect(next.body).not.toContain('/new-phone/skip"');
    expect(next.body).toContain('Add a passkey');
    const done = await addPasskey(other, next, 'New laptop', authenticator());
    const claims = (await redeem(rp, request, done)).claims()!;
    expect(claims.acr).toBe(ACR.twoFactor);
    expect(claims.amr).toEqual(['pwd', 'recovery', 'mfa']);
    expect((await audited('passkey.required')).map((e) => e.details)).toEqual([
      { method: 'totp' },
      { method: 'recovery' },
    ]);
    const owner = (await idp.stores.staff.get(idp.staff.owner.id))!;
    expect((await idp.idp.twostep.admin.status(owner)).passkeys.map((p) => p.name)).toEqual([
      'Old laptop',
      'New laptop',
    ]);
  });

  it('covered and not set up at all: the first method (authenticator app), its recovery code, then a passkey', async () => {
    await idp.stores.clinics.update(idp.clinic.id, { phishingResistant: 'everyone' });
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    const choice = await submitPassword(browser, page, idp.staff.practitioner);
    expect(testId(choice, 'passkey-next')).toContain('also requires a passkey');
    const setup = await browser.submit(choice, '/enroll/totp');
    const secret = testId(setup, 'totp-secret')!.replace(/\s+/g, '');
    const shown = await browser.submit(setup, '/enroll/totp/confirm', { code: idp.totpCode(secret) });
    expect(testId(shown, 'recovery-code')).toBeTruthy();
    const enroll = await browser.submit(shown, '/acknowledge', { ack: 'yes' });
    expect(enroll.body).toContain('Add a passkey');
    const done = await addPasskey(browser, enroll, 'Treatment room');
    const claims = (await redeem(rp, request, done)).claims()!;
    expect(claims.acr).toBe(ACR.twoFactor);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    const pat = (await idp.stores.staff.get(idp.staff.practitioner.id))!;
    expect((await idp.idp.twostep.admin.status(pat)).methods).toEqual(['totp', 'passkey', 'recovery']);
  });

  it('cancelling ends the sign-in; the page is for people who owe a passkey only; others are not asked', async () => {
    const browser = new Browser();
    const first = await begin(browser, rp);
    const enroll = await ownerWithCode(browser, first.page);
    const cancelled = await browser.submit(enroll, '/abort');
    expect(cancelled.leftTo?.searchParams.get('error')).toBe('access_denied');

    // Dana (front desk, SMS) is not a Full Access User: her sign-in ends after the code.
    const desk = new Browser();
    const mine = await begin(desk, rp);
    const code = await submitPassword(desk, mine.page, idp.staff.frontDesk);
    expect(
      (
        await desk.get(
          `${new URL(code.url).origin}${new URL(code.url).pathname.replace(/\/verify$/, '')}/enroll/passkey`,
        )
      ).status,
    ).toBe(400);
    const sent = await desk.submit(code, '/sms');
    const done = await desk.submit(sent, '/verify', {
      method: 'sms',
      code: idp.lastSmsCode(idp.staff.frontDesk.phone!)!,
    });
    expect((await redeem(rp, mine.request, done)).claims()!.acr).toBe(ACR.twoFactor);
  });
});
