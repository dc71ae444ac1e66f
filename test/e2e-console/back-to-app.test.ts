/**
 * "Back to <app>" on the account page: only for a registered client, with a URL from its own
 * registration (client_uri, else its redirect URI's origin), kept across the page's forms; never a
 * URL from the request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { csrfOf, signIn } from './helpers.ts';

let idp: TestIdp;
beforeAll(async () => {
  idp = await startTestIdp({
    redirectUris: ['https://app.maple.test/auth/callback'],
    clientMetadata: { client_uri: 'https://app.maple.test/schedule' },
  });
});
afterAll(() => idp.close());

const backLink = (body: string) =>
  /<a class="button secondary" href="([^"]*)" data-testid="back-to-app">([^<]*)<\/a>/.exec(body)?.slice(1);

describe('account page: back to the app', () => {
  it('names the app and links to its registered URL, across sign-in and forms', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, '/account?client_id=clinic-app');
    expect(backLink(page.body)).toEqual(['https://app.maple.test/schedule', 'Back to Clinic App']);
    // After a form (a redirect to /account without the parameter), still there.
    const done = await browser.post(`${idp.url}/account/devices/revoke-all`, { csrf: csrfOf(page) });
    expect(new URL(done.url).pathname).toBe('/account');
    expect(backLink(done.body)?.[0]).toBe('https://app.maple.test/schedule');
  });

  it('without client_uri: the origin of the first redirect URI', async () => {
    const { page } = await signIn(idp, idp.staff.owner, '/account?client_id=clinic-spa');
    expect(backLink(page.body)).toEqual(['https://app.maple.test/', 'Back to Clinic SPA']);
  });

  it('no link for an unknown client, the console itself, or a URL in the request', async () => {
    const browser = new Browser();
    const { page } = await signIn(idp, idp.staff.owner, '/account', browser);
    expect(backLink(page.body)).toBeUndefined();
    for (const query of [
      'client_id=nope',
      'client_id=twostep-console',
      'client_id=https%3A%2F%2Fevil.example',
      'redirect_uri=https%3A%2F%2Fevil.example',
    ]) {
      const other = await browser.get(`${idp.url}/account?${query}`);
      expect(other.status).toBe(200);
      expect(backLink(other.body)).toBeUndefined();
      expect(other.body).not.toContain('evil.example');
    }
  });
});
