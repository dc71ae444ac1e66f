// Scenarios 2 and 3: charts ask for a fresh code (10 minutes), and a remembered device skips the code
// at sign-in but never for a chart.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  BROWSER_TEST_TIMEOUT,
  enterTotp as enterCode,
  newContext,
  signIn,
  signOut,
  skipBrowser,
  startScenario,
  useDemoBrowser,
} from './support.ts';

const TEN_MINUTES = 10 * 60 * 1000;

describe.skipIf(skipBrowser)('demo in a browser: step-up', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  const env = useDemoBrowser();

  /** Olivia's authenticator code, verified. */
  async function enterTotp(page: Page, options: { remember?: boolean } = {}): Promise<void> {
    await enterCode(page, env.rig, env.rig.demo.accounts.owner.totpSecret!, options);
  }

  it('a chart asks only for the code when the last one is older than 10 minutes, and again 10 minutes later', async () => {
    const { rig } = env;
    const { demo } = rig;
    const olivia = demo.accounts.owner;
    const { shot, context, page } = await startScenario(env.browser, '2-step-up');

    await signIn(page, demo, olivia);
    await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    await shot(page, 'code-page');
    await enterTotp(page);
    await page.waitForURL(`${demo.appUrl}/schedule`);
    // Name and role reach the app in the IdP's claims (userinfo): the app keeps no staff records.
    await page.locator('.user', { hasText: olivia.name }).waitFor();
    await page.getByRole('link', { name: 'Admin console' }).waitFor();
    // A fresh code: the chart opens at once.
    await page.getByRole('link', { name: 'Amara Okafor' }).click();
    await page.waitForURL(`${demo.appUrl}/patients/p-1042/chart`);
    await page.getByRole('heading', { name: 'Amara Okafor' }).waitFor();

    // 11 minutes later, the next chart asks for a code — and only for the code.
    rig.advance(TEN_MINUTES + 60_000);
    await page.goto(`${demo.appUrl}/schedule`);
    await page.getByRole('link', { name: 'Louis Tremblay' }).click();
    await page.waitForURL(`${demo.idpUrl}/interaction/**`);
    await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    expect(await page.getByLabel('Password').count()).toBe(0);
    await page.getByLabel('Verification code').fill(rig.nextTotp(olivia.totpSecret!));
    await shot(page, 'step-up-code', 'code');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${demo.appUrl}/patients/p-1043/chart`);
    await page.getByRole('heading', { name: 'Louis Tremblay' }).waitFor();
    expect(await page.getByTestId('sign-in-status').textContent()).toContain('verified just now');
    await shot(page, 'chart', 'chart');

    // Within the 10 minutes: billing (also protected) opens without a code.
    rig.advance(5 * 60_000);
    await page.getByRole('link', { name: 'Billing' }).click();
    await page.waitForURL(`${demo.appUrl}/billing`);
    await page.getByRole('heading', { name: 'Billing' }).waitFor();
    await shot(page, 'billing-within-10-min');

    // Past 10 minutes (and the 30 s clock tolerance) since the code: asked again.
    rig.advance(6 * 60_000);
    await page.goto(`${demo.appUrl}/patients/p-1043/chart`);
    await page.waitForURL(`${demo.idpUrl}/interaction/**`);
    await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    await shot(page, 'asked-again');
    await enterTotp(page);
    await page.waitForURL(`${demo.appUrl}/patients/p-1043/chart`);
    await page.getByRole('heading', { name: 'Louis Tremblay' }).waitFor();
    await context.close();
  });

  it('"Remember this device" skips the code at the next sign-in, but a chart still asks for it', async () => {
    const { rig, browser } = env;
    const { demo } = rig;
    const olivia = demo.accounts.owner;
    const { shot, context, page } = await startScenario(browser, '3-remember');

    await signIn(page, demo, olivia);
    await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    await page.getByLabel('Remember this device for 30 days').check();
    await shot(page, 'remember-ticked');
    await enterTotp(page);
    await page.waitForURL(`${demo.appUrl}/schedule`);
    // The clinic app's session cookie, copied before "Sign out" (a shared front-desk computer)...
    const copied = (await context.cookies(demo.appUrl)).filter((c) => c.name === 'twostep');
    expect(copied).toHaveLength(1);
    await signOut(page, demo.appUrl);
    await shot(page, 'signed-out');
    // ...is refused afterwards, in another browser: the schedule sends it to the sign-in page.
    const thiefContext = await newContext(browser);
    await thiefContext.addCookies(copied);
    const thief = await thiefContext.newPage();
    await thief.goto(`${demo.appUrl}/schedule`);
    await thief.waitForURL(`${demo.idpUrl}/interaction/**`);
    await thiefContext.close();

    // A new session in the same browser: the IdP's device cookie skips the code.
    rig.advance(60 * 60_000);
    await signIn(page, demo, olivia);
    await page.waitForURL(`${demo.appUrl}/schedule`);
    const status = await page.getByTestId('sign-in-status').textContent();
    expect(status).toContain('password + remembered device');
    await shot(page, 'schedule-remembered-device');

    // The chart needs a code typed now: a remembered device never counts as fresh.
    await page.getByRole('link', { name: 'Priya Raman' }).click();
    await page.waitForURL(`${demo.idpUrl}/interaction/**`);
    await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    expect(await page.getByLabel('Password').count()).toBe(0);
    await shot(page, 'chart-asks-code');
    await enterTotp(page);
    await page.waitForURL(`${demo.appUrl}/patients/p-1046/chart`);
    await page.getByRole('heading', { name: 'Priya Raman' }).waitFor();
    expect(await page.getByTestId('sign-in-status').textContent()).toContain('authenticator app');

    // A new browser (no device cookie) is asked for the code at sign-in.
    const other = await newContext(browser);
    const fresh = await other.newPage();
    await signIn(fresh, demo, olivia);
    await fresh.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    await other.close();
    await context.close();
  });
});
