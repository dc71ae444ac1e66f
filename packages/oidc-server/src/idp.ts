import { randomBytes } from 'node:crypto';
import {
  consoleLogger,
  createPasswordHasher,
  createTwostep,
  type Notifier,
  type PasswordHasher,
  systemClock,
  type Twostep,
  withCallTimeouts,
  withStoreTimeouts,
} from '@twostep/core';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type Provider from 'oidc-provider';
import { type AdapterClass, type IdpConfig, type IdpOptions, parseIdpOptions } from './config.ts';
import { openingClientSecrets } from './client-secrets.ts';
import { createCsrf } from './csrf.ts';
import { IDP_DEFAULTS } from './defaults.ts';
import { classify } from './errors.ts';
import { consoleClient, consoleRouter } from './console/index.ts';
import type { Deps } from './interactions/context.ts';
import { interactionRouter } from './interactions/index.ts';
import { passwordResetRouter } from './password-reset.ts';
import { createPasswordCheck } from './interactions/password.ts';
import { generateCookieKey, generateSigningKey } from './keys.ts';
import { createMemoryAdapter } from './memory-adapter.ts';
import { languageRouter } from './language.ts';
import { bestLocale, localeMiddleware, t, withLocale } from './messages/index.ts';
import { errorPage, wayForward } from './pages/misc.ts';
import { pinIssuerHost, requireSecureTransport } from './origin.ts';
import { createProvider } from './provider.ts';
import { provisioningRouter } from './provisioning/index.ts';
import type { Readiness } from './ops/health.ts';
import { coreLogger, requestLogging } from './ops/logging.ts';
import { httpMetrics } from './ops/metrics.ts';
import {
  type Observability,
  observeAdapter,
  observeDelivery,
  observeHasher,
  observeLimiter,
  observePasswordCheck,
  observeProvider,
  observeStores,
} from './ops/observe.ts';
import { serveWebauthnHelper } from './pages/webauthn.ts';
import { createRateLimiter } from './rate-limit.ts';
import { backchannelLogoutListener, backchannelTargets } from './sessions.ts';

export interface Idp {
  /** Express app: the interaction routes and oidc-provider, under the issuer's path. */
  app: Express;
  provider: Provider;
  twostep: Twostep;
  /** Store reachable within its deadline and signing keys loaded (`/readyz`, with `startServer`). */
  readiness(): Promise<Readiness>;
  /** The bounded password hashing: `stats()` (running, queued) and `onEvent()` (wait times) for metrics. */
  passwordHasher: PasswordHasher;
  /** Stops background work. The HTTP server is the caller's to close. */
  close(): Promise<void>;
}

/**
 * Creates the OpenID Provider with the 2-Step sign-in.
 *
 * @example
 * ```ts
 * const idp = createIdp({
 *   issuer: 'https://id.clinic.example',
 *   stores, secretBox, hashKey, smsSender,
 *   clients: [{ client_id: 'charts', client_secret, redirect_uris: ['https://charts.clinic.example/cb'], firstParty: true }],
 *   resourceServers: { 'https://api.clinic.example': { scope: 'charts:read' } },
 *   jwks, cookieKeys,
 * });
 * idp.app.listen(3000);
 * ```
 */
/** oidc-provider's own store calls (sessions, codes, tokens) get the same deadline as ours. */
function withAdapterTimeouts(Adapter: AdapterClass, timeoutMs: number, obs: Observability): AdapterClass {
  return function TimedAdapter(name: string) {
    return observeAdapter(
      withCallTimeouts(new Adapter(name), `oidc.${name}`, timeoutMs),
      `oidc.${name}`,
      obs,
    );
  } as unknown as AdapterClass;
}

export function createIdp(options: IdpOptions): Idp {
  const parsed = parseIdpOptions(options);
  const obs: Observability = { log: parsed.log, metrics: parsed.metrics };
  // Every store call of core, the interaction routes, the console and the provisioning API has a
  // deadline: a database that stops answering fails the request closed (503), it does not hold it.
  // Observed outside the deadline: a call that misses it is timed and counted.
  const config: IdpConfig = {
    ...parsed,
    stores: observeStores(withStoreTimeouts(parsed.stores, { timeoutMs: parsed.storeTimeoutMs }), obs),
    smsSender: observeDelivery(parsed.smsSender, 'sms', obs),
    ...(parsed.notifier ? { notifier: observeDelivery(parsed.notifier, 'email', obs) } : {}),
  };
  const logger = config.logger ?? (config.log ? coreLogger(config.log) : consoleLogger);
  const clock = config.clock ?? systemClock;
  if (!config.jwks) logger.warn('no jwks configured: generated a signing key (development only)');
  if (!config.cookieKeys) logger.warn('no cookieKeys configured: generated one (development only)');
  if (!config.adapter)
    logger.warn('no adapter configured: oidc-provider state is in memory (one process only)');
  const jwks = config.jwks ?? { keys: [generateSigningKey(), generateSigningKey(undefined, 'ES256')] };
  const cookieKeys = config.cookieKeys ?? [generateCookieKey()];

  // Built below; the listener only runs on a request, long after.
  let provider: Provider | undefined;
  const backchannel = backchannelTargets(config);
  const twostep = createTwostep({
    stores: config.stores,
    secretBox: config.secretBox,
    hashKey: config.hashKey,
    smsSender: config.smsSender,
    clock,
    logger,
    sessionListener: backchannelLogoutListener(() => provider!, backchannel, logger),
    ...(config.notifier ? { notifier: inDefaultLocale(config.notifier, config.defaultLocale) } : {}),
    // Code texts in the recipient's language (core says whose), from the page catalog.
    smsText: (text) =>
      withLocale(bestLocale([text.locale]) ?? config.defaultLocale, () =>
        t('sms.code', { code: text.code, sender: text.sender, minutes: text.minutes }),
      ),
    ...(config.core ? { config: config.core } : {}),
  });
  // The console's own first-party client (its sign-in is a use of this IdP: console/auth.ts).
  // Default adapter: Maps of this IdP's own, nothing evicted before it expires (memory-adapter.ts).
  const providerConfig = {
    ...config,
    adapter: withAdapterTimeouts(
      openingClientSecrets(config.adapter ?? createMemoryAdapter(), config.secretBox),
      config.storeTimeoutMs,
      obs,
    ),
    clients: [...config.clients, consoleClient(config)],
  };
  provider = createProvider(providerConfig, { jwks, cookieKeys }, config.stores, logger, backchannel);
  if (obs.log || obs.metrics) observeProvider(provider, obs);
  const passwordHasher = createPasswordHasher({ cost: config.passwordCost, ...config.passwordHashing });
  if (obs.log || obs.metrics) observeHasher(passwordHasher, obs);
  const deps: Deps = {
    config,
    provider,
    twostep,
    stores: config.stores,
    csrf: createCsrf(cookieKeys),
    limiter: observeLimiter(
      createRateLimiter(config.stores.counters, clock, config.rateLimits.windowSeconds),
      obs,
    ),
    clock,
    logger,
    authenticate: observePasswordCheck(
      createPasswordCheck({ stores: config.stores, twostep, hasher: passwordHasher, clock, logger }),
      obs,
    ),
  };

  const app = express();
  app.disable('x-powered-by');
  // First: every later line (ours, core's, oidc-provider's) carries the request id.
  if (config.log) app.use(requestLogging(config.log));
  if (config.metrics) app.use(httpMetrics(config.metrics));
  if (config.trustProxy !== undefined && config.trustProxy !== false) {
    app.set('trust proxy', config.trustProxy);
    provider.proxy = true;
  }
  app.use(pinIssuerHost(config.issuerUrl));
  // Every page below, ours and oidc-provider's, is in the language this request resolves to.
  app.use(localeMiddleware(config.defaultLocale, config.basePath));
  app.use(cspNonce);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          // No scripts of ours; oidc-provider adds a hash for its form_post page.
          scriptSrc: [(_req, res) => `'nonce-${(res as express.Response).locals.cspNonce}'`],
          styleSrc: [(_req, res) => `'nonce-${(res as express.Response).locals.cspNonce}'`],
          imgSrc: ["'self'", 'data:'],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
          // No form-action: browsers apply it to the redirect chain back to the app's redirect_uri.
        },
      },
      strictTransportSecurity: config.issuerUrl.protocol === 'https:',
    }),
  );
  app.use(requireSecureTransport(config.issuerUrl, config.siteName, logger));
  app.use(config.basePath || '/', languageRouter(config));
  app.use(config.basePath || '/', provisioningRouter({ config, provider, twostep, clock, logger }));
  app.get(`${config.basePath}/webauthn.js`, serveWebauthnHelper);
  app.use(config.basePath || '/', interactionRouter(deps, IDP_DEFAULTS.bodyLimitBytes));
  app.use(config.basePath || '/', passwordResetRouter(deps, passwordHasher, IDP_DEFAULTS.bodyLimitBytes));
  app.use(config.basePath || '/', consoleRouter(deps, cookieKeys, IDP_DEFAULTS.bodyLimitBytes));
  app.use(config.basePath || '/', provider.callback() as RequestHandler);
  app.use(errorHandler(config.siteName, config.basePath, logger));

  return {
    app,
    provider,
    twostep,
    passwordHasher,
    async readiness() {
      if (jwks.keys.length === 0) return { ready: false, reason: 'no_signing_keys' };
      try {
        // Any read goes through the deadline: a database that does not answer in time is not ready.
        await config.stores.clinics.get('readiness-probe');
        return { ready: true };
      } catch (error) {
        logger.warn('readiness: store unavailable', { error });
        return { ready: false, reason: 'store_unavailable' };
      }
    },
    async close() {
      // The in-memory adapter has no timers; a persistent adapter is closed by its owner.
    },
  };
}

/** Emails for someone with no language of their own nor a clinic default are in the server's. */
function inDefaultLocale(notifier: Notifier, locale: string): Notifier {
  return { notify: (n) => notifier.notify(n.locale === undefined ? { ...n, locale } : n) };
}

const cspNonce: RequestHandler = (_req, res, next) => {
  res.locals.cspNonce = randomBytes(16).toString('base64');
  next();
};

function errorHandler(
  siteName: string,
  basePath: string,
  logger: { error(message: string, details?: Record<string, unknown>): void },
) {
  const handler: ErrorRequestHandler = (error, _req, res, _next) => {
    const { status, expired } = classify(error);
    if (status >= 500) logger.error('interaction failed', { error });
    const key = expired ? 'error.expired' : (`error.${status}` as const);
    const message =
      key in MESSAGE_KEYS ? t(key as 'error.400') : t(status >= 500 ? 'error.500' : 'error.400');
    res
      .status(status)
      .type('html')
      .set('Cache-Control', 'no-store')
      .send(
        errorPage(
          { nonce: String(res.locals.cspNonce), siteName },
          message,
          wayForward(basePath, expired ? 'expired' : 'other'),
        ),
      );
  };
  return handler;
}

const MESSAGE_KEYS = {
  'error.expired': 1,
  'error.400': 1,
  'error.403': 1,
  'error.404': 1,
  'error.413': 1,
  'error.429': 1,
  'error.500': 1,
  'error.503': 1,
};
