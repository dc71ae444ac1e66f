// Sign-in with a passkey alone in Chromium, with its virtual WebAuthn authenticator (CDP): the
// passkey is added on the account page, then — signed out — the password page signs in with no
// password (acr loa:phr, amr without pwd): through passkey autofill (conditional UI; the virtual
// authenticator answers it at once, where a person picks the passkey from the email field's list),
// and, in a browser without autofill, through "Sign in with a passkey". A disabled account is
// refused. Without JavaScript the page is the plain password form. axe-core on the password page
// at both sizes.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ACR } from '@twostep/core';
import { CHECK_SIZES, pageFindings } from '../helpers/axe.ts';
import { VirtualAuthenticator, withoutPasskeyAutofill } from '../helpers/virtual-authenticator.ts';
import {
  BROWSER_TEST_TIMEOUT,
  enterPassword,
  skipBrowser,
  startScenario,
  usePasskeyBrowser,
} from './support.ts';

describe.skipIf(skipBrowser)('passkey alone in Chromium', { timeout: BROWSER_TEST_TIMEOUT * 2 }, () => {
  const env = usePasskeyBrowser();

  const appView = async (page: Page): Promise<{ page: string; sub: string; acr: string; amr: string[] }> =>
    JSON.parse((await page.textContent('body')) ?? '{}');

  it('adds a passkey on the account page, then signs in with it alone: loa:phr, no pwd', async () => {
    const { issuer } = env.rig.idp;
    const owner = env.rig.idp.staff.owner;
    const { shot, context, page } = await startScenario(env.browser, 'passwordless');
    const key = await VirtualAuthenticator.attach(page);

    // 1. The account page (password + authenticator code): "Add a passkey", named.
    await page.goto(`${issuer}/account`);
    await enterPassword(page, owner.email, owner.password);
    await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    const other = page.getByRole('link', { name: 'Use your authenticator app' });
    if (await other.count()) await other.click();
    await page.getByLabel('Verification code').fill(env.rig.idp.nextTotpCode(owner.totpSecret!));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${issuer}/account`);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByLabel('Name for this passkey').fill('Front desk PC');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await page.waitForURL(`${issuer}/account?done=passkey_added`);
    const [credential] = await key.credentials();
    expect(credential).toMatchObject({ rpId: 'localhost', isResidentCredential: true });
    expect(Buffer.from(credential!.userHandle ?? '', 'base64').toString()).toBe(owner.id);

    const signInMethods = async () =>
      (
        await env.rig.idp.stores.audit.list(env.rig.idp.clinic.id, {
          types: ['sign_in.succeeded'],
          order: 'asc',
        })
      ).map((e) => e.details.method);
    const signedInWithPasskeyAlone = async () => {
      await page.waitForURL(`${env.rig.app}/schedule`);
      expect(await appView(page)).toMatchObject({
        page: 'schedule',
        sub: owner.id,
        acr: ACR.phishingResistant,
        amr: ['hwk', 'user', 'mfa'],
      });
      expect((await signInMethods()).at(-1)).toBe('passwordless_passkey');
    };

    // 2. Signed out, the app sends the browser to the password page. Chromium offers passkeys as
    //    autofill (conditional UI), and its virtual authenticator picks the one it holds at once
    //    where a person would pick it from the email field's list: signed in, no password typed.
    await context.clearCookies();
    const before = (await key.credentials())[0]!.signCount;
    await page.goto(`${env.rig.app}/schedule`);
    await signedInWithPasskeyAlone();
    expect((await key.credentials())[0]!.signCount).toBeGreaterThan(before);

    // 3. A browser without passkey autofill: the "Sign in with a passkey" button. The email field
    //    still carries the autofill token, and the autofill request is in the page's nonce'd script.
    await withoutPasskeyAutofill(page);
    await context.clearCookies();
    await page.goto(`${env.rig.app}/schedule`);
    const button = page.getByRole('button', { name: 'Sign in with a passkey' });
    await button.waitFor();
    expect(await page.getByLabel('Email').getAttribute('autocomplete')).toBe('username webauthn');
    const scripts = await page.locator('script').evaluateAll((tags) =>
      tags.map((s) => ({
        nonce: (s as { nonce?: string }).nonce ?? '',
        src: s.getAttribute('src'),
        text: s.textContent,
      })),
    );
    expect(scripts.every((s) => s.nonce !== '')).toBe(true);
    expect(scripts.some((s) => s.src?.endsWith('/webauthn.js'))).toBe(true);
    expect(scripts.some((s) => s.text?.includes('useBrowserAutofill:true'))).toBe(true);
    expect(await pageFindings(page, 'password-with-passkey')).toEqual([]);
    await shot(page, 'password-with-passkey', 'password-passkey');
    const signedIn = (await signInMethods()).length;
    await button.click();
    await signedInWithPasskeyAlone();
    expect(await signInMethods()).toHaveLength(signedIn + 1);

    // 4. A disabled account: the same passkey is refused, and the password form is still there.
    await context.clearCookies();
    await env.rig.idp.stores.staff.update(owner.id, { active: false });
    try {
      await page.goto(`${env.rig.app}/schedule`);
      await button.click();
      await page.getByRole('alert').filter({ hasText: 'That passkey did not sign you in.' }).waitFor();
      await page.getByLabel('Password').waitFor();
    } finally {
      await env.rig.idp.stores.staff.update(owner.id, { active: true });
    }
    await context.close();
  });

  it('without JavaScript the password page is the plain password form', async () => {
    const context = await env.browser.newContext({ javaScriptEnabled: false, viewport: CHECK_SIZES[0] });
    const page = await context.newPage();
    await page.goto(`${env.rig.app}/schedule`);
    await page.getByLabel('Password').waitFor();
    expect(await page.getByRole('button', { name: 'Sign in with a passkey' }).count()).toBe(0);
    await enterPassword(page, env.rig.idp.staff.relaxed.email, env.rig.idp.staff.relaxed.password);
    await page.waitForURL(`${env.rig.app}/schedule`);
    expect((await appView(page)).sub).toBe(env.rig.idp.staff.relaxed.id);
    await context.close();
  });
});
