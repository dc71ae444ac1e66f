// Post/Redirect/Get after the enrollment and console forms: a refused form, then Back, shows a page
// again, never Chromium's "Confirm Form Resubmission" (ERR_CACHE_MISS) page.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  BROWSER_TEST_TIMEOUT,
  enterPassword,
  openSignIn,
  ownerConsole,
  skipBrowser,
  startScenario,
  useDemoBrowser,
} from './support.ts';

/** Back: a plain GET of a page of ours, not Chromium's error page. */
async function expectBackToPage(page: Page): Promise<void> {
  const back = await page.goBack();
  expect(page.url()).not.toMatch(/^chrome-error:/);
  expect(back?.status()).toBe(200);
  expect(back?.request().method()).toBe('GET');
}

describe.skipIf(skipBrowser)(
  'demo in a browser: Back after a refused form',
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    const env = useDemoBrowser();

    it('enrollment: two wrong setup codes, then Back: the setup page, no resubmission prompt', async () => {
      const { rig } = env;
      const { demo } = rig;
      const sam = demo.accounts.practitioner;
      const { context, page } = await startScenario(env.browser, 'back-after-enroll-code');

      await openSignIn(page, demo.appUrl, demo.idpUrl);
      await enterPassword(page, sam.email, sam.password);
      await page.getByRole('button', { name: 'Authenticator app (recommended)' }).click();
      await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
      const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
      for (let i = 0; i < 2; i++) {
        await page.getByLabel('Verification code').fill('000000');
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.getByRole('alert').waitFor();
        // The refusal was redirected to a plain GET of the setup page: same key.
        expect(new URL(page.url()).pathname).toMatch(/\/enroll\/totp$/);
        expect((await page.getByTestId('totp-secret').textContent())!.trim()).toBe(secret);
      }

      await expectBackToPage(page);
      await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
      expect(await page.getByRole('alert').count()).toBe(0);
      expect((await page.getByTestId('totp-secret').textContent())!.trim()).toBe(secret);

      // The right code still finishes the setup (the recovery code page, itself reached by a GET).
      await page.getByLabel('Verification code').fill(rig.nextTotp(secret));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByTestId('recovery-code').waitFor();
      await context.close();
    });

    it('sign-in: a wrong password twice, then Back: the password page, no resubmission prompt', async () => {
      const { demo } = env.rig;
      const sam = demo.accounts.practitioner;
      const { context, page } = await startScenario(env.browser, 'back-after-wrong-password');

      await openSignIn(page, demo.appUrl, demo.idpUrl);
      for (let i = 0; i < 2; i++) {
        await enterPassword(page, sam.email, 'not the password');
        await page.getByRole('alert').waitFor();
        expect(await page.getByRole('alert').textContent()).toBe('The email or password is incorrect.');
        // The refusal was redirected to a plain GET of the password step's own page.
        expect(new URL(page.url()).pathname).toMatch(/\/interaction\/[^/]+\/password$/);
      }

      await expectBackToPage(page);
      await page.getByLabel('Password').waitFor();
      expect(await page.getByRole('alert').count()).toBe(0);

      // The right password still goes on, to the next step (the code, or the setup if none yet).
      await enterPassword(page, sam.email, sam.password);
      await page.waitForURL(/\/interaction\/[^/]+\/(verify|enroll)$/);
      await context.close();
    });

    it('the account page\'s own "Sign out" goes straight through: no "Do you want to sign out?" page', async () => {
      const { context, page } = await ownerConsole(env);
      const idp = env.rig.demo.idpUrl;
      await page.goto(`${idp}/account`);
      await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
      // Without a click on "Yes, sign me out" (the question answers itself after the account page's form).
      await page.getByText('You have signed out.').waitFor();
      // Signed out for real: the account page asks for the password again.
      await page.goto(`${idp}/account`);
      await page.getByLabel('Password').waitFor();
      await context.close();
    });

    it('console: a refused mobile number twice, then Back: the account page, no resubmission prompt', async () => {
      const { context, page } = await ownerConsole(env);
      await page.goto(`${env.rig.demo.idpUrl}/account`);
      for (let i = 0; i < 2; i++) {
        await page.getByLabel('Mobile number').fill('12');
        await page.getByRole('button', { name: 'Send code' }).click();
        await page.getByRole('alert').waitFor();
        expect(await page.getByRole('alert').textContent()).toContain('not a mobile number we can text');
        expect(new URL(page.url()).pathname).toBe('/account');
      }

      await expectBackToPage(page);
      await page.getByRole('heading', { name: 'My account security' }).waitFor();
      expect(await page.getByRole('alert').count()).toBe(0);
      await context.close();
    });
  },
);
