/**
 * The language of the sign-in pages over real HTTP: each source beats the ones after it — the
 * page's language switch (cookie) > the person's saved `locale` > the app's `ui_locales` >
 * `Accept-Language` > the clinic's default > the server's default. A page's language is read
 * from `<html lang>` (the French words are the `french` catalog's business, tested there).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser, type Page } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { submitPassword } from '../helpers/sign-in.ts';
import { signIn } from '../e2e-console/helpers.ts';

let idp: TestIdp;
let rp: Rp;

beforeEach(async () => {
  idp = await startTestIdp();
  rp = await relyingParty(idp);
});
afterEach(() => idp.close());

const lang = (page: Page) => /<html lang="([^"]*)">/.exec(page.body)?.[1];

function browserWith(options: { acceptLanguage?: string; cookie?: string } = {}): Browser {
  const browser = new Browser();
  if (options.acceptLanguage) browser.acceptLanguage = options.acceptLanguage;
  if (options.cookie) browser.setCookie('twostep_lang', options.cookie);
  return browser;
}

/** The front desk (SMS) with a saved language; her code page comes after the password. */
async function codePageOf(browser: Browser, params: Record<string, string> = {}): Promise<Page> {
  const { page } = await begin(browser, rp, params);
  const codePage = await submitPassword(browser, page, idp.staff.frontDesk);
  expect(codePage.status).toBe(200);
  return codePage;
}

describe('language resolution, each source beating the ones after it', () => {
  it('the server default (en) when nothing else decides', async () => {
    const { page } = await begin(browserWith({ acceptLanguage: 'de-DE,de;q=0.9' }), rp);
    expect(page.status).toBe(200);
    expect(lang(page)).toBe('en');
  });

  it('Accept-Language beats the server default (fr and fr-FR both give fr-CA; q-values are honoured)', async () => {
    for (const header of ['fr', 'fr-FR,fr;q=0.9', 'de;q=1, en;q=0.2, fr;q=0.8']) {
      const { page } = await begin(browserWith({ acceptLanguage: header }), rp);
      expect(lang(page), header).toBe('fr-CA');
    }
  });

  it("the app's ui_locales beats Accept-Language", async () => {
    const french = await begin(browserWith({ acceptLanguage: 'en-CA,en' }), rp, { ui_locales: 'fr-CA en' });
    expect(lang(french.page)).toBe('fr-CA');
    const english = await begin(browserWith({ acceptLanguage: 'fr-CA' }), rp, { ui_locales: 'es en' });
    expect(lang(english.page)).toBe('en');
  });

  it("the person's saved locale beats the app's ui_locales and Accept-Language", async () => {
    await idp.stores.staff.update(idp.staff.frontDesk.id, { locale: 'fr-CA' });
    const codePage = await codePageOf(browserWith({ acceptLanguage: 'en' }), { ui_locales: 'en' });
    expect(lang(codePage)).toBe('fr-CA');
  });

  it("the page's language switch (cookie) beats the person's saved locale", async () => {
    await idp.stores.staff.update(idp.staff.frontDesk.id, { locale: 'fr-CA' });
    const codePage = await codePageOf(browserWith({ cookie: 'en', acceptLanguage: 'fr' }), {
      ui_locales: 'fr-CA',
    });
    expect(lang(codePage)).toBe('en');
  });

  it("the server's default (defaultLocale) when nothing else decides", async () => {
    const french = await startTestIdp({ defaultLocale: 'fr-CA' });
    try {
      const { page } = await begin(browserWith({ acceptLanguage: 'de' }), await relyingParty(french));
      expect(lang(page)).toBe('fr-CA');
    } finally {
      await french.close();
    }
  });

  it('an unsupported or malformed source is skipped, not an error', async () => {
    const { page } = await begin(browserWith({ cookie: 'xx-invalid-', acceptLanguage: '*;q=1, !!' }), rp, {
      ui_locales: 'zz',
    });
    expect(page.status).toBe(200);
    expect(lang(page)).toBe('en');
  });
});

describe('the language switch', () => {
  it('every sign-in page links to the other language, coming back to the same step', async () => {
    const browser = browserWith();
    const { page } = await begin(browser, rp);
    const uid = /\/interaction\/([\w-]+)/.exec(page.url)![1]!;
    const href = /<a href="([^"]*\/language\?[^"]*)" lang="fr-CA" hreflang="fr-CA">Français<\/a>/.exec(
      page.body,
    )?.[1];
    expect(href).toBeDefined();
    const url = new URL(href!.replaceAll('&amp;', '&'), page.url);
    expect(url.searchParams.get('lang')).toBe('fr-CA');
    expect(url.searchParams.get('return')).toBe(`/interaction/${uid}`);

    const switched = await browser.request('GET', url);
    expect(switched.status).toBe(303);
    expect(switched.headers.get('location')).toBe(`/interaction/${uid}`);
    const cookie = browser.cookie('twostep_lang');
    expect(cookie).toMatchObject({ value: 'fr-CA', httpOnly: true, path: '/' });
    expect(cookie?.sameSite?.toLowerCase()).toBe('lax');
    const again = await browser.follow(switched);
    expect(lang(again)).toBe('fr-CA');
    // The French page offers English back.
    expect(again.body).toMatch(
      /<a href="[^"]*\/language\?lang=en&amp;return=[^"]*" lang="en" hreflang="en">English<\/a>/,
    );

    // The sign-in goes on from there, in French.
    const codePage = await submitPassword(browser, again, idp.staff.owner);
    expect(lang(codePage)).toBe('fr-CA');
  });

  it('after a form, the switch returns to the step (the form address is no page)', async () => {
    const browser = browserWith();
    const { page } = await begin(browser, rp);
    const refused = await submitPassword(browser, page, {
      email: idp.staff.owner.email,
      password: 'wrong password',
    });
    expect(refused.body).toMatch(/\/language\?lang=fr-CA&amp;return=%2Finteraction%2F[\w-]+"/);
  });

  it('returns only to a path of this site, and keeps only a supported language', async () => {
    const browser = browserWith();
    for (const target of [
      'https://evil.example/x',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      '/a/../../x',
    ]) {
      const answer = await browser.request(
        'GET',
        `${idp.issuer}/language?lang=fr-CA&return=${encodeURIComponent(target)}`,
      );
      expect(answer.status).toBe(303);
      const location = answer.headers.get('location')!;
      expect(location.startsWith('/'), target).toBe(true);
      expect(location.startsWith('//'), target).toBe(false);
      expect(new URL(location, idp.issuer).origin).toBe(idp.issuer);
    }
    browser.removeCookie('twostep_lang');
    for (const unsupported of ['de', 'fr', 'en-US', '', 'fr-CA;x']) {
      const answer = await browser.request(
        'GET',
        `${idp.issuer}/language?lang=${encodeURIComponent(unsupported)}&return=/account`,
      );
      expect(answer.status).toBe(303);
      expect(browser.cookie('twostep_lang'), unsupported).toBeUndefined();
    }
  });
});

describe('<html lang> on every kind of page', () => {
  it("the account page, the 404, oidc-provider's error and sign-out pages, the reset page", async () => {
    await idp.stores.staff.update(idp.staff.owner.id, { locale: 'fr-CA' });
    const { browser, page } = await signIn(idp, idp.staff.owner, '/account');
    expect(new URL(page.url).pathname).toBe('/account');
    expect(lang(page)).toBe('fr-CA'); // her saved language
    expect(page.body).toMatch(
      /<nav class="lang" aria-label="[^"]+"><a href="\/language\?lang=en&amp;return=%2Faccount"/,
    );
    const signOut = await browser.get(`${idp.issuer}/session/end`);
    expect(signOut.body).toContain('op.logoutForm');
    expect(lang(signOut)).toBe('fr-CA');

    const stranger = browserWith({ acceptLanguage: 'fr-CA' });
    const notFound = await stranger.get(`${idp.issuer}/no-such-page`);
    expect(notFound.status).toBe(404);
    expect(lang(notFound)).toBe('fr-CA');
    const providerError = await stranger.get(
      `${idp.issuer}/auth?client_id=nobody&response_type=code&scope=openid`,
    );
    expect(providerError.status).toBe(400);
    expect(lang(providerError)).toBe('fr-CA');
    const reset = await stranger.get(`${idp.issuer}/forgot-password`);
    expect(reset.status).toBe(200);
    expect(lang(reset)).toBe('fr-CA');
    stranger.acceptLanguage = 'en-GB';
    expect(lang(await stranger.get(`${idp.issuer}/no-such-page`))).toBe('en');
  });
});

describe('apps and claims', () => {
  it('discovery lists ui_locales_supported', async () => {
    const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    const metadata = (await response.json()) as { ui_locales_supported?: string[] };
    expect(metadata.ui_locales_supported).toEqual(['en', 'fr-CA']);
  });

  it('the locale claim: in userinfo, and in the ID Token when the claims parameter asks for it', async () => {
    await idp.stores.staff.update(idp.staff.relaxed.id, { locale: 'fr-CA' });
    const browser = browserWith();
    const { request, page } = await begin(browser, rp, {
      claims: JSON.stringify({ id_token: { locale: null } }),
    });
    const done = await submitPassword(browser, page, idp.staff.relaxed);
    const tokens = await redeem(rp, request, done);
    expect(tokens.claims()?.locale).toBe('fr-CA');
  });
});
