/**
 * /account: adding and removing passkeys over real HTTP. The browser's part is played by a software
 * authenticator (real P-256 signatures) answering the options the page carries; the Chromium test
 * with a virtual authenticator is test/browser/passkeys.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, Page } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';
import { csrfOf, postRaw, refusedTo, signIn } from './helpers.ts';

let idp: TestIdp;
beforeEach(async () => {
  idp = await startTestIdp();
});
afterEach(() => idp.close());

const optionsOf = (page: Page) => {
  const json = /<script type="application\/json" id="passkey-options"[^>]*>([^<]*)<\/script>/.exec(
    page.body,
  )?.[1];
  const sealed = /name="challenge" value="([^"]+)"/.exec(page.body)?.[1];
  if (!json || !sealed)
    throw new Error(`no passkey options on the page (${page.status}):\n${page.body.slice(0, 800)}`);
  return { options: JSON.parse(json) as { challenge: string; rp: { id: string } }, sealed };
};

async function start(browser: Browser, account: Page) {
  const page = await postRaw(browser, idp, '/account/passkey', { csrf: csrfOf(account) });
  expect(page.status).toBe(200);
  return { page, ...optionsOf(page) };
}

describe('account page: passkeys', () => {
  it('adds a named passkey: options for this issuer, the answer verified, audited, listed; a replay is refused', async () => {
    const { browser, page: account } = await signIn(idp, idp.staff.owner);
    const setup = await start(browser, account);
    // The helper script is served from this origin and loaded under the page's nonce, on this page only.
    const nonce = /<script nonce="([^"]+)" src="\/webauthn\.js"><\/script>/.exec(setup.page.body)?.[1];
    expect(nonce).toBeTruthy();
    expect(setup.page.headers.get('content-security-policy')).toContain(`'nonce-${nonce}'`);
    expect(account.body).not.toContain('webauthn.js');
    const helper = await browser.request('GET', `${idp.url}/webauthn.js`);
    expect(helper.status).toBe(200);
    expect(helper.body).toContain('SimpleWebAuthnBrowser');

    expect(setup.options.rp.id).toBe(new URL(idp.issuer).hostname);
    const key = new SoftAuthenticator({ rpId: setup.options.rp.id, origin: new URL(idp.issuer).origin });
    const fields = {
      csrf: csrfOf(setup.page),
      challenge: setup.sealed,
      response: JSON.stringify(key.register(setup.options.challenge)),
      name: 'Front desk PC',
    };
    const done = await postRaw(browser, idp, '/account/passkey/finish', fields);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/account?done=passkey_added');
    const stored = await idp.stores.factors.findPasskey(key.id);
    expect(stored).toMatchObject({ name: 'Front desk PC', staffId: idp.staff.owner.id });
    const enrolled = await idp.stores.audit.list(idp.clinic.id, {
      types: ['factor.enrolled'],
      order: 'desc',
    });
    expect(enrolled[0]?.details).toEqual({ factor: 'passkey', name: 'Front desk PC' });
    const listed = await browser.get(`${idp.url}/account`);
    expect(listed.body).toContain('Front desk PC');

    // The same answer again: the challenge was used.
    const again = await postRaw(browser, idp, '/account/passkey/finish', fields);
    expect(again.status).toBe(400);
    expect(again.body).toContain('This request has expired. Start again.');
  });

  it('refuses an answer made for another origin, and a challenge sealed for someone else', async () => {
    const { browser, page: account } = await signIn(idp, idp.staff.owner);
    const setup = await start(browser, account);
    const key = new SoftAuthenticator({ rpId: setup.options.rp.id, origin: 'http://evil.example' });
    const wrongOrigin = await postRaw(browser, idp, '/account/passkey/finish', {
      csrf: csrfOf(setup.page),
      challenge: setup.sealed,
      response: JSON.stringify(key.register(setup.options.challenge)),
      name: 'Laptop',
    });
    expect(wrongOrigin.status).toBe(400);
    expect(await idp.stores.factors.findPasskey(key.id)).toBeNull();

    const forged = await postRaw(browser, idp, '/account/passkey/finish', {
      csrf: csrfOf(setup.page),
      challenge: `${setup.sealed}x`,
      response: '{}',
      name: 'Laptop',
    });
    expect(forged.status).toBe(400);
  });
});

describe('account page: passkeys beside other methods', () => {
  async function addPasskey(browser: Browser, account: Page, name: string) {
    const setup = await start(browser, account);
    const key = new SoftAuthenticator({ rpId: setup.options.rp.id, origin: new URL(idp.issuer).origin });
    await postRaw(browser, idp, '/account/passkey/finish', {
      csrf: csrfOf(setup.page),
      challenge: setup.sealed,
      response: JSON.stringify(key.register(setup.options.challenge)),
      name,
    });
    return (await idp.stores.factors.findPasskey(key.id))!;
  }

  it('lists each passkey (name, added, last used, synced) and removes one; audited with its name', async () => {
    const { browser, page: account } = await signIn(idp, idp.staff.owner);
    const phone = await addPasskey(browser, account, 'My phone');
    await addPasskey(browser, account, 'Front desk PC');
    const listed = await browser.get(`${idp.url}/account`);
    const rows = [...listed.body.matchAll(/<tr data-testid="passkey">([\s\S]*?)<\/tr>/g)].map((m) => m[1]!);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('My phone');
    expect(rows[0]).toContain('Synced to your other devices');
    const removed = await postRaw(browser, idp, '/account/remove', {
      csrf: csrfOf(listed),
      kind: 'passkey',
      passkey: phone.id,
    });
    expect(removed.status).toBe(303);
    expect(await idp.stores.factors.findPasskey(phone.credentialId)).toBeNull();
    const events = await idp.stores.audit.list(idp.clinic.id, { types: ['factor.removed'], order: 'desc' });
    expect(events[0]?.details).toEqual({ factor: 'passkey', name: 'My phone' });
    const mail = idp.notifier.sent.find((m) => JSON.stringify(m).includes('My phone'));
    expect(mail).toBeDefined();
  });

  it("someone else's passkey id removes nothing", async () => {
    const { browser, page: account } = await signIn(idp, idp.staff.owner);
    const mine = await addPasskey(browser, account, 'Laptop');
    const other = await signIn(idp, idp.staff.frontDesk);
    const refused = await postRaw(other.browser, idp, '/account/remove', {
      csrf: csrfOf(other.page),
      kind: 'passkey',
      passkey: mine.id,
    });
    // Post/Redirect/Get: back to the account page, which says it is not one of theirs.
    expect(await refusedTo(other.browser, refused, '/account')).toBeDefined();
    expect(await idp.stores.factors.findPasskey(mine.credentialId)).not.toBeNull();
  });

  it('passkey as the last method: removing the app goes straight through, the passkey through the turn-off confirmation', async () => {
    // A clinic that does not enforce 2-Step: its people may turn it off, after the confirmation.
    await idp.stores.clinics.update(idp.clinic.id, { enforceTwoStep: false });
    const { browser, page: account } = await signIn(idp, idp.staff.owner);
    const only = await addPasskey(browser, account, 'Reception tablet');
    const app = await postRaw(browser, idp, '/account/remove', { csrf: csrfOf(account), kind: 'totp' });
    expect(app.status).toBe(303);
    const listed = await browser.get(`${idp.url}/account`);
    const posted = await postRaw(browser, idp, '/account/remove', {
      csrf: csrfOf(listed),
      kind: 'passkey',
      passkey: only.id,
    });
    // Post/Redirect/Get: the confirmation is a page of its own.
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(
      `/account/turn-off?kind=passkey&passkey=${encodeURIComponent(only.id)}`,
    );
    const asked = await browser.follow(posted);
    expect(asked.status).toBe(200);
    expect(asked.body).toContain(
      'The passkey &quot;Reception tablet&quot; is your only 2-Step Verification method.',
    );
    expect(asked.body).toContain(`name="passkey" value="${only.id}"`);
    expect(await idp.stores.factors.findPasskey(only.credentialId)).not.toBeNull();
    const done = await postRaw(browser, idp, '/account/remove', {
      csrf: csrfOf(asked),
      kind: 'passkey',
      passkey: only.id,
      confirm: 'yes',
      reason: 'Tablet given back',
    });
    expect(done.status).toBe(303);
    expect(await idp.stores.factors.findPasskey(only.credentialId)).toBeNull();
    const events = await idp.stores.audit.list(idp.clinic.id, { types: ['factor.removed'], order: 'desc' });
    expect(events[0]?.details).toMatchObject({
      factor: 'passkey',
      name: 'Reception tablet',
      reason: 'Tablet given back',
    });
  });
});
