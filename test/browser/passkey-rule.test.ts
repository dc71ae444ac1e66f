// The clinic's passkey rule in Chromium with its virtual WebAuthn authenticator, on the demo (issuer on
// localhost): the owner requires passkeys of Full Access Users in the admin console; at her next sign-in
// she is walked through adding one after her code; the billing export (loa:phr) then works after a
// passkey step-up. axe-core on the "Add a passkey" sign-in page at desktop and phone size.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations, overflowing } from '../helpers/axe.ts';
import { VirtualAuthenticator } from '../helpers/virtual-authenticator.ts';
import {
  BROWSER_TEST_TIMEOUT,
  enterTotp,
  ownerConsole,
  shooter,
  signIn,
  skipBrowser,
  startScenario,
  useDemoBrowser,
} from './support.ts';

/** axe-core at desktop and phone size, and nothing wider than the phone's screen. */
async function axeAtBothSizes(page: Page, label: string, findings: string[]): Promise<void> {
  for (const size of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(size);
    for (const v of await axeViolations(page))
      findings.push(`${label} ${size.width}: axe ${v.id} ${v.help} — ${v.targets.join(', ')}`);
    const { scrollWidth, elements } = await overflowing(page);
    if (size.width < 500 && scrollWidth > size.width)
      findings.push(`${label}: too wide (${elements.join(', ')})`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe.skipIf(skipBrowser)('passkey rule in Chromium', { timeout: BROWSER_TEST_TIMEOUT * 2 }, () => {
  // An issuer on localhost: a browser refuses an IP address as the RP ID.
  const env = useDemoBrowser({ host: 'localhost' });

  it('owner turns the rule on, is walked to add a passkey at her next sign-in, and the billing export works after a passkey step-up', async () => {
    const { rig } = env;
    const { demo } = rig;
    const olivia = demo.accounts.owner;

    // The admin console: "Require a passkey to sign in" for Full Access Users.
    const admin = await ownerConsole(env);
    await admin.page.getByLabel('Who must sign in with a passkey').selectOption('full_access');
    await admin.page.getByRole('button', { name: 'Save' }).first().click();
    await admin.page.getByText('The passkey rule was saved.').waitFor();
    expect(await admin.page.getByTestId('passkey-rule').textContent()).toBe('Full Access Users');
    expect(await admin.page.getByTestId('passkey-readiness').textContent()).toContain(
      'without a passkey yet: 1.',
    );
    await admin.page.getByTestId('passkey-rule').scrollIntoViewIfNeeded();
    await shooter('passkey-rule-admin')(admin.page, 'saved', 'admin-passkey-rule');
    await admin.context.close();

    // Her next sign-in (the clinic app): password, her code, then "Add a passkey".
    const { shot, page } = await startScenario(env.browser, 'passkey-rule');
    const key = await VirtualAuthenticator.attach(page);
    await signIn(page, demo, olivia);
    await enterTotp(page, rig, olivia.totpSecret!);
    await page.getByRole('heading', { name: 'Add a passkey' }).waitFor();
    await page.getByRole('button', { name: 'Create passkey' }).waitFor();
    await shot(page, 'add-passkey');
    const findings: string[] = [];
    await axeAtBothSizes(page, 'add-passkey', findings);
    expect(findings).toEqual([]);
    await page.getByLabel('Name for this passkey').fill('Reception PC');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await page.waitForURL(`${demo.appUrl}/**`);
    expect(await key.credentials()).toHaveLength(1);
    const owner = (await demo.stores.staff.get(olivia.id))!;
    const required = await demo.stores.audit.list(owner.clinicId, { types: ['passkey.required'] });
    expect(required.map((e) => e.details)).toEqual([{ method: 'totp' }]);

    // The billing export asks the IdP for loa:phr: only the passkey is offered; then the CSV downloads.
    await page.goto(`${demo.appUrl}/billing`);
    await page.getByRole('heading', { name: 'Billing' }).waitFor();
    const download = page.waitForEvent('download');
    await page.getByTestId('billing-export').click();
    await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
    expect(await page.getByLabel('Verification code').count()).toBe(0);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    const csv = await readFile((await (await download).path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('Invoice,Patient,Date,Description,Amount,Status');
    expect(csv).toContain('INV-2291');

    // The account page: the passkey listed, renamed (a fresh verification: the passkey just now).
    await page.goto(`${demo.idpUrl}/account`);
    await page.getByRole('heading', { name: 'Passkeys' }).waitFor();
    await page.getByText('Rename', { exact: true }).click();
    await axeAtBothSizes(page, 'account-rename', findings);
    await page.getByLabel('New name for “Reception PC”').fill('Front desk PC');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByText('The passkey was renamed.').waitFor();
    expect(await page.getByTestId('passkey').first().textContent()).toContain('Front desk PC');
    expect(findings).toEqual([]);
  });
});
