/**
 * Browser tests of the demo: the demo's IdP and clinic app in-process on 127.0.0.1 (port 0), driven
 * by Debian's Chromium through playwright-core, one fresh browser context per test.
 *
 * Time: the demo's core and the clinic app read a `manualClock`; oidc-provider and the IdP's
 * `auth_time` read `Date.now()`. `advance(ms)` moves both, as time passing would, so the step-up's
 * 10 minutes and TOTP's 30-second steps pass without sleeping.
 *
 * Screenshots of every step go to `test-results/browser/` (gitignored). With `DEMO_DOCS=1` a few
 * are also written to `docs/demo-*.png` for the README.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { manualClock, TOTP, totp } from '@twostep/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, onTestFailed, vi } from 'vitest';
import { type Demo, startDemo } from '../../apps/demo/src/demo.ts';
import { type ClinicRig, startClinicRig } from '../e2e-mfa/clinic-app.ts';
import { CHROMIUM_PATH, launchBrowser } from '../helpers/chromium.ts';

/** Per test: a scenario clicks through a dozen pages. */
export const BROWSER_TEST_TIMEOUT = 90_000;
const hasChromium = existsSync(CHROMIUM_PATH);
const inCi = process.env.CI === 'true';

/** Skip only on a developer machine without Chromium; in CI a missing browser fails the tests. */
export const skipBrowser = !hasChromium && !inCi;
if (skipBrowser) {
  console.warn(
    `browser tests skipped: ${CHROMIUM_PATH} not found (install Debian's "chromium" package; in CI they fail instead)`,
  );
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const resultsDir = `${root}test-results/browser/`;
const docsDir = `${root}docs/`;

const realNow = Date.now.bind(Date);

export interface DemoRig {
  demo: Demo;
  clock: ReturnType<typeof manualClock>;
  /** Moves the demo's clock and `Date.now()` forward by `ms`. */
  advance(ms: number): void;
  /** The authenticator code for `secret` now; moves time to the next 30-second step first. */
  nextTotp(secret: string): string;
  close(): Promise<void>;
}

/**
 * `host`: the host name in the demo's URLs (the servers listen on 127.0.0.1 either way). `localhost`
 * for passkeys (an IP address cannot be a WebAuthn RP ID); default `127.0.0.1`.
 */
export interface DemoRigOptions {
  host?: '127.0.0.1' | 'localhost';
}

export async function startDemoRig(options: DemoRigOptions = {}): Promise<DemoRig> {
  const clock = manualClock(new Date(realNow()));
  const demo = await startDemo({
    idpPort: 0,
    appPort: 0,
    host: options.host ?? '127.0.0.1',
    clock,
    passwordCost: { N: 2 ** 10, r: 8, p: 1 },
    devOutbox: true,
    logger: { warn: () => {}, error: (message, details) => console.error(message, details ?? '') },
  });
  let shift = 0;
  const advance = (ms: number) => {
    clock.advance(ms);
    shift += ms;
    const by = shift;
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + by);
  };
  return {
    demo,
    clock,
    advance,
    nextTotp(secret) {
      advance(TOTP.period * 1000);
      return totp(secret.replace(/\s+/g, ''), Math.floor(clock.now().getTime() / 1000), {
        algorithm: TOTP.algorithm,
        digits: TOTP.digits,
        period: TOTP.period,
      });
    },
    async close() {
      vi.restoreAllMocks();
      await demo.close();
    },
  };
}

/** Call at a file's top: the demo (in-process, 127.0.0.1) its tests share, started before them all, closed after. */
export function useDemoRig(options: DemoRigOptions = {}): { readonly rig: DemoRig } {
  const env = {} as { rig: DemoRig };
  beforeAll(async () => {
    env.rig = await startDemoRig(options);
  });
  afterAll(() => env.rig?.close());
  return env;
}

/** The rig and the browser a file's tests share: started before them all, closed after. */
export interface DemoBrowser {
  readonly rig: DemoRig;
  readonly browser: Browser;
}

/** Call inside a `describe`: starts the demo and Chromium in `beforeAll`, closes both in `afterAll`. */
export function useDemoBrowser(options: DemoRigOptions = {}): DemoBrowser {
  const env = {} as { rig: DemoRig; browser: Browser };
  beforeAll(async () => {
    env.rig = await startDemoRig(options);
    env.browser = await launchBrowser();
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.rig?.close();
  });
  return env;
}

/** The test IdP on `localhost` with the clinic app (an IP address cannot be a WebAuthn RP ID), and Chromium. */
export interface PasskeyBrowser {
  readonly rig: ClinicRig;
  readonly browser: Browser;
}

/** Call inside a `describe`: starts the passkey rig and Chromium in `beforeAll`, closes both in `afterAll`. */
export function usePasskeyBrowser(): PasskeyBrowser {
  const env = {} as { rig: ClinicRig; browser: Browser };
  beforeAll(async () => {
    env.rig = await startClinicRig({ idp: { issuerHost: 'localhost' } });
    env.browser = await launchBrowser();
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.rig?.close();
  });
  return env;
}

/** A scenario's start: numbered screenshots, every page saved on failure, a fresh context and its first page. */
export async function startScenario(
  browser: Browser,
  scenario: string,
): Promise<{ shot: ReturnType<typeof shooter>; context: BrowserContext; page: Page }> {
  const shot = shooter(scenario);
  screenshotsOnFailure(browser, scenario);
  const context = await newContext(browser);
  const page = await context.newPage();
  return { shot, context, page };
}

/** A fresh context (no cookies) with a desktop-sized viewport. */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, locale: 'en-CA' });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(10_000);
  return context;
}

/** Numbered screenshots for one scenario: `test-results/browser/<scenario>-<nn>-<step>.png`. */
export function shooter(scenario: string) {
  mkdirSync(resultsDir, { recursive: true });
  let n = 0;
  return async (page: Page, step: string, docsName?: string): Promise<void> => {
    n += 1;
    const file = `${resultsDir}${scenario}-${String(n).padStart(2, '0')}-${step}.png`;
    await page.screenshot({ path: file, fullPage: true });
    if (docsName && process.env.DEMO_DOCS === '1') {
      mkdirSync(docsDir, { recursive: true });
      await page.screenshot({ path: `${docsDir}demo-${docsName}.png` });
    }
  };
}

/** The IdP's password page → submitted. */
export async function enterPassword(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** From the clinic app's start page to the IdP's password page. */
export async function openSignIn(page: Page, appUrl: string, idpUrl: string): Promise<void> {
  await page.goto(`${appUrl}/`);
  await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL(`${idpUrl}/interaction/**`);
  await page.getByLabel('Email').waitFor();
}

/** From the clinic app's start page through the IdP's password page, submitted with `account`'s password. */
export async function signIn(
  page: Page,
  demo: Demo,
  account: { email: string; password: string },
): Promise<void> {
  await openSignIn(page, demo.appUrl, demo.idpUrl);
  await enterPassword(page, account.email, account.password);
}

/** The demo's owner signs in to `<idp>/admin` (password + authenticator code) in a fresh context. */
export async function ownerConsole(env: DemoBrowser): Promise<{ context: BrowserContext; page: Page }> {
  const { rig, browser } = env;
  const { demo } = rig;
  const olivia = demo.accounts.owner;
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${demo.idpUrl}/admin`);
  await page.waitForURL(`${demo.idpUrl}/interaction/**`);
  await enterPassword(page, olivia.email, olivia.password);
  await enterTotp(page, rig, olivia.totpSecret!);
  await page.waitForURL(`${demo.idpUrl}/admin`);
  return { context, page };
}

/** On the IdP's 2-Step page: the authenticator code for `secret` (the next step's), optionally remembering the device, verified. */
export async function enterTotp(
  page: Page,
  rig: DemoRig,
  secret: string,
  options: { remember?: boolean } = {},
): Promise<void> {
  await page.getByRole('heading', { name: '2-Step Verification' }).waitFor();
  await page.getByLabel('Verification code').fill(rig.nextTotp(secret));
  if (options.remember) await page.getByLabel('Remember this device for 30 days').check();
  await page.getByRole('button', { name: 'Verify' }).click();
}

/** Signs out of the app and the IdP (RP-initiated logout, confirmed on the IdP's page). */
export async function signOut(page: Page, appUrl: string): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL(`${appUrl}/`);
}

/** The newest SMS code sent to `phone`, read from the outbox page in another tab. */
export async function smsCodeFromOutbox(context: BrowserContext, demo: Demo, phone: string): Promise<string> {
  const tab = await context.newPage();
  try {
    await tab.goto(demo.smsOutboxUrl!);
    const code = await tab
      .locator(`[data-testid="sms"][data-to="${phone}"] [data-testid="sms-code"]`)
      .first()
      .textContent();
    if (!code || !/^\d{6}$/.test(code)) throw new Error(`no SMS code for ${phone} in the outbox`);
    return code;
  } finally {
    await tab.close();
  }
}

/** Call at the start of a test: when it fails, every open page is saved as `FAILED-<scenario>-<n>.png`. */
export function screenshotsOnFailure(browser: Browser, scenario: string): void {
  onTestFailed(async () => {
    mkdirSync(resultsDir, { recursive: true });
    let n = 0;
    for (const context of browser.contexts()) {
      for (const page of context.pages()) {
        n += 1;
        await page
          .screenshot({ path: `${resultsDir}FAILED-${scenario}-${n}.png`, fullPage: true })
          .catch(() => {});
        console.error(`FAILED ${scenario}: page ${n} at ${page.url()}`);
      }
    }
  });
}
