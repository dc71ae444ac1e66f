/**
 * The middleware's own refusal page speaks the signed-in person's language (their `locale` claim):
 * a paused front-desk worker who works in French gets the 403 in French, with `<html lang="fr-CA">`.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { NavBrowser } from '../helpers/nav-browser.ts';
import { type ClinicRig, startClinicRig } from './clinic-app.ts';
import { enterPassword } from './flows.ts';

let rig: ClinicRig;
beforeEach(async () => {
  rig = await startClinicRig();
});
afterEach(() => rig.close());

it("a refused step-up: the 403 page is in the person's language (locale claim), whatever the browser says", async () => {
  const { idp } = rig;
  await idp.stores.staff.update(idp.staff.frontDesk.id, { locale: 'fr-CA' });
  const paused = await idp.idp.twostep.admin.pause({ actorId: idp.staff.owner.id }, idp.staff.frontDesk.id, {
    reason: 'téléphone perdu',
    hours: 4,
  });
  expect(paused.ok).toBe(true);
  const browser = new NavBrowser();
  const notice = await enterPassword(
    browser,
    await browser.navigate(`${rig.app}/schedule`),
    idp.staff.frontDesk,
  );
  // The IdP's own page: her saved language.
  expect(notice.body).toMatch(/<html lang="fr-CA">/);
  await browser.submit(notice, '/continue');

  const reauth = await browser.navigate(`${rig.app}/patients/1/chart`);
  const page = await enterPassword(browser, reauth, idp.staff.frontDesk);
  expect(page.status).toBe(403);
  expect(page.body).toMatch(/<html lang="fr-CA">/);
  expect(page.body).toContain('Vérification en deux étapes requise');
  expect(page.body).toContain('>Retour</a>');
  expect(page.body).not.toContain('2-Step Verification required');
});
