/**
 * oidc-provider configuration: clients, keys, claims, token formats, and the
 * `login` prompt's checks for acr / max_age step-ups.
 */
import { ACR, acrSatisfies, isTwostepError, type Logger, type Stores } from '@twostep/core';
import Provider, {
  type Configuration,
  errors,
  interactionPolicy,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { IdpConfig } from './config.ts';
import { IDP_DEFAULTS } from './defaults.ts';
import { currentLocale, learnLocale, SUPPORTED_LOCALES, t } from './messages/index.ts';
import { errorPage, logoutPage, messagePage, wayForward } from './pages/misc.ts';
import { clinicIdOf } from './provisioning/auth.ts';
import { type BackchannelTargets, backchannelTargets, signedInBeforeEnd } from './sessions.ts';
import { CONSOLE_DEFAULTS, createSealer, hasSignOutMark, SIGN_OUT_MARK } from './console/session.ts';
import { ADMIN_SCOPE, adminAudience, PROVISIONING_DEFAULTS } from './provisioning/constants.ts';

const { Check } = interactionPolicy;

/** The acr values we know that the request asks for: `acr_values` or the `claims` parameter's `id_token.acr`. */
export function requestedAcrs(params: Record<string, unknown>): string[] {
  return allRequestedAcrs(params).filter((v) => KNOWN_ACRS.has(v));
}

const KNOWN_ACRS = new Set<string>([ACR.oneFactor, ACR.twoFactor, ACR.phishingResistant]);

/** Every requested acr value; unknown ones are ignored by the callers (acr_values is a wish list). */
function allRequestedAcrs(params: Record<string, unknown>): string[] {
  const values: string[] = [];
  if (typeof params.acr_values === 'string') values.push(...params.acr_values.split(' ').filter(Boolean));
  if (typeof params.claims === 'string') {
    try {
      const acr = (
        JSON.parse(params.claims) as { id_token?: { acr?: { value?: unknown; values?: unknown } } }
      ).id_token?.acr;
      if (typeof acr?.value === 'string') values.push(acr.value);
      if (Array.isArray(acr?.values))
        values.push(...acr.values.filter((v): v is string => typeof v === 'string'));
    } catch {
      // oidc-provider rejects an unparsable claims parameter before any interaction.
    }
  }
  return values;
}

/**
 * The `claims` parameter's essential `id_token.acr` values (OIDC Core §5.5.1.1), known to us or
 * not: `claims` as the request's string or as oidc-provider's parsed object.
 */
export function essentialAcrs(claims: unknown): string[] {
  let parsed = claims;
  if (typeof claims === 'string') {
    try {
      parsed = JSON.parse(claims);
    } catch {
      return [];
    }
  }
  const acr = (
    parsed as { id_token?: { acr?: { essential?: unknown; value?: unknown; values?: unknown } } } | null
  )?.id_token?.acr;
  if (acr?.essential !== true) return [];
  const values = [acr.value, ...(Array.isArray(acr.values) ? acr.values : [])];
  return values.filter((v): v is string => typeof v === 'string');
}

/** The highest of `requested` that a sign-in at `acr` meets (phr, then 2fa, then 1fa); undefined when none is. */
export function highestMetAcr(acr: string | undefined, requested: readonly string[]): string | undefined {
  return [ACR.phishingResistant, ACR.twoFactor, ACR.oneFactor].find(
    (level) => requested.includes(level) && acrSatisfies(acr, level),
  );
}

/**
 * True when only a 2-Step sign-in meets the request. We treat `acr_values`
 * as a requirement, not a wish: an app that asks for loa:2fa means it.
 */
export function requires2fa(params: Record<string, unknown>): boolean {
  const values = requestedAcrs(params);
  return values.length > 0 && !values.some((v) => acrSatisfies(ACR.oneFactor, v));
}

/** True when only a passkey sign-in (loa:phr) meets the request: codes and remembered devices do not. */
export function requiresPhishingResistant(params: Record<string, unknown>): boolean {
  const values = requestedAcrs(params);
  return values.length > 0 && !values.some((v) => acrSatisfies(ACR.twoFactor, v));
}

/** CSP nonce of the current response (set by the Express middleware before oidc-provider runs). */
export function nonceOf(ctx: KoaContextWithOIDC | { res: unknown }): string {
  const locals = (ctx.res as { locals?: { cspNonce?: unknown } }).locals;
  return typeof locals?.cspNonce === 'string' ? locals.cspNonce : '';
}

/**
 * The `login` prompt, with our acr rules instead of oidc-provider's exact
 * match (which would re-prompt a 2fa session for an essential 1fa and loop).
 * Every check stands down right after a login result: the interaction then
 * either met the requirement or finished with an error, never loops.
 */
function policy(stores: Stores) {
  const base = interactionPolicy.base();
  const login = base.get('login')!;
  login.checks.remove('essential_acrs');
  login.checks.remove('essential_acr');
  login.checks.add(
    new Check('twostep_acr', 'requested ACR could not be obtained', 'login_required', (ctx) => {
      const { oidc } = ctx;
      if (oidc.result?.login) return Check.NO_NEED_TO_PROMPT;
      const acr = oidc.session?.acr;
      const essential = essentialAcrs(oidc.params?.claims);
      if (essential.length > 0 && highestMetAcr(acr, essential) === undefined) return Check.REQUEST_PROMPT;
      const values = requestedAcrs(oidc.params as Record<string, unknown>);
      if (values.length === 0) return Check.NO_NEED_TO_PROMPT;
      return values.some((v) => acrSatisfies(acr, v)) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
  // A remembered device skipped the code: its session never meets max_age (docs/architecture.md, "Claims").
  login.checks.add(
    new Check('twostep_max_age_device', 'a fresh second factor is required', 'login_required', (ctx) => {
      const { oidc } = ctx;
      if (oidc.params?.max_age === undefined || oidc.result?.login) return Check.NO_NEED_TO_PROMPT;
      return oidc.session?.amr?.includes('trusted_device') ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
  // Sign out everywhere, a password change, a pause or a reset ended this person's sessions after
  // this sign-in: the IdP's own session ends too (password again, see interactions/start.ts).
  login.checks.add(
    new Check(SESSIONS_ENDED, 'the sign-in session was ended', 'login_required', async (ctx) => {
      const { oidc } = ctx;
      const accountId = oidc.session?.accountId;
      if (!accountId || oidc.result?.login) return Check.NO_NEED_TO_PROMPT;
      return (await signedInBeforeEnd(stores, accountId, oidc.session?.authTime()))
        ? Check.REQUEST_PROMPT
        : Check.NO_NEED_TO_PROMPT;
    }),
  );
  return base;
}

/**
 * OIDC Core §5.5.1.1: an essential `acr` request is answered with one of the requested values, the
 * highest the sign-in meets (a 2fa sign-in asked for essential 1fa says 1fa). oidc-provider copies
 * the session's acr into the authorization code, and from it into the ID, access and refresh
 * tokens; it has no setting for this, so this provider's own code class sets the answer before it
 * is saved (the code carries the request's claims). `twostep_acr` and `finishSignIn` make sure a
 * code is only issued when some requested value is met; should one get here, it fails closed.
 */
function answerEssentialAcr(provider: Provider): void {
  const { prototype } = provider.AuthorizationCode;
  const save = prototype.save;
  prototype.save = function (this: InstanceType<Provider['AuthorizationCode']>) {
    const essential = essentialAcrs(this.claims);
    if (essential.length > 0) {
      const answer = highestMetAcr(this.acr, essential);
      if (answer === undefined) throw new errors.UnmetAuthenticationRequirements();
      this.acr = answer;
    }
    return save.call(this);
  };
}

/** The login prompt's reason when the person's sessions were ended after this sign-in. */
export const SESSIONS_ENDED = 'twostep_sessions_ended';

export function createProvider(
  config: IdpConfig,
  keys: { jwks: { keys: NonNullable<Configuration['jwks']>['keys'] }; cookieKeys: string[] },
  stores: Stores,
  logger: Logger,
  backchannel: BackchannelTargets = backchannelTargets(config),
): Provider {
  const firstParty = new Set(config.clients.filter((c) => c.firstParty).map((c) => c.client_id));
  // The same keys as the console's (console/index.ts): it marks its own sign-out with them.
  const signOutSealer = createSealer(keys.cookieKeys);
  const clients = config.clients.map(({ firstParty: _firstParty, ...metadata }) =>
    metadata.clinic_id === undefined
      ? {
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code' as const],
          ...metadata,
        }
      : // A provisioning client: client credentials for the admin API only.
        { redirect_uris: [], response_types: [], ...metadata },
  );
  const adminApi = adminAudience(config.issuer);
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies, signed: true };
  const resourceServers = config.resourceServers;

  // Back-channel logout goes to the apps the operator registered (configured or stored), often on the
  // clinic's own network or host: private and loopback addresses, which oidc-provider's SSRF guard
  // refuses. Exactly those URIs skip the guard; every other outgoing request keeps it.
  const configuration: Configuration = {
    ...(config.adapter ? { adapter: config.adapter } : {}),
    async fetch(url, options) {
      if (!(await backchannel.isTarget(String(url)))) return globalThis.fetch(url, options);
      const { dispatcher: _guard, ...unguarded } = options as RequestInit & { dispatcher?: unknown };
      return globalThis.fetch(url, unguarded);
    },
    clients,
    jwks: keys.jwks,
    cookies: { keys: keys.cookieKeys, long: cookie, short: cookie },
    acrValues: [ACR.oneFactor, ACR.twoFactor, ACR.phishingResistant],
    scopes: [...IDP_DEFAULTS.scopes],
    // acr, amr and auth_time belong to `openid`, so they are in every ID token, not only on request.
    claims: {
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'locale', 'clinic_id', 'role'],
      sid: null,
      iss: null,
    },
    conformIdTokenClaims: true,
    // The languages of the sign-in pages; an app's `ui_locales` picks among them.
    discovery: { ui_locales_supported: [...SUPPORTED_LOCALES] },
    ttl: { ...IDP_DEFAULTS.ttl },
    pkce: { required: () => true },
    responseTypes: ['code'],
    rotateRefreshToken: true,
    // Refresh tokens for every client allowed the grant, without `prompt=consent` + offline_access.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // `clinic_id`: the one clinic a provisioning client may administer through /api/v1.
    // `first_party`: a client stored in the database (`twostep client register`) that is one of the
    // clinic's own apps (configured clients say `firstParty` instead).
    extraClientMetadata: {
      properties: ['clinic_id', 'first_party'],
      validator(_ctx, key, value, metadata) {
        if (key === 'first_party') {
          if (value !== undefined && typeof value !== 'boolean')
            throw new errors.InvalidClientMetadata('first_party must be a boolean');
          if (value === true && metadata.clinic_id !== undefined)
            throw new errors.InvalidClientMetadata('a provisioning client is not first-party');
          return;
        }
        if (key !== 'clinic_id' || value === undefined) return;
        if (typeof value !== 'string' || value === '')
          throw new errors.InvalidClientMetadata('clinic_id must be a non-empty string');
        const grants = metadata.grant_types;
        if (!Array.isArray(grants) || grants.length !== 1 || grants[0] !== 'client_credentials')
          throw new errors.InvalidClientMetadata(
            "a client with a clinic_id has only the 'client_credentials' grant",
          );
      },
    },
    async findAccount(_ctx, sub) {
      const staff = await stores.staff.get(sub);
      if (!staff?.active) return undefined;
      return {
        accountId: staff.id,
        claims: () => ({
          sub: staff.id,
          email: staff.email,
          email_verified: false,
          name: staff.name,
          given_name: staff.givenName,
          family_name: staff.familyName,
          locale: staff.locale,
          clinic_id: staff.clinicId,
          role: staff.role,
        }),
      };
    },
    // First-party apps get their requested scopes without a consent screen.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session!.grantIdFor(oidc.client!.clientId);
      const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      const client = oidc.client!;
      if (!firstParty.has(client.clientId) && client.metadata().first_party !== true) return existing;
      const grant =
        existing ??
        new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId! });
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
      // …and the claims its `claims` parameter names (e.g. `locale` in the ID Token).
      if (oidc.requestParamClaims?.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
      for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
        grant.addResourceScope(indicator, server.scope);
      }
      await grant.save();
      return grant;
    },
    // RFC 9470: APIs see how the user signed in. The source is the code or refresh token being exchanged.
    async extraTokenClaims(ctx, token) {
      if (token.kind !== 'AccessToken') return undefined;
      const source = ctx?.oidc?.entities?.AuthorizationCode ?? ctx?.oidc?.entities?.RefreshToken;
      if (!source) return undefined;
      return { acr: source.acr, amr: source.amr, auth_time: source.authTime };
    },
    interactions: {
      policy: policy(stores),
      url: (_ctx, interaction) => `${config.basePath}/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      introspection: {
        enabled: true,
        // oidc-provider's default, plus: a deactivated staff member's tokens introspect as inactive.
        async allowedPolicy(_ctx, client, token) {
          if (client.clientAuthMethod === 'none' && token.clientId !== client.clientId) return false;
          const accountId = 'accountId' in token ? token.accountId : undefined;
          if (accountId) return (await stores.staff.get(accountId))?.active === true;
          return true;
        },
      },
      // Provisioning clients get admin API tokens (see src/provisioning).
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      // Apps registered with a backchannel_logout_uri hear about sign-outs (sessions.ts).
      backchannelLogout: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          await learnPersonLocale(ctx.oidc?.session?.accountId);
          ctx.type = 'html';
          // The account page's own sign-out was already confirmed there (its CSRF-checked form).
          const answered =
            ctx.oidc?.client?.clientId === CONSOLE_DEFAULTS.clientId &&
            hasSignOutMark(signOutSealer, ctx.get('cookie'));
          // Used once: a later sign-out link from elsewhere asks again.
          if (answered) {
            ctx.cookies.set(SIGN_OUT_MARK.cookie, null, {
              path: `${config.basePath}/session/end`,
              signed: false,
            });
          }
          ctx.body = logoutPage({ nonce: nonceOf(ctx), siteName: config.siteName }, form, answered);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = messagePage(
            { nonce: nonceOf(ctx), siteName: config.siteName },
            t('logout.title'),
            t('logout.done'),
          );
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, client, oneOf) => oneOf ?? (clinicIdOf(client) ? adminApi : undefined!),
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, indicator, client) {
          // The admin API: only for provisioning clients, and they get nothing else.
          // Opaque tokens, looked up on every call, so revocation takes effect at once.
          if (clinicIdOf(client) || indicator === adminApi) {
            if (!clinicIdOf(client) || indicator !== adminApi) throw new errors.InvalidTarget();
            return {
              scope: ADMIN_SCOPE,
              audience: adminApi,
              accessTokenFormat: 'opaque',
              accessTokenTTL: PROVISIONING_DEFAULTS.accessTokenTTL,
            };
          }
          const server = resourceServers[indicator];
          if (!server) throw new errors.InvalidTarget();
          return {
            scope: server.scope,
            audience: indicator,
            accessTokenFormat: 'jwt',
            accessTokenTTL: server.accessTokenTTL ?? IDP_DEFAULTS.ttl.AccessToken,
            jwt: { sign: { alg: server.signingAlg ?? 'RS256' } },
          };
        },
      },
    },
    async renderError(ctx, out, error) {
      // With `log`, ops/observe.ts logs every error event (server_error follows this page) once.
      if (!config.log && (!(error instanceof errors.OIDCProviderError) || error.status >= 500)) {
        logger.error('oidc-provider error', { error });
      }
      const uiLocales = ctx.oidc?.params?.ui_locales;
      learnLocale({ app: typeof uiLocales === 'string' ? uiLocales : undefined });
      ctx.type = 'html';
      // A store that is down (e.g. the adapter cannot reach MongoDB) is the 503 page, as in our routes.
      const storeDown = isTwostepError(error) && error.code === 'store_unavailable';
      if (storeDown) ctx.status = 503;
      const message = storeDown
        ? t('error.503')
        : error instanceof errors.SessionNotFound
          ? t('error.expired')
          : describedError(out);
      const expired = !storeDown && error instanceof errors.SessionNotFound;
      const appSignIn = ctx.oidc?.client?.initiateLoginUri;
      ctx.body = errorPage(
        { nonce: nonceOf(ctx), siteName: config.siteName },
        String(message),
        wayForward(config.basePath, expired ? 'expired' : 'other', appSignIn),
      );
    },
  };

  /**
   * What a refused request says: oidc-provider's description is English, for developers; other
   * languages get the catalog's sentence with the error code, which is the same in every language.
   */
  function describedError(out: { error: string; error_description?: string }): string {
    if (currentLocale() === 'en') return out.error_description ?? t('error.400');
    return `${t('error.400')} (${out.error})`;
  }

  /** The signed-in person's saved language, for oidc-provider's own pages (never fails the page). */
  async function learnPersonLocale(accountId: string | undefined): Promise<void> {
    if (!accountId) return;
    const staff = await stores.staff.get(accountId).catch(() => null);
    learnLocale({ person: staff?.locale });
  }

  const provider = new Provider(config.issuer.replace(/\/+$/, ''), configuration);
  answerEssentialAcr(provider);
  // An address nobody serves: the product's page with a way on, not Koa's bare "Not Found".
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.status !== 404 || ctx.body !== undefined || !['GET', 'HEAD'].includes(ctx.method)) return;
    ctx.status = 404;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = errorPage(
      { nonce: nonceOf(ctx), siteName: config.siteName },
      t('error.404'),
      wayForward(config.basePath, 'other'),
    );
  });
  // The JSON endpoints (token, userinfo, introspection, …) answer a store that is down with 503
  // too, not oidc-provider's generic 500 (renderError covers the HTML ones).
  provider.on('server_error', (ctx, error) => {
    if (!(isTwostepError(error) && error.code === 'store_unavailable') || !ctx.response.is('json')) return;
    ctx.status = 503;
    ctx.body = { error: 'temporarily_unavailable', error_description: 'the store is unavailable; try again' };
  });
  return provider;
}
