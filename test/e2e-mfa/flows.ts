/** Sign-in steps shared by the e2e-mfa tests: a person at the IdP's forms, driven through the app. */
import { expect } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { API_AUDIENCE, type TestStaff } from '../helpers/idp.ts';
import type { NavBrowser, NavPage } from '../helpers/nav-browser.ts';
import { begin, redeem, relyingParty } from '../helpers/oidc-client.ts';
import { submitPassword, submitTotp } from '../helpers/sign-in.ts';
import type { ClinicRig } from './clinic-app.ts';

export interface AppView {
  page: string;
  id?: string;
  sub?: string;
  acr?: string;
  amr: string[];
  authTime?: number;
  csrf?: string;
}

/** The JSON the clinic app's pages answer with. */
export function view(page: NavPage): AppView {
  expect(page.status, `${page.url}: ${page.body.slice(0, 500)}`).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^application\/json/);
  return JSON.parse(page.body) as AppView;
}

/** True for a page of the IdP that asks for the password. */
export const asksPassword = (page: NavPage) => page.body.includes('name="password"');
/** True for the IdP's code page. */
export const asksCode = (page: NavPage) =>
  page.body.includes('<label for="code">Verification code</label>') && !asksPassword(page);

/** At the IdP's password page: enter the password, and follow where it leads. */
export async function enterPassword(browser: NavBrowser, page: NavPage, who: TestStaff): Promise<NavPage> {
  expect(asksPassword(page), `${page.url} (${page.status}) should ask for the password`).toBe(true);
  return submitPassword(browser, page, who);
}

/** At the IdP's code page: enter the owner's authenticator code (the next TOTP step: never a replay). */
export async function enterTotp(
  rig: ClinicRig,
  browser: NavBrowser,
  page: NavPage,
  options: { remember?: boolean } = {},
): Promise<NavPage> {
  expect(asksCode(page), `${page.url} (${page.status}) should ask for the code only`).toBe(true);
  return submitTotp(
    browser,
    page,
    rig.idp.nextTotpCode(rig.idp.staff.owner.totpSecret!),
    options.remember ? { remember: 'yes' } : {},
  );
}

/** Owner: app URL → IdP password → TOTP → back at the app. */
export async function signInOwner(
  rig: ClinicRig,
  browser: NavBrowser,
  path = '/schedule',
  options: { remember?: boolean } = {},
): Promise<NavPage> {
  const passwordPage = await browser.navigate(`${rig.app}${path}`);
  const codePage = await enterPassword(browser, passwordPage, rig.idp.staff.owner);
  return enterTotp(rig, browser, codePage, options);
}

/** The relaxed clinic's user: app URL → IdP password → back at the app with loa:1fa. */
export async function signInRelaxed(rig: ClinicRig, browser: NavBrowser, path = '/schedule') {
  const passwordPage = await browser.navigate(`${rig.app}${path}`);
  return enterPassword(browser, passwordPage, rig.idp.staff.relaxed);
}

/**
 * A JWT access token for the resource server, as any OAuth client of the IdP would get one
 * (code flow + PKCE with `resource`), after a sign-in by `who` at the IdP's forms.
 */
export async function apiTokens(rig: ClinicRig, who: 'owner' | 'relaxed') {
  const { idp } = rig;
  const rp = await relyingParty(idp);
  const browser = new Browser();
  const params = { resource: API_AUDIENCE, scope: 'openid charts:read' };
  const { request, page } = await begin(browser, rp, params);
  const staff = idp.staff[who];
  let done = await submitPassword(browser, page, staff);
  if (who === 'owner') {
    done = await submitTotp(browser, done, idp.nextTotpCode(staff.totpSecret!));
  }
  const tokens = await redeem(rp, request, done, { resource: API_AUDIENCE });
  return { rp, tokens };
}

/** {@link apiTokens}' access token. */
export async function apiAccessToken(rig: ClinicRig, who: 'owner' | 'relaxed'): Promise<string> {
  return (await apiTokens(rig, who)).tokens.access_token;
}

export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}
