// Scenarios 6 and 7, in the IdP's admin console: the owner pauses and resumes the front desk's 2-Step
// Verification, then turns clinic-wide enforcement off after the compliance warning.
import { describe, expect, it } from 'vitest';
import {
  BROWSER_TEST_TIMEOUT,
  newContext,
  ownerConsole,
  shooter,
  screenshotsOnFailure,
  signIn,
  skipBrowser,
  smsCodeFromOutbox,
  useDemoBrowser,
} from './support.ts';

describe.skipIf(skipBrowser)('demo in a browser: admin console', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  const env = useDemoBrowser();

  it('owner pauses the front desk: password only, charts refused with a clear message; resumed: code again', async () => {
    const { rig, browser } = env;
    const { demo } = rig;
    const dana = demo.accounts.frontDesk;
    const shot = shooter('6-pause');
    screenshotsOnFailure(browser, '6-pause');
    const owner = await ownerConsole(env);
    await shot(owner.page, 'admin-console');

    await owner.page.getByRole('link', { name: dana.name }).click();
    await owner.page.getByRole('heading', { name: 'Pause 2-Step Verification' }).waitFor();
    await owner.page.getByLabel('Hours (at most').fill('24');
    await owner.page.locator('#pause-reason').fill('Lost her phone on the bus; new one arrives tomorrow.');
    await owner.page.getByRole('button', { name: 'Pause', exact: true }).click();
    await owner.page.getByRole('status').filter({ hasText: '2-Step Verification is paused' }).waitFor();
    await shot(owner.page, 'paused');

    // The front desk signs in with the password only.
    const deskContext = await newContext(browser);
    const desk = await deskContext.newPage();
    await signIn(desk, demo, dana);
    await desk.getByRole('heading', { name: '2-Step Verification is paused' }).waitFor();
    await shot(desk, 'paused-notice');
    await desk.getByRole('button', { name: 'Continue' }).click();
    await desk.waitForURL(`${demo.appUrl}/schedule`);
    expect(await desk.getByTestId('sign-in-status').textContent()).toContain('Password only');

    // A chart needs 2-Step Verification, which cannot be done while paused: the IdP says so at once
    // (no password asked), with the way back to the app.
    await desk.getByRole('link', { name: 'Mei Lin Chen' }).click();
    await desk.waitForURL(`${demo.idpUrl}/interaction/**`);
    await desk.getByRole('heading', { name: '2-Step Verification is paused' }).waitFor();
    expect(await desk.getByLabel('Password').count()).toBe(0);
    expect(await desk.getByTestId('paused-step-up').textContent()).toMatch(
      /^2-Step Verification is paused for your account until .+ E[SD]T, and this page needs it/,
    );
    await shot(desk, 'chart-refused', 'chart-refused');
    await desk.getByRole('link', { name: /^Back to / }).click();
    await desk.waitForURL(`${demo.appUrl}/`);
    // Still signed in (password only) for what that is good for.
    await desk.getByRole('heading', { name: /^Welcome back, / }).waitFor();

    // The owner resumes it.
    await owner.page.getByRole('button', { name: 'Resume now' }).click();
    await owner.page.getByRole('status').filter({ hasText: '2-Step Verification is back on' }).waitFor();
    await shot(owner.page, 'resumed');

    // The chart now asks the front desk for a code (not the password), and opens after it.
    await desk.goto(`${demo.appUrl}/patients/p-1044/chart`);
    await desk.waitForURL(`${demo.idpUrl}/interaction/**`);
    await desk.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    expect(await desk.getByLabel('Password').count()).toBe(0);
    // Text messages are her only method: the step-up texted the code on arrival (no button to press).
    await desk.getByRole('button', { name: 'Send a new code' }).waitFor();
    await desk.getByLabel('Verification code').fill(await smsCodeFromOutbox(deskContext, demo, dana.phone!));
    await shot(desk, 'code-again');
    await desk.getByRole('button', { name: 'Verify' }).click();
    await desk.waitForURL(`${demo.appUrl}/patients/p-1044/chart`);
    await desk.getByRole('heading', { name: 'Mei Lin Chen' }).waitFor();
    await deskContext.close();
    await owner.context.close();
  });

  it('owner turns enforcement off: the compliance warning is shown and must be confirmed', async () => {
    const { rig, browser } = env;
    const { demo } = rig;
    const shot = shooter('7-enforcement');
    screenshotsOnFailure(browser, '7-enforcement');
    const owner = await ownerConsole(env);
    const page = owner.page;

    await page.getByRole('link', { name: 'Turn off the requirement' }).click();
    await page.getByRole('heading', { name: 'Turn off required 2-Step Verification?' }).waitFor();
    const warning = await page.getByTestId('compliance-warning').textContent();
    expect(warning).toContain('compliance or regulatory implications');
    expect(warning).toContain('insurance');
    await shot(page, 'warning', 'compliance-warning');

    // Not confirmed (the browser insists on the field; a wrong word is refused): nothing changes.
    await page.getByLabel('Reason').fill('Testing the demo');
    await page.getByLabel('Type TURN OFF to confirm').fill('OFF');
    await page.getByRole('button', { name: 'Turn off the requirement' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Type TURN OFF exactly to confirm');
    expect((await demo.stores.clinics.get('clinic-maple'))?.enforceTwoStep).toBe(true);
    await shot(page, 'not-confirmed');

    await page.getByLabel('Type TURN OFF to confirm').fill('TURN OFF');
    await page.getByRole('button', { name: 'Turn off the requirement' }).click();
    await page.waitForURL(`${demo.idpUrl}/admin**`);
    await page.getByRole('status').filter({ hasText: 'no longer required' }).waitFor();
    expect((await demo.stores.clinics.get('clinic-maple'))?.enforceTwoStep).toBe(false);
    await shot(page, 'turned-off');

    // Sam (no 2-Step yet) is no longer made to set it up: the password is enough now.
    const samContext = await newContext(browser);
    const sam = await samContext.newPage();
    await signIn(sam, demo, demo.accounts.practitioner);
    await sam.waitForURL(`${demo.appUrl}/schedule`);
    expect(await sam.getByTestId('sign-in-status').textContent()).toContain('Password only');
    await samContext.close();
    await owner.context.close();
  });
});
