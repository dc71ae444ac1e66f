// Scenario 1: a practitioner without 2-Step in an enforcing clinic is asked to set it up at sign-in
// (new staff get the clinic's 14 days, so "Later" is offered; he sets it up now).
import { describe, expect, it } from 'vitest';
import {
  BROWSER_TEST_TIMEOUT,
  enterPassword,
  openSignIn,
  skipBrowser,
  startScenario,
  useDemoBrowser,
} from './support.ts';

describe.skipIf(skipBrowser)(
  'demo in a browser: forced enrollment',
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    const env = useDemoBrowser();

    it('practitioner: password → set up the authenticator app → recovery code → schedule', async () => {
      const { rig } = env;
      const { demo } = rig;
      const sam = demo.accounts.practitioner;
      const { shot, context, page } = await startScenario(env.browser, '1-enroll');
      // The clinic gives new staff 14 days (the admin console's setting): Sam, just added, may set up later.
      const owner = { actorId: demo.accounts.owner.id };
      expect(await demo.twostep.admin.setEnrollmentGrace(owner, '14')).toEqual({ ok: true });

      await page.goto(`${demo.appUrl}/`);
      await page.getByRole('heading', { name: demo.clinicName }).waitFor();
      await shot(page, 'app-welcome');

      await openSignIn(page, demo.appUrl, demo.idpUrl);
      await page.getByLabel('Email').fill(sam.email);
      await page.getByLabel('Password').fill(sam.password);
      await shot(page, 'password', 'sign-in');
      await enterPassword(page, sam.email, sam.password);

      await page.getByRole('heading', { name: 'Set up 2-Step Verification' }).waitFor();
      expect(await page.getByRole('main').textContent()).toContain(
        `${demo.clinicName} requires 2-Step Verification`,
      );
      expect(await page.getByTestId('enroll-grace').textContent()).toContain('you have 14 days left');
      await page.getByRole('button', { name: 'Later (14 days left)' }).waitFor();
      await shot(page, 'enroll-choice', 'enroll-grace');
      await page.getByRole('button', { name: 'Authenticator app (recommended)' }).click();

      await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
      const secret = (await page.locator('[data-testid="totp-secret"]').textContent())!.trim();
      expect(secret.replace(/\s/g, '')).toMatch(/^[A-Z2-7]{32,}$/);
      await shot(page, 'enroll-totp', 'enroll-app');
      await page.getByLabel('Verification code').fill(rig.nextTotp(secret));
      await page.getByRole('button', { name: 'Verify' }).click();

      const recovery = page.locator('[data-testid="recovery-code"]');
      await recovery.waitFor();
      expect((await recovery.textContent())!.trim()).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
      await shot(page, 'recovery-code', 'recovery-code');
      await page.getByRole('button', { name: 'Continue' }).click();
      // The acknowledgement is required.
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toContain(
        'Confirm that you have saved your recovery code',
      );
      await page.getByLabel('I have saved my recovery code').check();
      await page.getByRole('button', { name: 'Continue' }).click();

      await page.waitForURL(`${demo.appUrl}/schedule`);
      await page.getByRole('heading', { name: 'Schedule' }).waitFor();
      const status = await page.getByTestId('sign-in-status').textContent();
      expect(status).toContain('2-Step verified');
      expect(status).toContain('password + authenticator app');
      expect(await page.getByRole('banner').textContent()).toContain(sam.name);
      await shot(page, 'schedule', 'schedule');

      const enrolled = await demo.twostep.admin.status((await demo.stores.staff.get(sam.id))!);
      expect(enrolled.methods).toEqual(['totp', 'recovery']);
      await context.close();
    });
  },
);
