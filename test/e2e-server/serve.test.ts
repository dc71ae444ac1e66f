/**
 * `twostep serve` as an operator runs it, in production mode: a child process configured by environment
 * variables and a config file only, with a key set from `twostep keys init`, on MongoDB (FerretDB in CI), behind a TLS-terminating reverse proxy on 127.0.0.1.
 * While it runs, `twostep client register` adds clients (confidential, public PKCE, private_key_jwt)
 * and each completes a sign-in with an authenticator code, no restart; `client disable` stops one.
 * Behind the proxy, discovery says https, cookies are Secure, a forged Host changes no URL, and a
 * server without `trustProxy` answers a page naming the setting instead of a bare 500.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Clinic,
  createTwostep,
  hashPassword,
  manualClock,
  type StaffMember,
  systemClock,
} from '@twostep/core';
import { loadKeySet } from '@twostep/oidc-server';
import { connectMongo, createMongooseStores, syncIndexes } from '@twostep/store-mongoose';
import type { Connection } from 'mongoose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeAt, TEST_PASSWORD_COST } from '../../packages/core/test/fixtures.ts';
import { startServe, twostep } from '../../packages/server/test/run.ts';
import { Browser, type Page } from '../helpers/browser.ts';
import { dropTestDatabase, getMongoUri, mongoAvailable, testDatabaseName } from '../helpers/mongo.ts';
import { startTlsProxy, type TlsProxy } from '../helpers/tls-proxy.ts';

const quiet = { warn() {}, error() {} };
const dir = mkdtempSync(join(tmpdir(), 'twostep-serve-'));
const password = `pw-${randomBytes(9).toString('base64url')}`;

type Served = Awaited<ReturnType<typeof startServe>>;

/** The backend address `twostep serve` printed (it listens on port 0). */
function backendOf(served: Served): string {
  const match = /listening on (http:\/\/[^,)\s]+)/.exec(served.output());
  if (!match) throw new Error(`no address in:\n${served.output()}`);
  return match[1]!;
}

describe.skipIf(!mongoAvailable())(
  'twostep serve behind a TLS proxy, on MongoDB',
  { timeout: 180_000 },
  () => {
    let connection: Connection;
    let proxy: TlsProxy;
    let served: Served;
    let env: Record<string, string>;
    const emails = ['olivia@oak.test', 'pat@oak.test', 'sam@oak.test', 'dana@oak.test'];
    const receptionSecret = randomBytes(24).toString('base64url');
    const totpSecrets = new Map<string, string>();

    beforeAll(async () => {
      const dbName = testDatabaseName('serve');
      connection = await connectMongo(getMongoUri(), { dbName });
      await syncIndexes(connection, { ttlIndexes: false });

      // The key set, as an operator makes it; this test reads it too, to seed enrolled authenticators.
      const keysDir = join(dir, 'keys');
      const init = await twostep(['keys', 'init', '--dir', keysDir]);
      expect(init.code, init.stderr).toBe(0);
      const keys = loadKeySet({ dir: keysDir, env: {} });

      // A clinic and three staff members, each with an authenticator enrolled two minutes ago (each
      // sign-in below is a different person: a code is accepted once per 30-second step and person).
      const stores = createMongooseStores(connection);
      const past = manualClock(new Date(Date.now() - 120_000));
      const core = createTwostep({
        stores,
        secretBox: keys.secretBox,
        hashKey: keys.hashKey,
        smsSender: { async send() {} },
        clock: past,
        logger: quiet,
      });
      const clinic: Clinic = {
        id: 'clinic-oak',
        name: 'Oak Clinic',
        enforceTwoStep: true,
        allowTrustedDevices: true,
        createdAt: past.now(),
      };
      await stores.clinics.create(clinic);
      for (const [i, email] of emails.entries()) {
        const member: StaffMember = {
          id: `staff-${i}`,
          clinicId: clinic.id,
          email,
          name: email.split('@')[0]!,
          role: i === 0 ? 'full_access' : 'staff',
          passwordHash: await hashPassword(password, TEST_PASSWORD_COST),
          active: true,
          createdAt: past.now(),
        };
        await stores.staff.create(member);
        const setup = await core.enrollment.startTotp(member);
        const confirmed = await core.enrollment.confirmTotp(
          { actorId: null },
          member,
          codeAt(setup.secret, past),
        );
        if (!confirmed.ok) throw new Error(`seeding TOTP: ${confirmed.reason}`);
        totpSecrets.set(email, setup.secret);
      }

      proxy = await startTlsProxy();
      const config = join(dir, 'twostep.yaml');
      writeFileSync(
        config,
        [
          '# what an operator writes',
          `issuer: ${proxy.origin}`,
          'listen:',
          '  host: 127.0.0.1',
          '  port: 0',
          'trustProxy: loopback',
          'siteName: Oak Clinic sign-in',
          'supportContact: Oak IT desk, 613-555-0142',
          'mongodb:',
          '  ttlIndexes: false # FerretDB has no TTL indexes',
          'clients: # an app configured in the file (the others are registered in the database)',
          '  - client_id: reception',
          `    client_secret: ${receptionSecret}`,
          '    redirect_uris: [https://reception.oak.test/cb]',
          '    firstParty: true',
          'sms:',
          '  delivery: log',
          'email:',
          '  delivery: log',
        ].join('\n'),
      );
      env = {
        TWOSTEP_CONFIG: config,
        TWOSTEP_MONGODB_URI: getMongoUri(),
        TWOSTEP_MONGODB_DATABASE: dbName,
        TWOSTEP_KEYS_DIR: keysDir,
      };
      // Production mode: https issuer (the proxy), MongoDB, a key set, delivery explicitly `log`.
      served = await startServe([], env);
      expect(served.output()).not.toContain('DEVELOPMENT MODE');
      proxy.target = backendOf(served);
    });

    afterAll(async () => {
      await served?.stop();
      await proxy?.close();
      await dropTestDatabase(connection);
    });

    it('discovery through the proxy says https and ignores a forged Host', async () => {
      const honest = (await (
        await proxy.fetch(`${proxy.origin}/.well-known/openid-configuration`)
      ).json()) as Record<string, unknown>;
      expect(honest.issuer).toBe(proxy.origin);
      expect(honest.authorization_endpoint).toBe(`${proxy.origin}/auth`);
      const forged = await proxy.fetch(`${proxy.origin}/.well-known/openid-configuration`, {
        headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' },
      });
      const text = await forged.text();
      expect(text).not.toContain('evil.example');
      expect(JSON.parse(text)).toEqual(honest);
    });

    /** Password, then the authenticator code, as `email`; returns where the IdP sent the browser. */
    const passwordAndCode = async (browser: Browser, start: Page, email: string) => {
      expect(start.status, start.body.slice(0, 500)).toBe(200);
      const codePage = await browser.submit(start, '/password', { email, password });
      return browser.submit(codePage, '/verify', {
        method: 'totp',
        code: codeAt(totpSecrets.get(email)!, systemClock),
      });
    };

    /** A whole sign-in from `rp` as `email`; `consent`: a third-party app, agreed to on the consent page. */
    const signIn = async (
      rp: oidc.Configuration,
      redirectUri: string,
      browser: Browser,
      email: string,
      consent = false,
    ) => {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(rp, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });
      let done = await passwordAndCode(browser, await browser.get(url), email);
      if (consent) {
        expect(done.leftTo).toBeUndefined();
        done = await browser.submit(done, '/consent');
      }
      if (!done.leftTo)
        throw new Error(`no redirect to the app (${done.status}):\n${done.body.slice(0, 800)}`);
      return oidc.authorizationCodeGrant(rp, done.leftTo, {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
    };

    const register = async (args: string[]) => {
      const run = await twostep(['client', 'register', ...args], env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('every running IdP process accepts it now');
      return JSON.parse(run.stdout) as { client_id: string; client_secret?: string };
    };

    const discover = (clientId: string, secret: string | undefined, auth: oidc.ClientAuth) =>
      oidc.discovery(new URL(proxy.origin), clientId, secret, auth, {
        [oidc.customFetch]: (url, options) => proxy.fetch(url, options as RequestInit),
      });

    it('the "Having trouble?" page shows the operator\'s supportContact from the config file', async () => {
      const rp = await discover('reception', receptionSecret, oidc.ClientSecretBasic(receptionSecret));
      const url = oidc.buildAuthorizationUrl(rp, {
        redirect_uri: 'https://reception.oak.test/cb',
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state: oidc.randomState(),
      });
      const browser = new Browser();
      browser.fetch = proxy.fetch;
      const codePage = await browser.submit(await browser.get(url), '/password', {
        email: 'olivia@oak.test',
        password,
      });
      const help = await browser.get(new URL('help', `${codePage.url.replace(/\/verify.*$/, '')}/`));
      expect(help.status).toBe(200);
      expect(help.body).toContain('Help with signing in: Oak IT desk, 613-555-0142');
    });

    it('a client registered while it runs signs in with an authenticator code; cookies are Secure', async () => {
      const redirectUri = 'https://charts.oak.test/cb';
      const client = await register([
        '--name',
        'Charts',
        '--redirect-uri',
        redirectUri,
        '--post-logout-redirect-uri',
        'https://charts.oak.test/signed-out',
        '--backchannel-logout-uri',
        'https://charts.oak.test/auth/backchannel-logout',
        '--first-party',
      ]);
      // Told when someone's sessions end (express-mfa's route), with the IdP session id.
      expect(client).toMatchObject({
        backchannel_logout_uri: 'https://charts.oak.test/auth/backchannel-logout',
        backchannel_logout_session_required: true,
      });
      const rp = await discover(
        client.client_id,
        client.client_secret,
        oidc.ClientSecretBasic(client.client_secret!),
      );
      const browser = new Browser();
      browser.fetch = proxy.fetch;
      const tokens = await signIn(rp, redirectUri, browser, 'olivia@oak.test');
      const claims = tokens.claims()!;
      expect(claims.iss).toBe(proxy.origin);
      expect(claims.sub).toBe('staff-0');
      expect(claims.acr).toBe('urn:twostep:loa:2fa');
      expect(browser.cookies.length).toBeGreaterThan(0);
      for (const cookie of browser.cookies) expect(cookie.secure, cookie.name).toBe(true);

      // Sign-out may return to what the operator gave, not to the sign-in callback.
      const logout = (target: string) =>
        oidc.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: target });
      expect((await browser.request('GET', logout('https://charts.oak.test/signed-out'))).status).toBe(200);
      expect((await browser.request('GET', logout(redirectUri))).status).toBe(400);
    });

    it('public PKCE and private_key_jwt clients too; a disabled client is refused at once', async () => {
      const spaRedirect = 'http://localhost:5173/cb';
      const spa = await register([
        '--name',
        'Booking SPA',
        '--redirect-uri',
        spaRedirect,
        '--public',
        '--first-party',
      ]);
      expect(spa.client_secret).toBeUndefined();
      const spaBrowser = new Browser();
      spaBrowser.fetch = proxy.fetch;
      const spaTokens = await signIn(
        await discover(spa.client_id, undefined, oidc.None()),
        spaRedirect,
        spaBrowser,
        'pat@oak.test',
      );
      expect(spaTokens.claims()!.acr).toBe('urn:twostep:loa:2fa');

      const { privateKey, publicKey } = await crypto.subtle.generateKey(
        { name: 'ECDSA', namedCurve: 'P-256' },
        true,
        ['sign', 'verify'],
      );
      const jwksFile = join(dir, 'billing-jwks.json');
      writeFileSync(
        jwksFile,
        JSON.stringify({
          keys: [
            {
              ...(await crypto.subtle.exportKey('jwk', publicKey)),
              kid: 'billing-1',
              alg: 'ES256',
              use: 'sig',
            },
          ],
        }),
      );
      const billingRedirect = 'https://billing.oak.test/cb';
      const billing = await register([
        '--name',
        'Billing',
        '--redirect-uri',
        billingRedirect,
        '--auth-method',
        'private_key_jwt',
        '--jwks',
        jwksFile,
      ]);
      expect(billing.client_secret).toBeUndefined();
      const billingRp = await discover(
        billing.client_id,
        undefined,
        oidc.PrivateKeyJwt({ key: privateKey, kid: 'billing-1' }),
      );
      const billingBrowser = new Browser();
      billingBrowser.fetch = proxy.fetch;
      // Not first-party: the consent page comes between the code and the app.
      const billingTokens = await signIn(billingRp, billingRedirect, billingBrowser, 'sam@oak.test', true);
      expect(billingTokens.claims()!.sub).toBe('staff-2');

      const disabled = await twostep(['client', 'disable', '--id', spa.client_id], env);
      expect(disabled.code, disabled.stderr).toBe(0);
      const refused = await spaBrowser.request(
        'GET',
        oidc.buildAuthorizationUrl(await discover(spa.client_id, undefined, oidc.None()), {
          redirect_uri: spaRedirect,
          scope: 'openid',
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
        }),
      );
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('client is invalid');
    });

    it('a client from the config file signs in too; client update changes a running client', async () => {
      const reception = await discover('reception', receptionSecret, oidc.ClientSecretBasic(receptionSecret));
      const browser = new Browser();
      browser.fetch = proxy.fetch;
      const tokens = await signIn(reception, 'https://reception.oak.test/cb', browser, 'dana@oak.test');
      expect(tokens.claims()!.aud).toBe('reception');

      const portal = await register(['--name', 'Portal', '--redirect-uri', 'https://old.oak.test/cb']);
      const rp = await discover(
        portal.client_id,
        portal.client_secret,
        oidc.ClientSecretBasic(portal.client_secret!),
      );
      /** The status of the sign-in page the authorization request leads to (400: refused redirect URI). */
      const viaProxy = async (redirectUri: string) => {
        const page = new Browser();
        page.fetch = proxy.fetch;
        const url = oidc.buildAuthorizationUrl(rp, {
          redirect_uri: redirectUri,
          scope: 'openid',
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
        });
        return (await page.get(url)).status;
      };
      expect(await viaProxy('https://old.oak.test/cb')).toBe(200);
      const updated = await twostep(
        ['client', 'update', '--id', portal.client_id, '--redirect-uri', 'https://new.oak.test/cb'],
        env,
      );
      expect(updated.code, updated.stderr).toBe(0);
      expect(await viaProxy('https://old.oak.test/cb')).toBe(400);
      expect(await viaProxy('https://new.oak.test/cb')).toBe(200);
    });

    it('without trustProxy: a page naming the setting and a log line, never a bare 500', async () => {
      const untrusted = await startServe(['--trust-proxy', 'false'], env);
      const second = await startTlsProxy();
      try {
        second.target = backendOf(untrusted);
        // The issuer of the config file stays; this proxy is just another way in.
        const page = await second.fetch(`${second.origin}/auth?client_id=x`);
        expect(page.status).toBe(400);
        const body = await page.text();
        expect(body).toContain('trustProxy');
        expect(body).toContain('TWOSTEP_TRUST_PROXY');
        await untrusted.until('set trustProxy (TWOSTEP_TRUST_PROXY)');
        expect(untrusted.output()).not.toContain('Cannot send secure cookie');
      } finally {
        await untrusted.stop();
        await second.close();
      }
    });
  },
);
