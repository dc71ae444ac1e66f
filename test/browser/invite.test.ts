// The owner adds a colleague in the admin console: the invitation email (from the dev outbox) lets
// them set a password; "Email a reminder to everyone not set up" then reaches the ones still not set up.
import { describe, expect, it } from 'vitest';
import {
  BROWSER_TEST_TIMEOUT,
  newContext,
  ownerConsole,
  shooter,
  skipBrowser,
  useDemoBrowser,
} from './support.ts';

describe.skipIf(skipBrowser)('demo in a browser: invitations', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  const env = useDemoBrowser();

  it('add staff → invitation email → password set; reminder to everyone not set up', async () => {
    const { rig, browser } = env;
    const { demo } = rig;
    const olivia = demo.accounts.owner;
    const shot = shooter('invite');
    const { context, page } = await ownerConsole(env);

    await page.getByLabel('Full name').fill('Nora Newcomer');
    await page.getByLabel('Email', { exact: true }).fill('nora@maplestreet.example');
    await page.getByLabel('Role').selectOption('staff');
    await shot(page, 'add-staff');
    await page.getByRole('button', { name: 'Add and send invitation' }).click();
    await page.getByText('An invitation to set a password is on its way').waitFor();

    const mailbox = await context.newPage();
    await mailbox.goto(demo.mailOutboxUrl!);
    const invitation = mailbox.locator('[data-testid="mail"][data-to="nora@maplestreet.example"]').first();
    const text = (await invitation.locator('pre').textContent())!;
    expect(text).toContain(`${olivia.name} invited you`);
    const link = /https?:\/\/\S+\/welcome\/\S+/.exec(text)?.[0];
    expect(link).toBeDefined();

    // Nora, in her own browser, sets her password from the link.
    const hers = await newContext(browser);
    const tab = await hers.newPage();
    await tab.goto(link!);
    await tab.getByLabel('New password').fill('river stone lantern 77');
    await tab.getByLabel('Type it again').fill('river stone lantern 77');
    await tab.getByRole('button', { name: 'Save password' }).click();
    await tab.waitForURL(`${demo.idpUrl}/interaction/**`);
    await hers.close();

    // Reminders: Nora (password, no 2-Step) gets a setup reminder.
    await page.goto(`${demo.idpUrl}/admin`);
    await page.getByRole('button', { name: 'Email a reminder to everyone not set up' }).click();
    await page.getByText('Reminders sent to everyone not set up yet.').waitFor();
    await shot(page, 'reminders-sent');
    await mailbox.reload();
    await mailbox
      .locator('[data-testid="mail"][data-to="nora@maplestreet.example"]', {
        hasText: 'Reminder: set up 2-Step Verification',
      })
      .first()
      .waitFor();
    await context.close();
  });
});
