// Every page of the demo, at desktop (1280×800) and phone (390×844) size: axe-core finds no violation,
// and at phone size (also narrowed to 360×740) nothing reaches past the screen's right edge.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, focusedId, overflowing } from '../helpers/axe.ts';
import { launchBrowser } from '../helpers/chromium.ts';
import {
  BROWSER_TEST_TIMEOUT,
  type DemoRig,
  enterPassword,
  enterTotp,
  openSignIn,
  shooter,
  skipBrowser,
  startDemoRig,
} from './support.ts';

/** Pages new or changed by the phone layout and help, copied to docs/ (phone size) with DEMO_DOCS=1. */
const DOCS_PAGES = ['admin-overview', 'admin-staff', 'recovery-code', 'help', 'idp-passkey-needed'];

const SIZES = [
  { name: 'desktop', width: 1280, height: 800, phone: false },
  { name: 'phone', width: 390, height: 844, phone: true },
] as const;

/** Also checked for overflow at phone size: the narrowest phones in common use. */
const NARROWEST = { width: 360, height: 740 };

describe.skipIf(skipBrowser)('every page, axe-core and layout', { timeout: BROWSER_TEST_TIMEOUT * 2 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const size of SIZES) {
    it(`${size.name} ${size.width}×${size.height}: no axe violation, nothing wider than the screen`, async () => {
      // A fresh demo per size: the walk sets up Sam's 2-Step.
      const rig: DemoRig = await startDemoRig();
      const { demo } = rig;
      const shot = shooter(`axe-${size.name}`);
      const findings: string[] = [];
      const context = await browser.newContext({
        viewport: { width: size.width, height: size.height },
        locale: 'en-CA',
        isMobile: size.phone,
        hasTouch: size.phone,
      });
      context.setDefaultTimeout(10_000);
      let checked = 0;
      const check = async (page: Page, label: string) => {
        await page.waitForLoadState('load');
        checked += 1;
        await shot(page, label, size.phone && DOCS_PAGES.includes(label) ? `phone-${label}` : undefined);
        for (const v of await axeViolations(page)) {
          findings.push(`${label}: axe ${v.id} (${v.impact}) ${v.help} — ${v.targets.join(', ')}`);
        }
        if (size.phone) {
          // The phone size, then the narrowest common phone (360×740), then back.
          for (const narrow of [{ width: size.width, height: size.height }, NARROWEST]) {
            await page.setViewportSize(narrow);
            const { scrollWidth, elements } = await overflowing(page);
            if (scrollWidth > narrow.width || elements.length > 0) {
              findings.push(
                `${label} at ${narrow.width} px: laid out ${scrollWidth} px wide; past the edge: ${elements.slice(0, 5).join(', ')}`,
              );
            }
          }
          await page.setViewportSize({ width: size.width, height: size.height });
        }
      };
      try {
        const page = await context.newPage();
        const sam = demo.accounts.practitioner;
        const olivia = demo.accounts.owner;

        await page.goto(`${demo.appUrl}/`);
        await check(page, 'app-welcome');
        await openSignIn(page, demo.appUrl, demo.idpUrl);
        await check(page, 'password');
        expect(await focusedId(page)).toBe('email');
        await enterPassword(page, sam.email, 'not her password');
        await page.getByRole('alert').waitFor();
        await check(page, 'password-wrong');
        expect(await focusedId(page)).toBe('password');

        // Sam sets up the authenticator app (the clinic requires it).
        await enterPassword(page, sam.email, sam.password);
        await page.getByRole('heading', { name: 'Set up 2-Step Verification' }).waitFor();
        await check(page, 'enroll-choice');
        await page.getByRole('button', { name: 'Authenticator app (recommended)' }).click();
        await page.getByRole('heading', { name: 'Set up your authenticator app' }).waitFor();
        await check(page, 'enroll-totp');
        expect(await focusedId(page)).toBe('code');
        const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
        await page.getByLabel('Verification code').fill(rig.nextTotp(secret));
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.getByTestId('recovery-code').waitFor();
        await check(page, 'recovery-code');
        await page.getByLabel('I have saved my recovery code').check();
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.waitForURL(`${demo.appUrl}/schedule`);
        await check(page, 'app-schedule');
        await context.clearCookies();

        // Olivia: the code page, the recovery-code page, then the account page and the admin console.
        await page.goto(`${demo.idpUrl}/account`);
        await page.waitForURL(`${demo.idpUrl}/interaction/**`);
        await enterPassword(page, olivia.email, olivia.password);
        await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
        await check(page, 'code');
        expect(await focusedId(page)).toBe('code');
        await page.getByLabel('Verification code').fill('000000');
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.getByRole('alert').waitFor();
        await check(page, 'code-wrong');
        await page.getByRole('link', { name: 'Use your recovery code' }).click();
        await page.getByLabel('Recovery code').waitFor();
        await check(page, 'recovery-entry');
        await page.getByRole('link', { name: 'Having trouble?' }).click();
        await page.getByRole('heading', { name: 'Having trouble signing in?' }).waitFor();
        await check(page, 'help');
        await page.getByRole('link', { name: 'Back to the code' }).click();
        await enterTotp(page, rig, olivia.totpSecret!);
        await page.waitForURL(`${demo.idpUrl}/account`);
        await check(page, 'account');

        await page.goto(`${demo.idpUrl}/admin`);
        await check(page, 'admin-overview');
        await page.goto(`${demo.idpUrl}/admin/staff/${demo.accounts.frontDesk.id}`);
        await page.getByRole('heading', { name: 'Pause 2-Step Verification' }).waitFor();
        await check(page, 'admin-staff');
        await page.goto(`${demo.idpUrl}/admin/enforcement/off`);
        await check(page, 'admin-enforcement-off');
        expect(await focusedId(page)).toBe('reason');
        await page.goto(`${demo.idpUrl}/admin/audit`);
        await check(page, 'admin-audit');
        // The passkey rule: covering everyone is saved at once; covering fewer asks to confirm first.
        await page.goto(`${demo.idpUrl}/admin`);
        await page.getByLabel('Who must sign in with a passkey').selectOption('everyone');
        await page.getByRole('button', { name: 'Save' }).first().click();
        await page.getByText('The passkey rule was saved.').waitFor();
        await page.getByLabel('Who must sign in with a passkey').selectOption('off');
        await page.getByRole('button', { name: 'Save' }).first().click();
        await page.getByRole('heading', { name: 'Require passkeys of fewer people?' }).waitFor();
        await check(page, 'admin-passkey-rule-narrow');

        // The clinic app's billing page, and its export (a passkey sign-in) refused for want of a passkey.
        await page.goto(`${demo.appUrl}/billing`);
        await page.waitForURL(`${demo.appUrl}/**`);
        if (page.url().startsWith(demo.idpUrl)) await enterTotp(page, rig, olivia.totpSecret!);
        await page.getByRole('heading', { name: 'Billing' }).waitFor();
        await check(page, 'app-billing');
        await page.getByTestId('billing-export').click();
        await page.getByRole('heading', { name: 'This needs a passkey' }).waitFor();
        await check(page, 'idp-passkey-needed');
        await page.getByRole('button', { name: 'Back to the app' }).click();
        await page.getByRole('heading', { name: 'A passkey is needed' }).waitFor();
        await check(page, 'app-passkey-needed');

        // Dead ends.
        await page.goto(`${demo.idpUrl}/no-such-page`);
        await check(page, 'not-found');
        await page.goto(`${demo.idpUrl}/interaction/no-such-sign-in`);
        await check(page, 'expired-sign-in');
      } finally {
        await context.close();
        await rig.close();
      }
      expect(checked).toBe(22);
      expect(findings).toEqual([]);
    });
  }
});
