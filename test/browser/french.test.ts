// Issue 18, in Canadian French: Chloé (her staff record says fr-CA, her browser asks for fr-CA) sets
// up 2-Step at sign-in, signs in with her recovery code, verifies again for a chart (step-up); the
// owner, whose browser asks for French, pauses her 2-Step in the admin console. Every IdP page on the
// way is French (`<html lang>`), axe-clean, and shows no English sentence of the English catalog.
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations } from '../helpers/axe.ts';
import { englishOn, englishSentences, oneSpace } from '../helpers/english-sentences.ts';
import {
  BROWSER_TEST_TIMEOUT,
  type DemoBrowser,
  newContext,
  shooter,
  screenshotsOnFailure,
  skipBrowser,
  useDemoBrowser,
} from './support.ts';

const TEN_MINUTES = 10 * 60 * 1000;
/** French pages copied to docs/ (`docs/demo-fr-<label>.png`) with DEMO_DOCS=1; see docs/screens.md. */
const DOCS_PAGES = [
  'password',
  'enroll-totp',
  'recovery-code',
  'code',
  'step-up',
  'account',
  'admin',
  'admin-staff',
  'admin-enforcement-off',
  'paused',
];
describe.skipIf(skipBrowser)('demo in a browser, in French', { timeout: BROWSER_TEST_TIMEOUT * 2 }, () => {
  const env: DemoBrowser = useDemoBrowser();
  const sentences = englishSentences();
  const shot = shooter('fr');
  /** Chloé's browser, kept from one test to the next (her sign-in, then the step-up). */
  let chloe: { context: BrowserContext; page: Page };
  let recoveryCode = '';
  let totpSecret = '';

  /** A French-speaking browser: Accept-Language fr-CA. */
  async function frenchContext(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await env.browser.newContext({ viewport: { width: 1100, height: 760 }, locale: 'fr-CA' });
    context.setDefaultTimeout(10_000);
    context.setDefaultNavigationTimeout(10_000);
    return { context, page: await context.newPage() };
  }

  /** An IdP page: French `<html lang>`, no axe violation, no English sentence; a screenshot (docs/ with DEMO_DOCS=1). */
  async function checkFrench(page: Page, label: string): Promise<void> {
    await page.waitForLoadState('load');
    await shot(page, label, DOCS_PAGES.includes(label) ? `fr-${label}` : undefined);
    expect(await page.locator('html').getAttribute('lang'), label).toBe('fr-CA');
    // What a person sees (innerText leaves out the pages' scripts, textContent would not).
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point
    const text = oneSpace(await page.locator('body').innerText());
    expect(
      sentences.filter((s) => text.includes(s)),
      `${label}: English on a French page`,
    ).toEqual([]);
    const violations = (await axeViolations(page)).map((v) => `${v.id}: ${v.help} — ${v.targets.join(', ')}`);
    expect(violations, `${label}: axe`).toEqual([]);
  }

  async function enterPassword(page: Page, email: string, password: string): Promise<void> {
    await page.getByLabel('Courriel').fill(email);
    await page.getByLabel('Mot de passe').fill(password);
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
  }

  async function enterTotp(page: Page, secret: string): Promise<void> {
    await page.getByLabel('Code de vérification').fill(env.rig.nextTotp(secret));
    await page.getByRole('button', { name: 'Vérifier' }).click();
  }

  it('the English-sentence scan has something to find', () => {
    expect(sentences.length).toBeGreaterThan(200);
    expect(sentences).toContain('Enter the 6-digit code from your authenticator app.');
  });

  it('Chloé sets up 2-Step at her first sign-in, then signs in with her recovery code', async () => {
    const { demo } = env.rig;
    const who = demo.accounts.frenchSpeaking;
    screenshotsOnFailure(env.browser, 'fr-enroll');
    chloe = await frenchContext();
    const { page } = chloe;

    await page.goto(`${demo.appUrl}/schedule`);
    await page.waitForURL(`${demo.idpUrl}/interaction/**`);
    await page.getByLabel('Courriel').waitFor();
    await checkFrench(page, 'password');
    await enterPassword(page, who.email, 'pas son mot de passe');
    await page
      .getByRole('alert')
      .filter({ hasText: 'Le courriel ou le mot de passe est incorrect.' })
      .waitFor();
    await checkFrench(page, 'password-wrong');

    await enterPassword(page, who.email, who.password);
    await page.getByRole('heading', { name: 'Configurer la vérification en deux étapes' }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain(
      `${demo.clinicName} exige la vérification en deux étapes`,
    );
    await checkFrench(page, 'enroll-choice');
    await page.getByRole('button', { name: 'Application d’authentification (recommandé)' }).click();
    await page.getByRole('heading', { name: 'Configurez votre application d’authentification' }).waitFor();
    await checkFrench(page, 'enroll-totp');
    totpSecret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await enterTotp(page, totpSecret);

    await page.getByTestId('recovery-code').waitFor();
    recoveryCode = (await page.getByTestId('recovery-code').textContent())!.trim();
    await checkFrench(page, 'recovery-code');
    await page.getByRole('button', { name: 'Continuer' }).click();
    await page.getByRole('alert').filter({ hasText: 'Confirmez que vous avez conservé' }).waitFor();
    await page.getByLabel('J’ai conservé mon code de récupération').check();
    await page.getByRole('button', { name: 'Continuer' }).click();
    await page.waitForURL(`${demo.appUrl}/schedule`);

    // Signed out (the IdP's sign-out page, in French), then in again with the recovery code.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Oui, me déconnecter' }).waitFor();
    await checkFrench(page, 'sign-out');
    await page.getByRole('button', { name: 'Oui, me déconnecter' }).click();
    await page.waitForURL(`${demo.appUrl}/`);

    await page.goto(`${demo.appUrl}/schedule`);
    await page.waitForURL(`${demo.idpUrl}/interaction/**`);
    await enterPassword(page, who.email, who.password);
    await page.getByRole('heading', { name: 'Vérification en deux étapes' }).waitFor();
    await checkFrench(page, 'code');
    await page.getByLabel('Code de vérification').fill('000000');
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByRole('alert').waitFor();
    await checkFrench(page, 'code-wrong');
    await page.getByRole('link', { name: 'Un problème ?' }).click();
    await page.getByRole('heading', { name: 'Un problème pour vous connecter ?' }).waitFor();
    await checkFrench(page, 'help');
    await page.getByRole('link', { name: 'Utiliser votre code de récupération' }).click();
    await page.getByLabel('Code de récupération').fill(recoveryCode);
    await checkFrench(page, 'recovery-entry');
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByRole('heading', { name: 'Conservez votre nouveau code de récupération' }).waitFor();
    expect((await page.getByTestId('recovery-code').textContent())!.trim()).not.toBe(recoveryCode);
    await checkFrench(page, 'recovery-new');
    await page.getByLabel('J’ai conservé mon code de récupération').check();
    await page.getByRole('button', { name: 'Continuer' }).click();
    await page.getByRole('heading', { name: 'Configurez votre nouveau téléphone' }).waitFor();
    await checkFrench(page, 'new-phone');
    await page.getByRole('button', { name: 'Pas maintenant' }).click();
    await page.waitForURL(`${demo.appUrl}/schedule`);
  });

  it('a chart 11 minutes later asks Chloé for a fresh code only, in French; her account page is French', async () => {
    const { rig } = env;
    const { demo } = rig;
    screenshotsOnFailure(env.browser, 'fr-step-up');
    const { page } = chloe;

    rig.advance(TEN_MINUTES + 60_000);
    await page.goto(`${demo.appUrl}/patients/p-1043/chart`);
    await page.waitForURL(`${demo.idpUrl}/interaction/**`);
    await page
      .getByText('Pour votre sécurité, cette page demande un code entré dans les 10 dernières minutes.')
      .waitFor();
    expect(await page.getByLabel('Mot de passe').count()).toBe(0);
    await checkFrench(page, 'step-up');
    await enterTotp(page, totpSecret);
    await page.waitForURL(`${demo.appUrl}/patients/p-1043/chart`);

    await page.goto(`${demo.idpUrl}/account`);
    await page.getByRole('heading', { name: 'Sécurité de mon compte' }).waitFor();
    await checkFrench(page, 'account');
    // The code checked while setting up the app, named in words (not core's `totp_enroll`).
    const events = (await page.getByRole('main').textContent()) ?? '';
    expect(events).toContain('Application d’authentification, à la configuration');
    expect(events).not.toContain('totp_enroll');
    await chloe.context.close();
  });

  it('an English browser: the password page is English, then Chloé’s own language (fr-CA) takes over', async () => {
    const { demo } = env.rig;
    const who = demo.accounts.frenchSpeaking;
    screenshotsOnFailure(env.browser, 'fr-person');
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await page.goto(`${demo.appUrl}/schedule`);
    await page.waitForURL(`${demo.idpUrl}/interaction/**`);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Vérification en deux étapes' }).waitFor();
    await checkFrench(page, 'code-person-locale');
    await context.close();
  });

  it('the owner pauses Chloé’s 2-Step in the admin console, in French; Chloé is told in French', async () => {
    const { rig } = env;
    const { demo } = rig;
    const olivia = demo.accounts.owner;
    const who = demo.accounts.frenchSpeaking;
    screenshotsOnFailure(env.browser, 'fr-pause');
    const owner = await frenchContext();
    const page = owner.page;

    await page.goto(`${demo.idpUrl}/admin`);
    await page.waitForURL(`${demo.idpUrl}/interaction/**`);
    await enterPassword(page, olivia.email, olivia.password);
    await page.getByRole('heading', { name: 'Vérification en deux étapes' }).waitFor();
    await enterTotp(page, olivia.totpSecret!);
    await page.waitForURL(`${demo.idpUrl}/admin`);
    await page.getByRole('heading', { name: 'Sécurité de la clinique' }).waitFor();
    await checkFrench(page, 'admin');

    await page.getByRole('link', { name: who.name }).click();
    await page.getByRole('heading', { name: 'Suspendre la vérification en deux étapes' }).waitFor();
    await checkFrench(page, 'admin-staff');
    await page.getByLabel('Heures (au plus').fill('24');
    await page.locator('#pause-reason').fill('Téléphone perdu; le nouveau arrive demain.');
    await page.getByRole('button', { name: 'Suspendre', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'La vérification en deux étapes est suspendue' })
      .waitFor();
    await checkFrench(page, 'admin-paused');

    // Her email about it is in French (her saved language), with no English sentence.
    await expect
      .poll(() => demo.mail.list().find((m) => m.to === who.email && m.kind === 'two_step_paused'))
      .toMatchObject({ subject: `[${demo.clinicName}] Vérification en deux étapes suspendue` });
    const mail = demo.mail.list().find((m) => m.to === who.email && m.kind === 'two_step_paused')!;
    expect(mail.text).toContain('Bonjour Chloé Gagnon,');
    expect(mail.html).toContain('<html lang="fr-CA">');
    expect(englishOn(mail.text)).toEqual([]);

    // Chloé signs in with her password only, told so in French.
    const again = await frenchContext();
    await again.page.goto(`${demo.appUrl}/schedule`);
    await again.page.waitForURL(`${demo.idpUrl}/interaction/**`);
    await enterPassword(again.page, who.email, who.password);
    await again.page.getByRole('heading', { name: 'La vérification en deux étapes est suspendue' }).waitFor();
    await checkFrench(again.page, 'paused');
    await again.context.close();

    // Turning the clinic's requirement off: the compliance warning, and the French word to type
    // (DÉSACTIVER; typed without the accent, as on an English keyboard).
    await page.goto(`${demo.idpUrl}/admin`);
    await page.getByRole('link', { name: 'Désactiver l’obligation' }).click();
    await page
      .getByRole('heading', { name: 'Désactiver l’obligation de la vérification en deux étapes ?' })
      .waitFor();
    expect(await page.getByTestId('compliance-warning').textContent()).toContain(
      'conséquences sur la conformité',
    );
    await checkFrench(page, 'admin-enforcement-off');
    await page.getByLabel('Raison').fill('Essai de la démo');
    await page.getByLabel('Saisissez DÉSACTIVER pour confirmer').fill('TURN OFF');
    await page.getByRole('button', { name: 'Désactiver l’obligation' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'Saisissez exactement DÉSACTIVER pour confirmer.' })
      .waitFor();
    expect((await demo.stores.clinics.get('clinic-maple'))?.enforceTwoStep).toBe(true);
    await page.getByLabel('Saisissez DÉSACTIVER pour confirmer').fill('desactiver');
    await page.getByRole('button', { name: 'Désactiver l’obligation' }).click();
    await page.getByRole('status').filter({ hasText: 'n’est plus exigée' }).waitFor();
    expect((await demo.stores.clinics.get('clinic-maple'))?.enforceTwoStep).toBe(false);
    await checkFrench(page, 'admin-enforcement-done');
    await owner.context.close();
  });
});
