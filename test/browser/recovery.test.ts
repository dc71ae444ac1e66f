// Scenario 4: a lost phone. The recovery code signs in once, a new one is shown, the old one stops working.
import { describe, expect, it } from 'vitest';
import {
  BROWSER_TEST_TIMEOUT,
  signIn,
  signOut,
  skipBrowser,
  startScenario,
  useDemoBrowser,
} from './support.ts';

describe.skipIf(skipBrowser)('demo in a browser: recovery code', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  const env = useDemoBrowser();

  it('lost phone: sign in with the recovery code → a new one is shown → the old one no longer works', async () => {
    const { demo } = env.rig;
    const olivia = demo.accounts.owner;
    const oldCode = olivia.recoveryCode!;
    expect(oldCode).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
    const { shot, context, page } = await startScenario(env.browser, '4-recovery');

    await signIn(page, demo, olivia);
    await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    await page.getByRole('link', { name: 'Use your recovery code' }).click();
    await page.getByLabel('Recovery code').fill(oldCode.toLowerCase());
    await shot(page, 'enter-recovery-code');
    await page.getByRole('button', { name: 'Verify' }).click();

    await page.getByRole('heading', { name: 'Save your new recovery code' }).waitFor();
    const newCode = (await page.locator('[data-testid="recovery-code"]').textContent())!.trim();
    expect(newCode).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
    expect(newCode).not.toBe(oldCode);
    await shot(page, 'new-recovery-code');
    await page.getByLabel('I have saved my recovery code').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${demo.appUrl}/schedule`);
    expect(await page.getByTestId('sign-in-status').textContent()).toContain('password + recovery code');
    await shot(page, 'schedule');
    await signOut(page, demo.appUrl);

    // The old code is spent.
    await signIn(page, demo, olivia);
    await page.getByRole('link', { name: 'Use your recovery code' }).click();
    await page.getByLabel('Recovery code').fill(oldCode);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('That code is not right');
    await shot(page, 'old-code-refused');

    // The new one works (once), and is replaced in turn.
    await page.getByLabel('Recovery code').fill(newCode);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Save your new recovery code' }).waitFor();
    expect((await page.locator('[data-testid="recovery-code"]').textContent())!.trim()).not.toBe(newCode);
    await context.close();
  });
});
