/**
 * `startTestIdp()`: a real `@twostep/oidc-server` on 127.0.0.1 (port 0) with
 * the memory store, seeded for end-to-end tests (e2e-oidc, express-mfa, browser):
 *
 * - clinic "Maple Street Physio", enforcing 2-Step, trusted devices allowed:
 *   - `owner` — Full Access User, authenticator app (TOTP) enrolled; `totpSecret` and `recoveryCode` given;
 *     the only one with given/family name and locale (profile claims);
 *   - `practitioner` — no factor yet (sign-in forces enrollment);
 *   - `frontDesk` — SMS enrolled (`phone`); codes arrive in `sms.messages` (newest first);
 * - clinic "Birch Lane Dental", not enforcing: `relaxed` — password only (acr loa:1fa).
 *
 * Clients (both first-party, no consent screen): confidential `clientId`/`clientSecret`
 * and public `publicClientId` (PKCE, no secret), with `redirectUris` (default
 * `http://127.0.0.1:9/callback`), plus a third-party `thirdPartyClientId` (same secret; consent
 * screen). Resource server `https://api.clinic.test` (JWT access tokens).
 * Core uses `clock` (a `manualClock`): move it to expire SMS codes or pass TOTP steps;
 * oidc-provider keeps real time. `totpCode(secret)` gives the code at `clock`'s time;
 * `nextTotpCode(secret)` moves `clock` 30 s first (a code is accepted once per step).
 * The password hash cost is lowered (argon2id, 256 KiB, t=1) so tests run fast.
 * On MongoDB (test/e2e-mongo): pass `stores` and `adapter` (`createOidcAdapter`), and fixed
 * `jwks`/`cookieKeys`/`secretBox`/`hashKey` when other IdP processes share the database.
 *
 * @example
 * ```ts
 * const idp = await startTestIdp({ redirectUris: ['http://127.0.0.1:4000/cb'] });
 * // … run an authorization-code flow against idp.issuer …
 * await idp.close();
 * ```
 */
import { randomBytes } from 'node:crypto';
import {
  type Clinic,
  type CoreConfigInput,
  createAesGcmSecretBox,
  createMemoryStores,
  createTwostep,
  hashPassword,
  type Logger,
  manualClock,
  outboxNotifier,
  outboxSmsSender,
  type SecretBox,
  type StaffMember,
  type Stores,
  TOTP,
} from '@twostep/core';
import {
  type AdapterClass,
  createIdp,
  generateCookieKey,
  generateSigningKey,
  type Idp,
  type IdpClient,
  type IdpMetrics,
  type IdpOptions,
  type Log,
  type RateLimits,
  type RunningServer,
  startServer,
} from '@twostep/oidc-server';
import { codeAt, TEST_PASSWORD_COST } from '../../packages/core/test/fixtures.ts';

export const API_AUDIENCE = 'https://api.clinic.test';
export { TEST_PASSWORD_COST };

/**
 * An HTTP server on 127.0.0.1 (port 0) that answers 503 until `serve(app)`: an IdP's issuer
 * names the port, so the server listens before the IdP is created. It is `startServer`'s
 * (`/healthz`, `/readyz`, `/metrics` when given `metrics`); `close()` cuts open connections.
 */
export async function listenFirst(
  options: { metrics?: IdpMetrics; log?: Log; issuerHost?: IssuerHost } = {},
): Promise<{
  issuer: string;
  server: RunningServer;
  serve(app: Idp['app'], ready?: Idp['readiness']): void;
  close(): Promise<void>;
}> {
  const { issuerHost = '127.0.0.1', ...serverOptions } = options;
  const server = await startServer({ port: 0, graceMs: 0, ...serverOptions });
  return {
    issuer: `http://${issuerHost}:${server.port}`,
    server,
    serve: (app, ready) => server.serve(app, ready),
    close: () => server.shutdown(),
  };
}

/**
 * The host name in the issuer (the server always listens on 127.0.0.1). `localhost` for WebAuthn in
 * a browser: an IP address cannot be an RP ID, and `http://localhost` is a secure context.
 */
export type IssuerHost = '127.0.0.1' | 'localhost';

export interface TestIdpOptions {
  /** The issuer's host name; default `127.0.0.1` (see `IssuerHost`). */
  issuerHost?: IssuerHost;
  redirectUris?: string[];
  /** `createIdp`'s `storedClients` (clients kept in the database). */
  storedClients?: IdpOptions['storedClients'];
  /** `clinic-app`'s back-channel logout URI (with `backchannel_logout_session_required`). */
  backchannelLogoutUri?: string;
  postLogoutRedirectUris?: string[];
  /** Use these stores (e.g. `createMemoryStores({ faults })`); seeding runs before faults matter if they start off. */
  stores?: Stores;
  core?: CoreConfigInput;
  rateLimits?: Partial<RateLimits>;
  /** oidc-provider adapter class (e.g. `createOidcAdapter(connection)`); default in memory. */
  adapter?: AdapterClass;
  /** Fixed keys (e.g. shared with other IdP processes); default: fresh random ones. */
  jwks?: IdpOptions['jwks'];
  cookieKeys?: string[];
  secretBox?: SecretBox;
  hashKey?: Uint8Array;
  /** `createIdp`'s `storeTimeoutMs` (ms a store call may take); default the IdP's (5000). */
  storeTimeoutMs?: number;
  /** JSON logs (`createLog`) and metrics (`createMetrics`, served at `/metrics`). */
  log?: Log;
  metrics?: IdpMetrics;
  /** `signingAlg` of the test API's JWT access tokens; default the IdP's (RS256). */
  resourceServerSigningAlg?: 'RS256' | 'ES256' | 'EdDSA';
  /** More metadata for the confidential client `clinic-app` (e.g. `id_token_signed_response_alg`). */
  clientMetadata?: Partial<IdpClient>;
  /** `createIdp`'s `passwordCost` (new hashes and the dummy hash); default TEST_PASSWORD_COST. */
  passwordCost?: IdpOptions['passwordCost'];
  /** `createIdp`'s bound on password hashing; default the IdP's. */
  passwordHashing?: IdpOptions['passwordHashing'];
  /** `createIdp`'s `defaultLocale` (pages when nothing else decides); default the IdP's (`en`). */
  defaultLocale?: string;
}

export interface TestStaff {
  id: string;
  email: string;
  password: string;
  /** Base32; owner only. */
  totpSecret?: string;
  /** The recovery code issued at enrollment (owner, frontDesk). */
  recoveryCode?: string;
  phone?: string;
}

export interface TestIdp {
  issuer: string;
  /** Same as issuer (the server root). */
  url: string;
  idp: Idp;
  stores: Stores;
  clock: ReturnType<typeof manualClock>;
  sms: ReturnType<typeof outboxSmsSender>;
  notifier: ReturnType<typeof outboxNotifier>;
  clinic: Clinic;
  relaxedClinic: Clinic;
  staff: { owner: TestStaff; practitioner: TestStaff; frontDesk: TestStaff; relaxed: TestStaff };
  clientId: string;
  clientSecret: string;
  publicClientId: string;
  /** Not first-party: shows the consent page. Secret: `clientSecret`. */
  thirdPartyClientId: string;
  redirectUri: string;
  /** Messages logged by the IdP (warnings and errors), with their details (e.g. `{ error }`). */
  logs: { level: 'warn' | 'error'; message: string; details?: Record<string, unknown> }[];
  totpCode(secret: string): string;
  nextTotpCode(secret: string): string;
  /** The latest SMS code sent to `phone`. */
  lastSmsCode(phone: string): string | undefined;
  close(): Promise<void>;
}

export async function startTestIdp(options: TestIdpOptions = {}): Promise<TestIdp> {
  const stores = options.stores ?? createMemoryStores();
  const clock = manualClock(new Date());
  const sms = outboxSmsSender();
  const notifier = outboxNotifier();
  const logs: TestIdp['logs'] = [];
  const logger: Logger = {
    warn: (message, details) => logs.push({ level: 'warn', message, details }),
    error: (message, details) => logs.push({ level: 'error', message, details }),
  };
  const secretBox =
    options.secretBox ?? createAesGcmSecretBox([{ id: 'test', key: new Uint8Array(randomBytes(32)) }]);
  const hashKey = options.hashKey ?? new Uint8Array(randomBytes(32));
  const totpCode = (secret: string) => codeAt(secret, clock);
  const lastSmsCode = (phone: string) => sms.messages.find((m) => m.to === phone)?.body.slice(0, 6);

  // Seed through core, as the app would.
  const seed = createTwostep({ stores, secretBox, hashKey, smsSender: sms, notifier, clock, logger });
  const now = clock.now();
  const clinic: Clinic = {
    id: 'clinic-maple',
    name: 'Maple Street Physio',
    enforceTwoStep: true,
    allowTrustedDevices: true,
    createdAt: now,
  };
  const relaxedClinic: Clinic = {
    id: 'clinic-birch',
    name: 'Birch Lane Dental',
    enforceTwoStep: false,
    allowTrustedDevices: true,
    createdAt: now,
  };
  await stores.clinics.create(clinic);
  await stores.clinics.create(relaxedClinic);
  const addStaff = async (
    id: string,
    clinicId: string,
    email: string,
    name: string,
    role: StaffMember['role'],
    profile: Pick<StaffMember, 'givenName' | 'familyName' | 'locale'> = {},
  ) => {
    const password = `pw-${randomBytes(9).toString('base64url')}`;
    const member: StaffMember = {
      id,
      clinicId,
      email,
      name,
      role,
      ...profile,
      passwordHash: await hashPassword(password, TEST_PASSWORD_COST),
      active: true,
      createdAt: now,
    };
    await stores.staff.create(member);
    return { member, info: { id, email, password } as TestStaff };
  };
  const owner = await addStaff('staff-owner', clinic.id, 'owner@maple.test', 'Olivia Owner', 'full_access', {
    givenName: 'Olivia',
    familyName: 'Owner',
    locale: 'en-CA',
  });
  const practitioner = await addStaff('staff-prac', clinic.id, 'pat@maple.test', 'Pat Practitioner', 'staff');
  const frontDesk = await addStaff('staff-desk', clinic.id, 'desk@maple.test', 'Dana Desk', 'staff');
  const relaxed = await addStaff('staff-relaxed', relaxedClinic.id, 'rob@birch.test', 'Rob Relaxed', 'staff');
  const system = { actorId: null };

  const setup = await seed.enrollment.startTotp(owner.member);
  const ownerConfirm = await seed.enrollment.confirmTotp(system, owner.member, totpCode(setup.secret));
  if (!ownerConfirm.ok) throw new Error(`seeding owner TOTP failed: ${ownerConfirm.reason}`);
  owner.info.totpSecret = setup.secret;
  owner.info.recoveryCode = ownerConfirm.recoveryCode ?? undefined;

  frontDesk.info.phone = '+16135550123';
  const sent = await seed.enrollment.startSms(system, frontDesk.member, frontDesk.info.phone);
  if (!sent.ok) throw new Error(`seeding front-desk SMS failed: ${sent.reason}`);
  const deskConfirm = await seed.enrollment.confirmSms(
    system,
    frontDesk.member,
    lastSmsCode(frontDesk.info.phone),
  );
  if (!deskConfirm.ok) throw new Error(`seeding front-desk SMS failed: ${deskConfirm.reason}`);
  frontDesk.info.recoveryCode = deskConfirm.recoveryCode ?? undefined;
  clock.advance(60_000); // past the enrollment step and SMS cooldown

  // Listen first: the issuer needs the port.
  const server = await listenFirst({
    ...(options.issuerHost ? { issuerHost: options.issuerHost } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const { issuer } = server;

  const redirectUris = options.redirectUris ?? ['http://127.0.0.1:9/callback'];
  const clientSecret = randomBytes(24).toString('base64url');
  const idp = createIdp({
    issuer,
    stores,
    secretBox,
    hashKey,
    smsSender: sms,
    notifier,
    clock,
    // With `log`, core's warnings go to the JSON log too (`logs` stays empty).
    ...(options.log ? {} : { logger }),
    jwks: options.jwks ?? { keys: [generateSigningKey('test-key-1')] },
    cookieKeys: options.cookieKeys ?? [generateCookieKey()],
    passwordCost: options.passwordCost ?? TEST_PASSWORD_COST,
    ...(options.passwordHashing ? { passwordHashing: options.passwordHashing } : {}),
    siteName: 'Clinic sign-in',
    clients: [
      {
        client_id: 'clinic-app',
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        post_logout_redirect_uris: options.postLogoutRedirectUris ?? redirectUris,
        token_endpoint_auth_method: 'client_secret_basic',
        client_name: 'Clinic App',
        firstParty: true,
        ...(options.backchannelLogoutUri
          ? {
              backchannel_logout_uri: options.backchannelLogoutUri,
              backchannel_logout_session_required: true,
            }
          : {}),
        ...options.clientMetadata,
      },
      {
        client_id: 'clinic-spa',
        redirect_uris: redirectUris,
        post_logout_redirect_uris: options.postLogoutRedirectUris ?? redirectUris,
        token_endpoint_auth_method: 'none',
        client_name: 'Clinic SPA',
        firstParty: true,
      },
      {
        client_id: 'partner-app',
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        token_endpoint_auth_method: 'client_secret_basic',
        client_name: 'Partner Billing',
        firstParty: false,
      },
    ],
    resourceServers: {
      [API_AUDIENCE]: {
        scope: 'charts:read charts:write',
        ...(options.resourceServerSigningAlg ? { signingAlg: options.resourceServerSigningAlg } : {}),
      },
    },
    ...(options.core ? { core: options.core } : {}),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    ...(options.adapter ? { adapter: options.adapter } : {}),
    ...(options.storeTimeoutMs === undefined ? {} : { storeTimeoutMs: options.storeTimeoutMs }),
    ...(options.storedClients ? { storedClients: options.storedClients } : {}),
    ...(options.defaultLocale ? { defaultLocale: options.defaultLocale } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  server.serve(idp.app, idp.readiness);

  return {
    issuer,
    url: issuer,
    idp,
    stores,
    clock,
    sms,
    notifier,
    clinic,
    relaxedClinic,
    staff: {
      owner: owner.info,
      practitioner: practitioner.info,
      frontDesk: frontDesk.info,
      relaxed: relaxed.info,
    },
    clientId: 'clinic-app',
    clientSecret,
    publicClientId: 'clinic-spa',
    thirdPartyClientId: 'partner-app',
    redirectUri: redirectUris[0]!,
    logs,
    totpCode,
    nextTotpCode(secret) {
      clock.advance(TOTP.period * 1000);
      return totpCode(secret);
    },
    lastSmsCode,
    async close() {
      await idp.close();
      await server.close();
    },
  };
}
