// Scenario 5: text messages. Set up a phone at the forced enrollment (typed the Canadian way, shown back
// in E.164), then sign in with a texted code read from the development outbox page; the resend cooldown
// is shown. Every time, on the pages and in the email, is in the demo clinic's zone (America/Toronto).
import { formatLocalTime } from '@twostep/oidc-server';
import { describe, expect, it } from 'vitest';
import {
  BROWSER_TEST_TIMEOUT,
  signIn,
  signOut,
  skipBrowser,
  smsCodeFromOutbox,
  startScenario,
  useDemoBrowser,
} from './support.ts';

const PHONE_TYPED = '613-555-0199';
const PHONE = '+16135550199';
const ZONE = 'America/Toronto';
/** "Nov 28, 2026, 7:30 PM EST": the clinic's local time with the zone named as people say it. */
const torontoTime = (at: Date) => formatLocalTime(at, ZONE);

describe.skipIf(skipBrowser)('demo in a browser: text messages', { timeout: BROWSER_TEST_TIMEOUT }, () => {
  const env = useDemoBrowser();

  it('practitioner sets up SMS, then signs in with a texted code; the resend cooldown is visible', async () => {
    const { rig, browser } = env;
    const { demo } = rig;
    const sam = demo.accounts.practitioner;
    const { shot, context, page } = await startScenario(browser, '5-sms');

    await signIn(page, demo, sam);
    await page.getByRole('button', { name: 'Text message (SMS)' }).click();
    await page.getByRole('heading', { name: 'Set up text messages' }).waitFor();
    await page.getByLabel('Mobile number').fill(PHONE_TYPED);
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByLabel('Verification code').waitFor();
    // The national number was read with the clinic's country (CA) and is shown back in E.164.
    expect(await page.getByTestId('phone-hint').textContent()).toContain(`We read this number as ${PHONE}`);
    expect(await page.getByLabel('Mobile number').inputValue()).toBe(PHONE);
    const codeTtl = demo.twostep.config.sms.codeTtlSeconds * 1000;
    const enrollSent = await page.getByRole('status').textContent();
    expect(enrollSent).toContain(
      `It expires at ${torontoTime(new Date(rig.clock.now().getTime() + codeTtl))}.`,
    );
    expect(enrollSent).toMatch(/ [AP]M E[SD]T\./);
    expect(enrollSent).not.toContain('UTC');
    await shot(page, 'enroll-code-sent');

    const outbox = await context.newPage();
    await outbox.goto(demo.smsOutboxUrl!);
    await outbox.locator(`[data-testid="sms"][data-to="${PHONE}"]`).first().waitFor();
    await shot(outbox, 'outbox', 'sms-outbox');
    await outbox.close();

    await page.getByLabel('Verification code').fill(await smsCodeFromOutbox(context, demo, PHONE));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('[data-testid="recovery-code"]').waitFor();
    await page.getByLabel('I have saved my recovery code').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${demo.appUrl}/schedule`);
    expect(await page.getByTestId('sign-in-status').textContent()).toContain('password + text message');

    // The "method added" email, read on the mail outbox page, says when in Toronto time.
    const added = demo.mail.list().find((m) => m.kind === 'factor_added' && m.to === sam.email);
    expect(added).toBeDefined();
    const mailPage = await context.newPage();
    await mailPage.goto(demo.mailOutboxUrl!);
    const mailText = await mailPage
      .locator(`[data-testid="mail"][data-to="${sam.email}"]`)
      .filter({ hasText: added!.subject })
      .locator('pre')
      .textContent();
    expect(mailText).toContain(`on ${torontoTime(added!.at)}.`);
    expect(mailText).not.toContain('UTC');
    await mailPage.close();
    await signOut(page, demo.appUrl);

    // Next sign-in: text me a code.
    rig.advance(5 * 60_000);
    await signIn(page, demo, sam);
    await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    await shot(page, 'sign-in-sms');
    await page.getByRole('button', { name: 'Text me a code' }).click();
    await page.getByLabel('Verification code').waitFor();
    const sent = await page.getByRole('status').textContent();
    expect(sent).toMatch(/We sent a code to .*0199/);
    expect(sent).toContain('You can ask for a new code after');
    expect(sent).toContain(`It expires at ${torontoTime(new Date(rig.clock.now().getTime() + codeTtl))}.`);
    await shot(page, 'code-sent');

    // A resend within the cooldown is refused, with the time it is allowed.
    await page.getByRole('button', { name: 'Send a new code' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('you can ask for a new code after');
    await shot(page, 'resend-cooldown');
    // Post/Redirect/Get: Back is a plain GET of the code page (no resubmission prompt), the code form still there.
    const back = await page.goBack();
    expect(page.url()).not.toMatch(/^chrome-error:/);
    expect(back?.request().method()).toBe('GET');
    expect(await page.getByRole('alert').count()).toBe(0);

    await page.getByLabel('Verification code').fill(await smsCodeFromOutbox(context, demo, PHONE));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${demo.appUrl}/schedule`);
    expect(await page.getByTestId('sign-in-status').textContent()).toContain('password + text message');
    await context.close();
  });
});
