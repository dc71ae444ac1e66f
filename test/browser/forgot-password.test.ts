// Forgot password: the link on the password step → the emailed link (read from the dev outbox) → a new
// password → the app's old session is gone → signing in again still asks the authenticator code.
import { describe, expect, it } from 'vitest';
import {
  BROWSER_TEST_TIMEOUT,
  enterPassword,
  enterTotp,
  signIn,
  skipBrowser,
  startScenario,
  useDemoBrowser,
} from './support.ts';

describe.skipIf(skipBrowser)('demo in a browser: forgot password', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  const env = useDemoBrowser();

  it('reset by emailed link: old session ended, the code still asked', async () => {
    const { demo } = env.rig;
    const olivia = demo.accounts.owner;
    const { shot, context, page } = await startScenario(env.browser, 'forgot-password');

    // Signed in to the app: the session the reset must end.
    await signIn(page, demo, olivia);
    await enterTotp(page, env.rig, olivia.totpSecret!);
    await page.waitForURL(`${demo.appUrl}/schedule`);
    // A minute later (the app's clock is the rig's manual one: it moves only when told).
    env.rig.advance(60_000);

    // Another browser (the same person, who forgot the password there).
    const other = await env.browser.newContext({ viewport: { width: 390, height: 844 } });
    const tab = await other.newPage();
    await tab.goto(`${demo.appUrl}/`);
    await tab.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await tab.getByRole('link', { name: 'Forgot password?' }).click();
    await tab.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await tab.getByLabel('Email').fill(olivia.email);
    await shot(tab, 'request', 'phone-forgot-password');
    await tab.getByRole('button', { name: 'Email me a link' }).click();
    await tab.getByRole('heading', { name: 'Check your email' }).waitFor();
    await shot(tab, 'sent', 'phone-forgot-password-sent');

    await tab.goto(demo.mailOutboxUrl!);
    const mail = tab.locator(`[data-testid="mail"][data-to="${olivia.email}"]`, {
      hasText: 'Reset your password',
    });
    const text = (await mail.first().locator('pre').textContent())!;
    const link = /https?:\/\/\S+\/reset-password\/\S+/.exec(text)?.[0];
    expect(link).toBeDefined();
    await tab.goto(link!);
    const NEW_PASSWORD = 'lighthouse paper orchard 42';
    await tab.getByLabel('New password').fill(NEW_PASSWORD);
    await tab.getByLabel('Type it again').fill(NEW_PASSWORD);
    await shot(tab, 'choose', 'phone-new-password');
    await tab.getByRole('button', { name: 'Save password' }).click();
    // Straight into sign-in, where the new password leads to the authenticator code, not past it.
    await tab.waitForURL(`${demo.idpUrl}/interaction/**`);
    await enterPassword(tab, olivia.email, NEW_PASSWORD);
    await tab.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    await shot(tab, 'code-still-asked');
    await other.close();

    // The first browser's app session ended: the schedule sends it to sign in again.
    await page.goto(`${demo.appUrl}/schedule`);
    await page.waitForURL(`${demo.idpUrl}/interaction/**`);
    await page.getByLabel('Password').waitFor();
    await enterPassword(page, olivia.email, olivia.password);
    expect(await page.getByRole('alert').textContent()).toContain('incorrect');
    await enterPassword(page, olivia.email, NEW_PASSWORD);
    await enterTotp(page, env.rig, olivia.totpSecret!);
    await page.waitForURL(`${demo.appUrl}/schedule`);

    // The outbox also holds "Your password was reset".
    const check = await context.newPage();
    await check.goto(demo.mailOutboxUrl!);
    await check.getByText('Your password was reset').first().waitFor();
    await context.close();
  });
});
