/**
 * The console's return address (`/console/login?return=…`) is normalised as a browser would
 * resolve it before it is checked: dot segments (also percent-encoded), backslashes and double
 * slashes cannot lead off the console, to another page of the IdP's origin or to another origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { NO_RATE_LIMITS } from '../reliability/fixtures.ts';
import { signIn } from './helpers.ts';

let idp: TestIdp;
beforeAll(async () => {
  // One person signs in once per case: more than the per-account password limit allows.
  idp = await startTestIdp({ rateLimits: NO_RATE_LIMITS });
});
afterAll(() => idp?.close());

/** A browser that notes where the console's callback sends it. */
class CallbackWatcher extends Browser {
  readonly callbackLocations: string[] = [];
  override async request(...args: Parameters<Browser['request']>) {
    const page = await super.request(...args);
    if (new URL(page.url).pathname === '/console/callback') {
      this.callbackLocations.push(page.headers.get('location') ?? '');
    }
    return page;
  }
}

/** Signs the owner in from `/console/login?return=<value>`: where the callback sends the browser, and the page reached. */
async function returnAfterSignIn(value: string) {
  const browser = new CallbackWatcher();
  const path = `/console/login?${new URLSearchParams({ return: value })}`;
  const { page } = await signIn(idp, idp.staff.owner, path, browser);
  expect(browser.callbackLocations).toHaveLength(1);
  return { location: browser.callbackLocations[0], page };
}

describe('console return address', () => {
  it.each([
    '/admin/../../evil',
    '/admin/%2e%2e/%2e%2e/evil',
    '/admin/%2E%2E/%2e%2E/evil',
    '/admin/.%2e/.%2e/evil',
    '/admin/..%2f..%2fevil',
    '/admin\\..\\..\\evil',
    '/admin/%5c..%5c..%5cevil',
    '//evil.example/admin',
    '/\\evil.example/admin',
    '\\\\evil.example/admin',
    '/admin//evil.example',
    'https://evil.example/admin',
  ])('%s → the account page', async (value) => {
    const { location, page } = await returnAfterSignIn(value);
    expect(location).toBe('/account');
    expect(new URL(page.url).pathname).toBe('/account');
    expect(page.status).toBe(200);
  });

  it.each([
    ['/account/../admin', '/admin'],
    ['/admin/./staff/..', '/admin/'],
  ])('%s is a console page once normalised → %s', async (value, expected) => {
    const { location, page } = await returnAfterSignIn(value);
    expect(location).toBe(expected);
    expect(page.status).toBe(200);
  });
});
