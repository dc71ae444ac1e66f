import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertText, Browser } from '../helpers/browser.ts';
import { begin, relyingParty } from '../helpers/oidc-client.ts';
import { adminToken, api, type ProvisioningIdp, startProvisioningIdp } from './support.ts';

let idp: ProvisioningIdp;
let token: string;

beforeEach(async () => {
  idp = await startProvisioningIdp();
  token = await adminToken(idp, idp.maple);
});
afterEach(() => idp.close());

type Created = { id: string; email: string; welcomeLink: { url: string; expiresAt: string } };

async function newcomer(email = 'newcomer@maple.test') {
  const res = await api<Created>(idp, token, 'POST', '/staff', {
    body: { name: 'Nora <b>Newcomer</b>', email, role: 'staff' },
  });
  return res.body;
}

const PASSWORD = 'correct horse battery staple';

describe('welcome link', () => {
  it('sets the password once, then sign-in forces 2-Step enrollment', async () => {
    const staff = await newcomer();
    const browser = new Browser();
    const form = await browser.get(staff.welcomeLink.url);
    expect(form.status).toBe(200);
    expect(form.headers.get('cache-control')).toBe('no-store');
    expect(form.body).toContain('Nora &lt;b&gt;Newcomer&lt;/b&gt;'); // escaped
    expect(form.body).toContain('newcomer@maple.test');

    const short = await browser.post(staff.welcomeLink.url, { password: 'short', confirm: 'short' });
    expect(short.status).toBe(400);
    expect(alertText(short)).toContain('at least 12');
    const mismatch = await browser.post(staff.welcomeLink.url, {
      password: PASSWORD,
      confirm: `${PASSWORD}!`,
    });
    expect(mismatch.status).toBe(400);
    expect(alertText(mismatch)).toContain('different');
    const asEmail = await browser.post(staff.welcomeLink.url, {
      password: 'newcomer@maple.test',
      confirm: 'newcomer@maple.test',
    });
    expect(asEmail.status).toBe(400);

    const done = await browser.request(
      'POST',
      staff.welcomeLink.url,
      new URLSearchParams({ password: PASSWORD, confirm: PASSWORD }).toString(),
    );
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/account');
    const read = await api(idp, token, 'GET', '/staff/{id}', { params: { id: staff.id } });
    expect(read.body.passwordSet).toBe(true);
    const events = (await idp.stores.audit.list(idp.clinic.id)).map((e) => [e.type, e.actorId, e.details]);
    expect(events).toContainEqual(['staff.password_set', staff.id, { via: 'welcome_link' }]);

    // Single use.
    const reused = await browser.get(staff.welcomeLink.url);
    expect(reused.status).toBe(404);
    expect(reused.body).toContain('invalid or was already used');
    const replay = await browser.post(staff.welcomeLink.url, {
      password: 'another password!',
      confirm: 'another password!',
    });
    expect(replay.status).toBe(404);

    // Into sign-in (the account page starts it): Maple enforces 2-Step, so enrollment comes first.
    const signInPage = await browser.follow(done);
    expect(signInPage.url).toMatch(/\/interaction\//);
    const choice = await browser.submit(signInPage, '/password', { email: staff.email, password: PASSWORD });
    expect(choice.body).toContain('Maple Street Physio requires 2-Step Verification');
  });

  it('expires (410), dies with an email change, and refuses tampering (404)', async () => {
    const staff = await newcomer();
    const [id, exp, mac] = staff.welcomeLink.url.split('/welcome/')[1]!.split('.');
    const browser = new Browser();
    const tampered = `${idp.issuer}/welcome/${id}.${Number(exp) + 86_400}.${mac}`;
    expect((await browser.get(tampered)).status).toBe(404);
    expect((await browser.get(`${idp.issuer}/welcome/${id}.${exp}.${'A'.repeat(43)}`)).status).toBe(404);
    expect((await browser.get(`${idp.issuer}/welcome/%7B%22$ne%22%3Anull%7D`)).status).toBe(404);

    idp.clock.advance(73 * 3_600_000);
    const expired = await browser.get(staff.welcomeLink.url);
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('expired');

    const fresh = await api<{ url: string }>(idp, token, 'POST', '/staff/{id}/welcome-link', {
      params: { id: staff.id },
    });
    expect((await browser.get(fresh.body.url)).status).toBe(200);
    await api(idp, token, 'PATCH', '/staff/{id}', {
      params: { id: staff.id },
      body: { email: 'nora@maple.test' },
    });
    expect((await browser.get(fresh.body.url)).status).toBe(404);
  });

  it('before the link is used, no password signs in', async () => {
    const staff = await newcomer();
    const browser = new Browser();
    const { page } = await begin(browser, await relyingParty(idp));
    for (const password of ['', 'unset', staff.welcomeLink.url]) {
      const refused = await browser.submit(page, '/password', { email: staff.email, password });
      expect(refused.leftTo).toBeUndefined();
      expect(refused.body).not.toContain('requires 2-Step Verification');
    }
  });

  it('a deactivated staff member cannot use a link', async () => {
    const staff = await newcomer();
    await api(idp, token, 'POST', '/staff/{id}/deactivate', { params: { id: staff.id } });
    expect((await new Browser().get(staff.welcomeLink.url)).status).toBe(404);
  });
});

describe('welcome link in the newcomer’s language', () => {
  it('a staff member created with locale fr-CA gets the page, and its refusals, in French', async () => {
    const res = await api<Created>(idp, token, 'POST', '/staff', {
      body: { name: 'Chloé Gagnon', email: 'chloe@maple.test', role: 'staff', locale: 'fr-CA' },
    });
    const browser = new Browser();
    const form = await browser.get(res.body.welcomeLink.url);
    expect(form.status).toBe(200);
    expect(form.body).toMatch(/<html lang="fr-CA">/);
    expect(form.body).toContain('Choisissez votre mot de passe');
    expect(form.body).not.toContain('Choose your password');
    const mismatch = await browser.post(res.body.welcomeLink.url, {
      password: PASSWORD,
      confirm: `${PASSWORD}!`,
    });
    expect(mismatch.status).toBe(400);
    expect(alertText(mismatch)).toBe('Les deux mots de passe sont différents.');
  });
});
