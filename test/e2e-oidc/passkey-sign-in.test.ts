/**
 * "Use a passkey" as the second step, over real HTTP with openid-client as the app and a software
 * authenticator (real P-256 signatures) answering the options the page carries: acr loa:phr, the
 * other ways still offered, a step-up to loa:phr, a clear page for someone without a passkey, and
 * a remembered device that never stands in for the passkey. The Chromium version (virtual
 * authenticator) is test/browser/passkeys.test.ts.
 */
import { ACR, relyingPartyFromIssuer } from '@twostep/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser, type Page } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp, type TestStaff } from '../helpers/idp.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { signInWithTotp, submitPassword } from '../helpers/sign-in.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';

let idp: TestIdp;
let rp: Rp;
beforeEach(async () => {
  idp = await startTestIdp();
  rp = await relyingParty(idp);
});
afterEach(() => idp.close());

/** Registers a passkey for `who` through core, as the account page does. */
async function givePasskey(who: TestStaff, name = 'Front desk PC'): Promise<SoftAuthenticator> {
  const staff = (await idp.stores.staff.get(who.id))!;
  const party = relyingPartyFromIssuer(idp.issuer, 'Clinic sign-in');
  const key = new SoftAuthenticator({ rpId: party.id, origin: new URL(idp.issuer).origin });
  const { options, challenge } = await idp.idp.twostep.passkeys.registrationOptions(staff, party);
  const added = await idp.idp.twostep.passkeys.register({ actorId: staff.id }, staff, {
    response: key.register(options.challenge),
    challenge,
    rp: party,
    name,
  });
  if (!added.ok) throw new Error(`passkey not added: ${added.reason}`);
  return key;
}

/** The challenge the passkey page carries (null when the page has no passkey form). */
function passkeyChallenge(page: Page): string | null {
  const json = /<script type="application\/json" id="passkey-options"[^>]*>([^<]*)<\/script>/.exec(
    page.body,
  )?.[1];
  return json ? (JSON.parse(json) as { challenge: string }).challenge : null;
}

/** Answers the passkey page with `key` (`override`: an answer made for another RP ID or origin). */
function usePasskey(
  browser: Browser,
  page: Page,
  key: SoftAuthenticator,
  override: { rpId?: string; origin?: string } = {},
): Promise<Page> {
  const challenge = passkeyChallenge(page);
  if (!challenge)
    throw new Error(`no passkey form (${page.status} ${page.url}):\n${page.body.slice(0, 1200)}`);
  return browser.submit(page, '/verify/passkey', {
    response: JSON.stringify(key.assert(challenge, override)),
  });
}

const phrAsked = { acr_values: ACR.phishingResistant };

describe('sign-in: "Use a passkey"', () => {
  it('password + passkey: offered first, the other ways listed; acr loa:phr, amr swk; audited with method passkey', async () => {
    const key = await givePasskey(idp.staff.owner);
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    const step = await submitPassword(browser, page, idp.staff.owner);
    expect(passkeyChallenge(step)).toBeTruthy();
    expect(step.body).toContain('Other ways to verify');
    expect(step.body).toContain('verify?method=totp');
    expect(step.body).toContain('verify?method=recovery');
    const done = await usePasskey(browser, step, key);
    const claims = (await redeem(rp, request, done)).claims()!;
    expect(claims.acr).toBe(ACR.phishingResistant);
    // The software authenticator sets the backup-eligible flag: a synced passkey.
    expect(claims.amr).toEqual(['pwd', 'swk', 'user', 'mfa']);
    const events = await idp.stores.audit.list(idp.clinic.id, {
      types: ['second_factor.succeeded', 'sign_in.succeeded'],
      order: 'asc',
    });
    expect(events.slice(-2).map((e) => [e.type, e.details?.method])).toEqual([
      ['second_factor.succeeded', 'passkey'],
      ['sign_in.succeeded', 'synced_passkey'],
    ]);
    expect((await idp.stores.factors.findPasskey(key.id))?.lastUsedAt).not.toBeNull();
  });

  it('an answer for another origin or RP ID is refused (counted, audited), and the authenticator app still works', async () => {
    const key = await givePasskey(idp.staff.owner);
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    const step = await submitPassword(browser, page, idp.staff.owner);
    const wrongOrigin = await usePasskey(browser, step, key, { origin: 'https://clinic-login.example' });
    expect(wrongOrigin.body).toContain('That passkey could not be checked.');
    // A new challenge on the page after the refusal (Post/Redirect/Get).
    expect(passkeyChallenge(wrongOrigin)).not.toBe(passkeyChallenge(step));
    const wrongRp = await usePasskey(browser, wrongOrigin, key, { rpId: 'clinic-login.example' });
    expect(wrongRp.body).toContain('That passkey could not be checked.');
    const failed = await idp.stores.audit.list(idp.clinic.id, { types: ['second_factor.failed'] });
    expect(failed.map((e) => e.details)).toEqual([
      { method: 'passkey', reason: 'invalid', failures: 1 },
      { method: 'passkey', reason: 'invalid', failures: 2 },
    ]);
    const codePage = await browser.get(
      `${new URL(wrongRp.url).origin}${new URL(wrongRp.url).pathname}?method=totp`,
    );
    const done = await browser.submit(codePage, '/verify', {
      method: 'totp',
      code: idp.nextTotpCode(idp.staff.owner.totpSecret!),
    });
    expect((await redeem(rp, request, done)).claims()!.acr).toBe(ACR.twoFactor);
  });

  it('someone whose only method is a passkey is asked for it (not for the recovery code)', async () => {
    const key = await givePasskey(idp.staff.practitioner, 'My phone');
    const browser = new Browser();
    const { request, page } = await begin(browser, rp);
    const step = await submitPassword(browser, page, idp.staff.practitioner);
    expect(passkeyChallenge(step)).toBeTruthy();
    expect(step.body).toContain('verify?method=recovery');
    const done = await usePasskey(browser, step, key);
    expect((await redeem(rp, request, done)).claims()!.acr).toBe(ACR.phishingResistant);
  });
});

describe('loa:phr requested by the app', () => {
  it('discovery lists loa:phr', async () => {
    const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    const metadata = (await response.json()) as { acr_values_supported: string[] };
    expect(metadata.acr_values_supported).toEqual([ACR.oneFactor, ACR.twoFactor, ACR.phishingResistant]);
  });

  it('step-up from a code sign-in: only the passkey is asked (no password), then acr loa:phr', async () => {
    const browser = new Browser();
    const first = await begin(browser, rp);
    const signedIn = await signInWithTotp(browser, first.page, idp, idp.staff.owner);
    expect((await redeem(rp, first.request, signedIn)).claims()!.acr).toBe(ACR.twoFactor);
    const key = await givePasskey(idp.staff.owner);

    const { request, page } = await begin(browser, rp, phrAsked);
    expect(page.body).not.toContain('name="password"');
    expect(page.body).toContain('For your security, this needs your passkey.');
    expect(page.body).not.toContain('Other ways to verify');
    // Asking for the code page instead still shows the passkey: a code does not meet loa:phr.
    const asCode = await browser.get(`${page.url.split('?')[0]}?method=totp`);
    expect(passkeyChallenge(asCode)).toBeTruthy();
    expect(asCode.body).not.toContain('name="code"');
    const done = await usePasskey(browser, asCode, key);
    const claims = (await redeem(rp, request, done)).claims()!;
    expect(claims.acr).toBe(ACR.phishingResistant);
    expect(claims.amr).toEqual(['pwd', 'swk', 'user', 'mfa']);
  });

  it('essential loa:phr in the claims parameter: the same, answered with loa:phr', async () => {
    const key = await givePasskey(idp.staff.owner);
    const browser = new Browser();
    const { request, page } = await begin(browser, rp, {
      claims: JSON.stringify({ id_token: { acr: { essential: true, value: ACR.phishingResistant } } }),
    });
    const step = await submitPassword(browser, page, idp.staff.owner);
    const done = await usePasskey(browser, step, key);
    expect((await redeem(rp, request, done)).claims()!.acr).toBe(ACR.phishingResistant);
  });

  it('someone without a passkey gets a page that says so, with the way to add one, and back to the app (unmet)', async () => {
    const browser = new Browser();
    const { page } = await begin(browser, rp, phrAsked);
    const step = await submitPassword(browser, page, idp.staff.frontDesk);
    expect(step.status).toBe(200);
    expect(step.body).toContain('This needs a passkey');
    expect(step.body).toContain(`href="/account"`);
    const back = await browser.submit(step, '/verify/no-passkey');
    expect(back.leftTo?.searchParams.get('error')).toBe('unmet_authentication_requirements');
  });

  it('a remembered device never stands in for the passkey', async () => {
    const remembering = new Browser();
    const first = await begin(remembering, rp);
    const code = await submitPassword(remembering, first.page, idp.staff.owner);
    const remembered = await remembering.submit(code, '/verify', {
      method: 'totp',
      code: idp.nextTotpCode(idp.staff.owner.totpSecret!),
      remember: 'yes',
    });
    expect((await redeem(rp, first.request, remembered)).claims()!.amr).toContain('otp');
    const key = await givePasskey(idp.staff.owner);
    /** A browser with only the device cookie (no IdP session). */
    const deviceOnly = () => {
      const browser = new Browser();
      browser.setCookie('twostep_device', remembering.cookie('twostep_device')!.value, '/interaction');
      return browser;
    };
    // Without phr: the remembered device skips the second step.
    const plain = deviceOnly();
    const again = await begin(plain, rp);
    const skipped = await submitPassword(plain, again.page, idp.staff.owner);
    expect((await redeem(rp, again.request, skipped)).claims()!.amr).toContain('trusted_device');
    // With phr: the passkey is asked all the same.
    const browser = deviceOnly();
    const phr = await begin(browser, rp, phrAsked);
    const asked = await submitPassword(browser, phr.page, idp.staff.owner);
    expect(passkeyChallenge(asked)).toBeTruthy();
    const done = await usePasskey(browser, asked, key);
    expect((await redeem(rp, phr.request, done)).claims()!.acr).toBe(ACR.phishingResistant);
  });
});
