/** Error pages over real HTTP: the product's layout and a way forward, never a bare dead end. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';

let idp: TestIdp;
beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(() => idp.close());

describe('dead ends', () => {
  it('an unknown address: a 404 page with lang, mobile viewport, a title and a link to the account page', async () => {
    const res = await fetch(`${idp.url}/no-such-page`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/html');
    const body = await res.text();
    expect(body).toContain('<html lang="en">');
    expect(body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(body).toMatch(/<title>[^<]+ · [^<]+<\/title>/);
    expect(body).toContain('Page not found.');
    expect(body).toContain('href="/account"');
    expect(body).not.toContain('Not Found');
  });

  it('an expired sign-in offers "Start again"', async () => {
    const res = await fetch(`${idp.url}/interaction/expired-or-unknown-uid`);
    const body = await res.text();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(body).toContain('This sign-in has expired.');
    expect(body).toMatch(/<a class="button" href="\/account">Start again<\/a>/);
  });
});
