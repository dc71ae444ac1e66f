// Scenario 4: a lost phone. The recovery code signs in once, a new one is shown (copy, print, download),
// then "Set up your new phone": set up now, or skip once and be reminded on the account page.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  BROWSER_TEST_TIMEOUT,
  signIn,
  signOut,
  skipBrowser,
  startScenario,
  useDemoBrowser,
} from './support.ts';

const CODE = /^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/;

describe.skipIf(skipBrowser)('demo in a browser: recovery code', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  const env = useDemoBrowser();

  /** On the 2-Step page: the recovery code, verified; returns the new code shown. */
  async function useRecoveryCode(page: Page, code: string): Promise<string> {
    await page.getByRole('link', { name: 'Use your recovery code' }).click();
    await page.getByLabel('Recovery code').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Save your new recovery code' }).waitFor();
    return (await page.getByTestId('recovery-code').textContent())!.trim();
  }

  async function acknowledge(page: Page): Promise<void> {
    await page.getByLabel('I have saved my recovery code').check();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  it('lost phone: recovery code → new code (copy, download) → set up the new phone → schedule; old code spent', async () => {
    const { rig } = env;
    const { demo } = rig;
    const olivia = demo.accounts.owner;
    const oldCode = olivia.recoveryCode!;
    expect(oldCode).toMatch(CODE);
    const { shot, context, page } = await startScenario(env.browser, '4-recovery');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: demo.idpUrl });

    await signIn(page, demo, olivia);
    await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    const newCode = await useRecoveryCode(page, oldCode.toLowerCase());
    expect(newCode).toMatch(CODE);
    expect(newCode).not.toBe(oldCode);

    // Copy (revealed by the page's script), Print, and a .txt download.
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied.' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(newCode);
    expect(await page.getByRole('button', { name: 'Print' }).isVisible()).toBe(true);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download (.txt)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('recovery-code.txt');
    const file = await readFile((await download.path())!, 'utf8');
    expect(file).toContain(newCode);
    expect(file).toContain(demo.clinicName);
    await shot(page, 'new-recovery-code', 'recovery-code-tools');

    // "Set up your new phone": the authenticator app, now.
    await acknowledge(page);
    await page.getByRole('heading', { name: 'Set up your new phone' }).waitFor();
    await shot(page, 'new-phone', 'new-phone');
    await page.getByRole('button', { name: 'Set up the authenticator app' }).click();
    await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await page.getByLabel('Verification code').fill(rig.nextTotp(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${demo.appUrl}/schedule`);
    expect(await page.getByTestId('sign-in-status').textContent()).toContain('password + authenticator app');
    await signOut(page, demo.appUrl);

    // The old code is spent; the new phone's app is what the 2-Step page now takes.
    await signIn(page, demo, olivia);
    await page.getByRole('link', { name: 'Use your recovery code' }).click();
    await page.getByLabel('Recovery code').fill(oldCode);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('That code is not right');
    await page.getByRole('link', { name: 'Use your authenticator app' }).click();
    await page.getByLabel('Verification code').fill(rig.nextTotp(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${demo.appUrl}/schedule`);
    await context.close();
  });

  it('skipped once: the next recovery sign-in goes straight through, and the account page reminds until a method is set up', async () => {
    const { demo } = env.rig;
    const dana = demo.accounts.frontDesk;
    const { shot, context, page } = await startScenario(env.browser, '4-recovery-skip');

    await signIn(page, demo, dana);
    await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    const second = await useRecoveryCode(page, dana.recoveryCode!);
    await acknowledge(page);
    await page.getByRole('heading', { name: 'Set up your new phone' }).waitFor();
    await page.getByRole('button', { name: 'Not now' }).click();
    await page.waitForURL(`${demo.appUrl}/schedule`);
    expect(await page.getByTestId('sign-in-status').textContent()).toContain('password + recovery code');
    await signOut(page, demo.appUrl);

    // Skipped once: not asked again at the next recovery sign-in.
    await signIn(page, demo, dana);
    await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    const third = await useRecoveryCode(page, second);
    expect(third).not.toBe(second);
    await acknowledge(page);
    await page.waitForURL(`${demo.appUrl}/schedule`);

    // The account page: the IdP session signs the console in.
    await page.goto(`${demo.idpUrl}/account`);
    await page.waitForURL(`${demo.idpUrl}/account`);
    const warning = page.getByTestId('new-phone-warning');
    expect(await warning.textContent()).toContain('You signed in with your recovery code');
    await shot(page, 'account-warning', 'new-phone-warning');
    await context.close();
  });

  it('"Having trouble?" on the code page: the other ways in, the Full Access Users, the clinic\'s and the operator\'s contact', async () => {
    const { demo } = env.rig;
    const sam = demo.accounts.practitioner;
    const { shot, context, page } = await startScenario(env.browser, '4-help');
    await signIn(page, demo, sam);
    // Sam sets up (the clinic requires it): the setup page says what an authenticator app is.
    await page.getByRole('heading', { name: 'Set up 2-Step Verification' }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain(
      'Google Authenticator or Microsoft Authenticator',
    );
    await shot(page, 'setup-explained');
    await context.close();

    // The clinic's own contact (the admin console's setting; its form is tested in test/e2e-console).
    const dana = demo.accounts.frontDesk;
    const { clinicId } = (await demo.stores.staff.get(dana.id))!;
    expect(await demo.stores.clinics.update(clinicId, { contact: 'Front desk: 613-555-0142' })).toBe(true);
    const desk = await startScenario(env.browser, '4-help-desk');
    await signIn(desk.page, demo, dana);
    await desk.page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    await desk.page.getByRole('link', { name: 'Having trouble?' }).click();
    await desk.page.getByRole('heading', { name: 'Having trouble signing in?' }).waitFor();
    const main = (await desk.page.getByRole('main').textContent())!;
    expect(main).toContain(demo.accounts.owner.name);
    expect(main).toContain('Maple Street Physio front office, 613-555-0100');
    expect(main).toContain(': Front desk: 613-555-0142');
    await desk.shot(desk.page, 'help', 'help');
    await desk.page.getByRole('link', { name: 'Use your recovery code' }).click();
    await desk.page.getByLabel('Recovery code').waitFor();
    await desk.context.close();
  });
});
