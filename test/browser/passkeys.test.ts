// Passkeys in Chromium with its virtual WebAuthn authenticator (CDP): adding one on the account page,
// password + passkey at sign-in (acr loa:phr), an app's step-up to loa:phr (express-mfa
// `requireStepUp({ acr: 'urn:twostep:loa:phr' })`), the page for someone without a passkey, a
// look-alike site relaying an assertion (refused: wrong origin), a cloned authenticator (refused,
// audited), removal; axe-core on the new pages at desktop and phone size.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditEventType } from '@twostep/core';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ACR_2FA, ACR_PHR } from '../e2e-mfa/clinic-app.ts';
import { pageFindings } from '../helpers/axe.ts';
import type { TestStaff } from '../helpers/idp.ts';
import {
  credentialIdOf,
  VirtualAuthenticator,
  withoutPasskeyAutofill,
} from '../helpers/virtual-authenticator.ts';
import {
  BROWSER_TEST_TIMEOUT,
  enterPassword,
  newContext,
  screenshotsOnFailure,
  shooter,
  skipBrowser,
  usePasskeyBrowser,
} from './support.ts';

describe.skipIf(skipBrowser)('passkeys in Chromium', { timeout: BROWSER_TEST_TIMEOUT * 2 }, () => {
  const env = usePasskeyBrowser();

  /** axe-core at both sizes, and nothing wider than a phone's screen. */
  async function checkPage(page: Page, label: string, findings: string[]): Promise<void> {
    findings.push(...(await pageFindings(page, label)));
  }

  /** The app's JSON page (the test app answers JSON). */
  async function appView(page: Page): Promise<{ page: string; acr: string; amr: string[] }> {
    return JSON.parse((await page.textContent('body')) ?? '{}');
  }

  /** At the IdP's 2-Step page: the authenticator code (through "Other ways" when a passkey is offered first). */
  async function enterTotp(page: Page, who: TestStaff): Promise<void> {
    await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
    const other = page.getByRole('link', { name: 'Use your authenticator app' });
    if (await other.count()) await other.click();
    await page.getByLabel('Verification code').fill(env.rig.idp.nextTotpCode(who.totpSecret!));
    await page.getByRole('button', { name: 'Verify' }).click();
  }

  const audit = (type: AuditEventType) =>
    env.rig.idp.stores.audit.list(env.rig.idp.clinic.id, { types: [type], order: 'asc' });

  it('adds a passkey on the account page, signs in with it (loa:phr), steps up to loa:phr, refuses a relay and a clone, removes it', async () => {
    const issuer = env.rig.idp.issuer;
    const owner = env.rig.idp.staff.owner;
    const shot = shooter('passkeys');
    screenshotsOnFailure(env.browser, 'passkeys');
    const findings: string[] = [];
    const context = await newContext(env.browser);
    const page = await context.newPage();
    let key = await VirtualAuthenticator.attach(page);
    // The password step is typed here: no passkey autofill signing in first.
    await withoutPasskeyAutofill(page);

    // 1. The account page: password + authenticator code, then "Add a passkey", named.
    await page.goto(`${issuer}/account`);
    await enterPassword(page, owner.email, owner.password);
    await enterTotp(page, owner);
    await page.waitForURL(`${issuer}/account`);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByLabel('Name for this passkey').fill('Front desk PC');
    await checkPage(page, 'add-passkey', findings);
    await shot(page, 'add-passkey');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await page.waitForURL(`${issuer}/account?done=passkey_added`);
    const row = page.getByTestId('passkey');
    await expect.poll(() => row.textContent()).toContain('Front desk PC');
    expect(await row.textContent()).toContain('On this device only');
    await checkPage(page, 'account-with-passkey', findings);
    await row.scrollIntoViewIfNeeded();
    await shot(page, 'account-with-passkey', 'account-passkey');
    const [registered] = await key.credentials();
    expect(registered).toMatchObject({ rpId: 'localhost', isResidentCredential: true });
    const stored = await env.rig.idp.stores.factors.findPasskey(credentialIdOf(registered!));
    expect(stored).toMatchObject({ name: 'Front desk PC', backupEligible: false });

    // 2. Password + passkey at the app: offered first; acr loa:phr, amr hwk (device-bound).
    await context.clearCookies();
    await page.goto(`${env.rig.app}/schedule`);
    await enterPassword(page, owner.email, owner.password);
    await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
    await checkPage(page, 'sign-in-passkey', findings);
    await shot(page, 'sign-in-passkey', 'sign-in-passkey');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(`${env.rig.app}/schedule`);
    expect(await appView(page)).toMatchObject({ acr: ACR_PHR, amr: ['pwd', 'hwk', 'user', 'mfa'] });

    // 3. Signed in with a code, the app's prescriptions need loa:phr: only the passkey, no password.
    await context.clearCookies();
    await page.goto(`${env.rig.app}/schedule`);
    await enterPassword(page, owner.email, owner.password);
    await enterTotp(page, owner);
    await page.waitForURL(`${env.rig.app}/schedule`);
    expect((await appView(page)).acr).toBe(ACR_2FA);
    await page.goto(`${env.rig.app}/prescriptions`);
    await page.getByText('For your security, this needs your passkey.').waitFor();
    expect(await page.getByLabel('Password').count()).toBe(0);
    expect(await page.getByText('Other ways to verify').count()).toBe(0);
    await checkPage(page, 'step-up-passkey', findings);
    await shot(page, 'step-up-passkey');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(`${env.rig.app}/prescriptions`);
    expect(await appView(page)).toMatchObject({ page: 'prescriptions', acr: ACR_PHR });

    // 4. A look-alike site on another origin asks the authenticator with the IdP's challenge and
    //    relays the answer: the origin in it is not the IdP's, refused (counted, audited).
    await context.clearCookies();
    const phishing = await lookAlikeSite();
    try {
      await page.goto(`${env.rig.app}/schedule`);
      await enterPassword(page, owner.email, owner.password);
      await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
      const relay = await page.evaluate(
        `({ options: JSON.parse(document.getElementById('passkey-options').textContent),
            action: document.getElementById('passkey-form').action,
            csrf: document.querySelector('#passkey-form [name=csrf]').value })`,
      );
      await page.goto(phishing.url);
      // The IdP serves its helper to its own pages only (Cross-Origin-Resource-Policy): the copy is the site's own.
      await page.addScriptTag({ content: await (await fetch(`${issuer}/webauthn.js`)).text() });
      const failedBefore = (await audit('second_factor.failed')).length;
      await page.evaluate(
        `SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: ${JSON.stringify((relay as { options: unknown }).options)} }).then((r) => {
          const f = document.createElement('form'); f.method = 'post'; f.action = ${JSON.stringify((relay as { action: string }).action)};
          for (const [n, v] of [['csrf', ${JSON.stringify((relay as { csrf: string }).csrf)}], ['response', JSON.stringify(r)]]) {
            const i = document.createElement('input'); i.type = 'hidden'; i.name = n; i.value = v; f.append(i);
          }
          document.body.append(f); f.submit();
        })`,
      );
      await page.getByText('That passkey could not be checked.').waitFor();
      const failed = await audit('second_factor.failed');
      expect(failed.slice(failedBefore).map((e) => e.details)).toEqual([
        { method: 'passkey', reason: 'invalid', failures: 1 },
      ]);
    } finally {
      await phishing.close();
    }

    // 5. A cloned authenticator: the credential copied with a lower signature counter onto another
    //    authenticator. Refused, audited as passkey.cloned.
    const [current] = await key.credentials();
    expect(current!.signCount).toBeGreaterThan(1);
    await key.detach();
    key = await VirtualAuthenticator.attach(page);
    await key.addCredential({ ...current!, signCount: 0 });
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByText('That passkey was refused: it may have been copied.').waitFor();
    const cloned = await audit('passkey.cloned');
    expect(cloned).toHaveLength(1);
    expect(cloned[0]!.details).toMatchObject({ name: 'Front desk PC', receivedCounter: 1 });
    await shot(page, 'clone-refused');

    // 6. The authenticator app still works; the account page removes the passkey.
    await enterTotp(page, owner);
    await page.waitForURL(`${env.rig.app}/schedule`);
    await page.goto(`${issuer}/account`);
    await page.getByTestId('passkey').getByRole('button', { name: 'Remove' }).click();
    await page.waitForURL(`${issuer}/account?done=removed`);
    expect(await page.getByTestId('passkey').count()).toBe(0);
    const removed = await audit('factor.removed');
    expect(removed.at(-1)?.details).toEqual({ factor: 'passkey', name: 'Front desk PC' });

    expect(findings).toEqual([]);
    await context.close();
  });

  it('an app needing loa:phr, someone without a passkey: a page that says so and offers the account page', async () => {
    const desk = env.rig.idp.staff.frontDesk;
    const findings: string[] = [];
    screenshotsOnFailure(env.browser, 'passkey-needed');
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await page.goto(`${env.rig.app}/prescriptions`);
    await enterPassword(page, desk.email, desk.password);
    await page.getByRole('heading', { name: 'This needs a passkey' }).waitFor();
    await checkPage(page, 'passkey-needed', findings);
    await shooter('passkey-needed')(page, 'page', 'passkey-needed');
    expect(await page.getByRole('link', { name: 'Go to my account page' }).getAttribute('href')).toBe(
      '/account',
    );
    expect(findings).toEqual([]);
    await context.close();
  });
});

/** Another origin on the same machine (`http://localhost:<other port>`): a blank page, no CSP. */
async function lookAlikeSite(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>Clinic sign-in</title><p>Sign in');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
