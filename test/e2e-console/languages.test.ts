/**
 * Languages in the console and in what people receive, over real HTTP: emails and texts go out
 * in the recipient's language, not the actor's or the page's; the clinic's default language
 * (admin console) and the person's saved language (account page) take their place in the order.
 */
import { messagesEn, messagesFrCa, renderNotification } from '@twostep/oidc-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertText, Browser, type Page, testId } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, relyingParty } from '../helpers/oidc-client.ts';
import { submitPassword } from '../helpers/sign-in.ts';
import { csrfOf, postRaw, refusedTo, signIn } from './helpers.ts';

let idp: TestIdp;
beforeEach(async () => {
  idp = await startTestIdp();
});
afterEach(() => idp.close());

const lang = (page: Page) => /<html lang="([^"]*)">/.exec(page.body)?.[1];
const sent = (kind: string, staffId: string) =>
  idp.notifier.sent.filter((n) => n.kind === kind && n.to.staffId === staffId);

describe("what people receive is in the recipient's language", () => {
  it('an English-speaking admin pauses a French-speaking colleague: her email is French, the admin page stays English', async () => {
    await idp.stores.staff.update(idp.staff.frontDesk.id, { locale: 'fr-CA' });
    const path = `/admin/staff/${idp.staff.frontDesk.id}`;
    // The owner's saved language is en-CA; her browser asks for English too.
    const browser = new Browser();
    browser.acceptLanguage = 'en-CA,en';
    const { page } = await signIn(idp, idp.staff.owner, path, browser);
    expect(lang(page)).toBe('en');
    const done = await browser.post(`${idp.url}${path}/pause`, {
      csrf: csrfOf(page),
      hours: '4',
      reason: 'téléphone perdu',
    });
    expect(lang(done)).toBe('en');
    expect(done.body).toContain('2-Step Verification is paused.');

    const [email] = sent('two_step_paused', idp.staff.frontDesk.id);
    expect(email?.locale).toBe('fr-CA');
    const rendered = renderNotification(email!);
    // Exactly what the French catalog says, not the English one.
    expect(rendered).toEqual(renderNotification(email!, { catalog: messagesFrCa }));
    expect(rendered.subject).not.toEqual(renderNotification(email!, { catalog: messagesEn }).subject);
    expect(rendered.html).toMatch(/<html lang="fr-CA">/);
    expect(rendered.text).toContain('téléphone perdu');
    expect(rendered.text).toMatch(/\d{1,2} h \d{2}/); // French times: "14 h 30"
  });

  it('a French-speaking staff member signing in on an English page gets her code text in French', async () => {
    await idp.stores.staff.update(idp.staff.frontDesk.id, { locale: 'fr-CA' });
    const browser = new Browser();
    browser.setCookie('twostep_lang', 'en'); // this browser's switch says English
    const { page } = await begin(browser, await relyingParty(idp));
    const codePage = await submitPassword(browser, page, idp.staff.frontDesk);
    const after = await browser.submit(codePage, '/sms');
    expect(lang(after)).toBe('en');
    expect(after.body).toContain('We sent a code to');
    const text = idp.sms.messages[0]!;
    expect(text.to).toBe(idp.staff.frontDesk.phone);
    const code = idp.lastSmsCode(idp.staff.frontDesk.phone!)!;
    // French typography may put no-break spaces in; compare the words.
    expect(text.body.replace(/\s+/gu, ' ')).toBe(
      `${code} est votre code de vérification pour Maple Street Physio. Il expire dans 10 minutes. Ne le communiquez à personne.`,
    );
  });

  it('someone without a language of their own gets English texts (the server default)', async () => {
    const browser = new Browser();
    browser.acceptLanguage = 'fr-CA'; // the page may be French; the text follows the person, not the browser
    const { page } = await begin(browser, await relyingParty(idp));
    const codePage = await submitPassword(browser, page, idp.staff.frontDesk);
    expect(lang(codePage)).toBe('fr-CA');
    await browser.submit(codePage, '/sms');
    expect(idp.sms.messages[0]!.body).toMatch(/^\d{6} is your Maple Street Physio verification code\./);
  });
});

describe("the clinic's default language (admin console)", () => {
  it('set by a Full Access User; it decides for staff with no language of their own, after the browser', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    expect(testId(page, 'clinic-language')).toContain('are in English for staff');
    const bad = await postRaw(browser, idp, '/admin/language', { csrf: csrfOf(page), locale: 'de' });
    expect(bad.status).toBe(400);
    expect(alertText(bad)).toContain('Choose a language from the list.');
    expect((await idp.stores.clinics.get(idp.clinic.id))?.defaultLocale).toBeUndefined();

    const saved = await browser.post(`${idp.url}/admin/language`, { csrf: csrfOf(page), locale: 'fr-CA' });
    expect(saved.body).toContain('The clinic language was saved.'); // her own language is English
    expect(lang(saved)).toBe('en');
    expect(testId(saved, 'clinic-language')).toContain('Canadian French');
    expect((await idp.stores.clinics.get(idp.clinic.id))?.defaultLocale).toBe('fr-CA');

    // The practitioner has no language of his own: the clinic's decides over the server's default…
    const quiet = new Browser();
    const { page: first } = await begin(quiet, await relyingParty(idp));
    expect(lang(first)).toBe('en'); // before the password, the clinic is not known
    const enroll = await submitPassword(quiet, first, idp.staff.practitioner);
    expect(lang(enroll)).toBe('fr-CA');
    // …but his browser's language comes first.
    const english = new Browser();
    english.acceptLanguage = 'en-CA';
    const { page: second } = await begin(english, await relyingParty(idp));
    expect(lang(await submitPassword(english, second, idp.staff.practitioner))).toBe('en');

    // His emails follow the clinic's language too.
    const reminded = await browser.post(`${idp.url}/admin/remind`, { csrf: csrfOf(saved) });
    expect(reminded.status).toBe(200);
    const [reminder] = sent('setup_reminder', idp.staff.practitioner.id);
    expect(reminder?.locale).toBe('fr-CA');
  });
});

describe("the person's saved language (account page)", () => {
  it('saved from the account page: pages, and then emails, follow it; the switch cookie is cleared', async () => {
    const browser = new Browser();
    browser.setCookie('twostep_lang', 'en');
    const { page } = await signIn(idp, idp.staff.owner, '/account', browser);
    expect(lang(page)).toBe('en');
    expect(page.body).toContain('<select id="my-locale" name="locale">');
    const bad = await postRaw(browser, idp, '/account/language', { csrf: csrfOf(page), locale: 'xx' });
    expect(bad.status).toBe(400);
    expect((await idp.stores.staff.get(idp.staff.owner.id))?.locale).toBe('en-CA');

    const saved = await browser.post(`${idp.url}/account/language`, { csrf: csrfOf(page), locale: 'fr-CA' });
    expect(browser.cookie('twostep_lang')).toBeUndefined();
    expect((await idp.stores.staff.get(idp.staff.owner.id))?.locale).toBe('fr-CA');
    expect(lang(saved)).toBe('fr-CA');
    expect(saved.body).toContain(`<option value="fr-CA" lang="fr-CA" selected>Français</option>`);
    // A French page has no English sentence of the account card left.
    expect(saved.body).not.toContain('Your language was saved.');
  });
});

describe('the typed confirmation word is the one of the language the form was shown in', () => {
  it('a French page takes DÉSACTIVER (or DESACTIVER) and refuses TURN OFF; the form says its language', async () => {
    await idp.stores.staff.update(idp.staff.owner.id, { locale: 'fr-CA' });
    const { browser } = await signIn(idp, idp.staff.owner, '/admin');
    const form = await browser.get(`${idp.url}/admin/enforcement/off`);
    expect(lang(form)).toBe('fr-CA');
    expect(form.body).toContain('<input type="hidden" name="lang" value="fr-CA">');
    expect(form.body).toContain('DÉSACTIVER');
    const csrf = csrfOf(form);
    const english = await postRaw(browser, idp, '/admin/enforcement/off', {
      csrf,
      lang: 'fr-CA',
      reason: 'essai',
      confirm: 'TURN OFF',
    });
    // Post/Redirect/Get: back to the confirmation page, which says why (in the form's language) once.
    expect(await refusedTo(browser, english, '/admin/enforcement/off')).toContain('DÉSACTIVER');
    expect((await idp.stores.clinics.get(idp.clinic.id))?.enforceTwoStep).toBe(true);

    // The switch moved this browser to English meanwhile: the French form still takes its own word.
    browser.setCookie('twostep_lang', 'en');
    const done = await browser.post(`${idp.url}/admin/enforcement/off`, {
      csrf,
      lang: 'fr-CA',
      reason: 'essai',
      confirm: 'desactiver',
    });
    expect(done.status).toBe(200);
    expect((await idp.stores.clinics.get(idp.clinic.id))?.enforceTwoStep).toBe(false);
  });

  it('an English page takes TURN OFF and refuses DÉSACTIVER', async () => {
    const { browser } = await signIn(idp, idp.staff.owner, '/admin');
    const form = await browser.get(`${idp.url}/admin/enforcement/off`);
    expect(form.body).toContain('<input type="hidden" name="lang" value="en">');
    const csrf = csrfOf(form);
    const french = await postRaw(browser, idp, '/admin/enforcement/off', {
      csrf,
      lang: 'en',
      reason: 'trial',
      confirm: 'DÉSACTIVER',
    });
    expect(await refusedTo(browser, french, '/admin/enforcement/off')).toContain('Type TURN OFF exactly');
    const done = await browser.post(`${idp.url}/admin/enforcement/off`, {
      csrf,
      lang: 'en',
      reason: 'trial',
      confirm: 'turn off',
    });
    expect(done.status).toBe(200);
    expect((await idp.stores.clinics.get(idp.clinic.id))?.enforceTwoStep).toBe(false);
  });
});
