// Post/Redirect/Get after the code form: a mistyped code, then Back, shows the code page again,
// never Chromium's "Confirm Form Resubmission" (ERR_CACHE_MISS) page; the right code then signs in.
import { describe, expect, it } from 'vitest';
import {
  BROWSER_TEST_TIMEOUT,
  enterTotp,
  newContext,
  signIn,
  skipBrowser,
  useDemoBrowser,
} from './support.ts';

describe.skipIf(skipBrowser)(
  'demo in a browser: Back after a wrong code',
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    const env = useDemoBrowser();

    it('two mistyped codes, then Back: the code page, no resubmission prompt', async () => {
      const { rig, browser } = env;
      const { demo } = rig;
      const olivia = demo.accounts.owner;
      const context = await newContext(browser);
      const page = await context.newPage();

      await signIn(page, demo, olivia);
      await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
      for (let i = 0; i < 2; i++) {
        await page.getByLabel('Verification code').fill('000000');
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.getByRole('alert').waitFor();
        // The refusal was redirected to a plain GET of the code page.
        expect(new URL(page.url()).pathname).toMatch(/\/verify$/);
      }

      const back = await page.goBack();
      expect(page.url()).not.toMatch(/^chrome-error:/);
      expect(back?.status()).toBe(200);
      expect(back?.request().method()).toBe('GET');
      await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
      expect(await page.getByRole('alert').count()).toBe(0);

      await enterTotp(page, rig, olivia.totpSecret!);
      await page.waitForURL(`${demo.appUrl}/schedule`);
      await context.close();
    });
  },
);
