/** Signing in to the console (`/account`, `/admin`) through the test IdP, as a browser does. */
import { expect } from 'vitest';
import { alertText, Browser, findForm, type Page } from '../helpers/browser.ts';
import type { TestIdp, TestStaff } from '../helpers/idp.ts';
import { submitPassword, submitTotp } from '../helpers/sign-in.ts';

/** Opens `path` (e.g. '/account'), signs in with password + code when asked, returns the page reached. */
export async function signIn(
  idp: TestIdp,
  staff: TestStaff,
  path = '/account',
  browser = new Browser(),
): Promise<{ browser: Browser; page: Page }> {
  let page = await browser.get(`${idp.url}${path}`);
  if (page.body.includes('name="password"')) {
    page = await submitPassword(browser, page, staff);
  }
  page = await enterCode(idp, staff, browser, page);
  return { browser, page };
}

/** On an IdP code page, enters the staff member's code (TOTP, else SMS); other pages pass through. */
export async function enterCode(idp: TestIdp, staff: TestStaff, browser: Browser, page: Page): Promise<Page> {
  if (!page.body.includes('/verify"') && !page.body.includes('/sms"')) return page;
  if (staff.totpSecret) {
    return submitTotp(browser, page, idp.nextTotpCode(staff.totpSecret));
  }
  if (staff.phone) {
    const sent = await browser.submit(page, '/sms');
    return browser.submit(sent, '/verify', { method: 'sms', code: idp.lastSmsCode(staff.phone)! });
  }
  throw new Error(`no code for ${staff.email}`);
}

/** The console's CSRF token on a page (every console form carries the same one). */
export function csrfOf(page: Page): string {
  const match = /name="csrf" value="([^"]+)"/.exec(page.body);
  if (!match) throw new Error(`no CSRF token on ${page.url} (${page.status}):\n${page.body.slice(0, 1500)}`);
  return match[1]!;
}

/** POSTs a console form (with the page's CSRF token unless `csrf` is given) without following redirects. */
export async function postRaw(
  browser: Browser,
  idp: TestIdp,
  path: string,
  fields: Record<string, string>,
): Promise<Page> {
  return browser.request('POST', `${idp.url}${path}`, new URLSearchParams(fields).toString());
}

export function expectOnPage(page: Page, path: string): void {
  expect(new URL(page.url).pathname).toBe(path);
  expect(page.status).toBe(200);
}

/**
 * A refused console form (Post/Redirect/Get): a 303 to `path`, whose page then shows why, once.
 * Returns that page's alert text.
 */
export async function refusedTo(browser: Browser, posted: Page, path: string): Promise<string | undefined> {
  expect(posted.status).toBe(303);
  expect(posted.headers.get('location')).toBe(path);
  const shown = await browser.follow(posted);
  expectOnPage(shown, path);
  const text = alertText(shown);
  expect(text).toBeDefined();
  expect(alertText(await browser.get(shown.url))).toBeUndefined();
  return text;
}

export { findForm };
