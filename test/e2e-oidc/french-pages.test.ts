/**
 * oidc-provider's own pages and the IdP's dead ends, in French over real HTTP (issue 18): the
 * catalog's French sentence, and no English sentence of the English catalogs — not even
 * oidc-provider's English error description.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../e2e-console/helpers.ts';
import { Browser, type Page } from '../helpers/browser.ts';
import { englishOn, htmlText, oneSpace } from '../helpers/english-sentences.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';

let idp: TestIdp;
beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(() => idp.close());

function frenchBrowser(): Browser {
  const browser = new Browser();
  browser.acceptLanguage = 'fr-CA,fr;q=0.9';
  return browser;
}

/** The page is French: `<html lang>`, the sentence expected, and no English sentence. */
function expectFrench(page: Page, sentence: string): void {
  expect(/<html lang="([^"]*)">/.exec(page.body)?.[1]).toBe('fr-CA');
  const text = htmlText(page.body);
  expect(oneSpace(text)).toContain(oneSpace(sentence));
  expect(englishOn(text)).toEqual([]);
}

describe("oidc-provider's pages in French", () => {
  it('an unknown address: « Page introuvable. »', async () => {
    const page = await frenchBrowser().get(`${idp.issuer}/no-such-page`);
    expect(page.status).toBe(404);
    expectFrench(page, 'Page introuvable.');
  });

  it('a refused authorization request: the French sentence and the error code, not the English description', async () => {
    const page = await frenchBrowser().get(
      `${idp.issuer}/auth?client_id=nobody&response_type=code&scope=openid`,
    );
    expect(page.status).toBe(400);
    expectFrench(page, 'Cette demande n’est pas valide. (invalid_client)');
    expect(page.body).not.toContain('client is invalid');
    // In English the developer's description stays.
    const english = await new Browser().get(
      `${idp.issuer}/auth?client_id=nobody&response_type=code&scope=openid`,
    );
    expect(htmlText(english.body)).toContain('client is invalid');
  });

  it('an expired sign-in: « Cette connexion est expirée. » and a way forward', async () => {
    const page = await frenchBrowser().get(`${idp.issuer}/interaction/expired-or-unknown-uid`);
    expect(page.status).toBeGreaterThanOrEqual(400);
    expectFrench(page, 'Cette connexion est expirée.');
    expect(page.body).toContain('>Recommencer</a>');
  });

  it('signing out: the question, then « Votre session est fermée. »', async () => {
    await idp.stores.staff.update(idp.staff.owner.id, { locale: 'fr-CA' });
    const { browser } = await signIn(idp, idp.staff.owner, '/account');
    // After the sign-out the person is no longer known: her browser's language decides.
    browser.acceptLanguage = 'fr-CA';
    const question = await browser.get(`${idp.issuer}/session/end`);
    expectFrench(question, 'Voulez-vous vous déconnecter ?');
    const form = /<form[^>]*id="op.logoutForm"[^>]*action="([^"]+)"[\s\S]*?name="xsrf" value="([^"]+)"/.exec(
      question.body,
    );
    expect(form).not.toBeNull();
    const done = await browser.post(new URL(form![1]!.replace(/&amp;/g, '&'), question.url), {
      xsrf: form![2]!,
      logout: 'yes',
    });
    expectFrench(done, 'Votre session est fermée.');
  });

  it('« Mot de passe oublié ? »: the request page', async () => {
    const page = await frenchBrowser().get(`${idp.issuer}/forgot-password`);
    expect(page.status).toBe(200);
    expectFrench(page, 'Réinitialiser votre mot de passe');
  });
});
