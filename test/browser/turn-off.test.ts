// Turning 2-Step off: the clinic rule (every Full Access User emailed), then a staff member's own last
// method (a confirmation with the compliance heads-up and a reason; Full Access Users emailed).
import { describe, expect, it } from 'vitest';
import {
  BROWSER_TEST_TIMEOUT,
  enterPassword,
  enterTotp,
  newContext,
  screenshotsOnFailure,
  shooter,
  skipBrowser,
  smsCodeFromOutbox,
  useDemoBrowser,
} from './support.ts';

describe.skipIf(skipBrowser)(
  'demo in a browser: turning 2-Step off',
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    const env = useDemoBrowser();

    it('clinic rule off emails the Full Access Users; removing the last method asks, takes a reason and emails them', async () => {
      const { rig, browser } = env;
      const { demo } = rig;
      const olivia = demo.accounts.owner;
      const dana = demo.accounts.frontDesk;
      const shot = shooter('turn-off');
      screenshotsOnFailure(browser, 'turn-off');
      const mailTo = (email: string, kind: string) =>
        demo.mail.list().filter((m) => m.to.includes(email) && m.kind === kind);

      // The owner turns the clinic rule off.
      const ownerContext = await newContext(browser);
      const owner = await ownerContext.newPage();
      await owner.goto(`${demo.idpUrl}/admin/enforcement/off`);
      await enterPassword(owner, olivia.email, olivia.password);
      await enterTotp(owner, rig, olivia.totpSecret!);
      await owner.getByRole('heading', { name: 'Turn off required 2-Step Verification?' }).waitFor();
      await owner.getByLabel('Reason').fill('Trying a week without it');
      await owner.getByLabel('Type TURN OFF to confirm').fill('TURN OFF');
      await owner.getByRole('button', { name: 'Turn off the requirement' }).click();
      await owner.getByRole('status').filter({ hasText: 'no longer required' }).waitFor();
      const ruleMail = mailTo(olivia.email, 'enforcement_off');
      expect(ruleMail).toHaveLength(1);
      expect(ruleMail[0]!.text).toContain('Olivia Bennett turned off the requirement');
      expect(ruleMail[0]!.text).toContain('Trying a week without it');
      await ownerContext.close();

      // Dana (text messages only) removes her only method from her account page.
      const context = await newContext(browser);
      const page = await context.newPage();
      await page.goto(`${demo.idpUrl}/account`);
      await enterPassword(page, dana.email, dana.password);
      await page.getByRole('button', { name: 'Text me a code' }).click();
      await page.getByLabel('Verification code').fill(await smsCodeFromOutbox(context, demo, dana.phone!));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${demo.idpUrl}/account`);
      await page.getByRole('button', { name: 'Remove' }).click();

      await page.getByRole('heading', { name: 'Turn off your 2-Step Verification?' }).waitFor();
      expect(await page.getByTestId('compliance-warning').textContent()).toContain(
        'compliance or regulatory implications',
      );
      await shot(page, 'confirm', 'turn-off-own');
      // "Keep it on" changes nothing.
      await page.getByRole('link', { name: 'Keep it on' }).click();
      await page.waitForURL(`${demo.idpUrl}/account`);
      expect((await demo.twostep.admin.status((await demo.stores.staff.get(dana.id))!)).methods).toContain(
        'sms',
      );

      // A blank reason is refused (the browser's required check bypassed): still on.
      await page.getByRole('button', { name: 'Remove' }).click();
      await page.getByLabel('Reason').fill('   ');
      await page.evaluate('document.querySelector("form textarea#reason").removeAttribute("required")');
      await page.getByRole('button', { name: 'Turn off 2-Step Verification' }).click();
      await page.getByRole('alert').filter({ hasText: 'Give a reason' }).waitFor();
      expect((await demo.twostep.admin.status((await demo.stores.staff.get(dana.id))!)).enrolled).toBe(true);

      await page.getByLabel('Reason').fill('My phone plan does not take texts any more');
      await page.getByRole('button', { name: 'Turn off 2-Step Verification' }).click();
      await page.waitForURL(`${demo.idpUrl}/account?done=removed`);
      expect((await demo.twostep.admin.status((await demo.stores.staff.get(dana.id))!)).enrolled).toBe(false);
      const adminMail = mailTo(olivia.email, 'colleague_two_step_off');
      expect(adminMail).toHaveLength(1);
      expect(adminMail[0]!.subject).toContain('Dana Brooks turned off 2-Step Verification');
      expect(adminMail[0]!.text).toContain('My phone plan does not take texts any more');
      expect(mailTo(dana.email, 'factor_removed')).toHaveLength(1);
      await context.close();
    });
  },
);
