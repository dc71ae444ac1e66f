/**
 * The demo's billing export asks for a passkey (`requireStepUp({ acr: 'urn:twostep:loa:phr' })`):
 * over real HTTP, through the clinic app (express-mfa) and the demo's IdP. Someone who verifies
 * with a code gets a page that says a passkey is needed and links to the account page where one is
 * added; the billing page itself still opens with a code.
 */
import { describe, expect, it } from 'vitest';
import { useDemoRig } from '../browser/support.ts';
import { NavBrowser, type NavPage } from '../helpers/nav-browser.ts';
import { submitPassword, submitTotp } from '../helpers/sign-in.ts';

// The browser tests' demo (in-process, 127.0.0.1): its clock starts at the real time and stays there.
const env = useDemoRig();

const idpOrigin = () => new URL(env.rig.demo.idpUrl).origin;

/** Olivia (authenticator app, no passkey) at the IdP's code page: her next code, then back to the app. */
const enterCode = (browser: NavBrowser, page: NavPage) =>
  submitTotp(browser, page, env.rig.nextTotp(env.rig.demo.accounts.owner.totpSecret!));

/** Olivia signed in to the clinic app with a code, on the billing page. */
async function signedInWithCode(): Promise<NavBrowser> {
  const browser = new NavBrowser();
  const passwordPage = await browser.navigate(`${env.rig.demo.appUrl}/billing`);
  const billing = await enterCode(
    browser,
    await submitPassword(browser, passwordPage, env.rig.demo.accounts.owner),
  );
  expect(billing.url).toBe(`${env.rig.demo.appUrl}/billing`);
  return browser;
}

describe('demo: the billing export needs a passkey', () => {
  it('the billing page links to the export and says it needs a passkey', async () => {
    const browser = await signedInWithCode();
    const billing = await browser.navigate(`${env.rig.demo.appUrl}/billing`);
    expect(billing.status).toBe(200);
    expect(billing.body).toContain('href="/billing/export.csv"');
    expect(billing.body).toContain('asks for a sign-in with a passkey');
  });

  it('the export asks the IdP for loa:phr; without a passkey both the IdP and the app say how to add one', async () => {
    const browser = await signedInWithCode();
    const toIdp = await browser.navigate(`${env.rig.demo.appUrl}/billing/export.csv`, {
      stop: (url) => url.origin === idpOrigin(),
    });
    expect(new URL(toIdp.location!).searchParams.get('acr_values')).toBe('urn:twostep:loa:phr');
    // The IdP offers only a passkey for loa:phr; with none it says so and links to the account page.
    const idpPage = await browser.follow(toIdp);
    expect(idpPage.url.startsWith(idpOrigin())).toBe(true);
    expect(idpPage.body).toContain('This needs a passkey');
    expect(idpPage.body).toMatch(/href="[^"]*\/account"/);
    expect(idpPage.body).not.toContain('name="code"');
    // Back to the app (the level could not be met), which says the same in its own layout.
    const page = await browser.submit(idpPage, '/verify/no-passkey');
    expect(page.url.startsWith(env.rig.demo.appUrl)).toBe(true);
    expect(page.status).toBe(403);
    expect(page.body).toContain('A passkey is needed');
    expect(page.body).toContain('The billing export needs a sign-in with a passkey');
    expect(page.body).toContain(`href="${env.rig.demo.idpUrl}/account"`);
    expect(page.body).toContain('Add a passkey on your account security page');
    expect(page.body).not.toContain('Invoice,Patient');
    // Billing itself (loa:2fa) still opens.
    expect((await browser.navigate(`${env.rig.demo.appUrl}/billing`)).status).toBe(200);
  });
});
