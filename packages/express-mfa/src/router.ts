import type { NextFunction, Request, RequestHandler, Response } from 'express';
import * as oidc from 'openid-client';
import { type RequireBearerOptions, requireBearer as bearerGuard } from './bearer.ts';
import { htmlPage } from './challenge.ts';
import { unmetRequirement } from './claims.ts';
import { pageLocale, pageTexts } from './messages.ts';
import type { TwostepClaims } from './claims.ts';
import { attachedState, attachState, type LoginRequest, type RequestState, stateOf } from './context.ts';
import { type CallbackFailureReason, type CallbackRefusal, TwostepError } from './errors.ts';
import { resolveOptions, type ResolvedOptions, type TwostepOptions } from './options.ts';
import { csrfTokens, readForm } from './form.ts';
import { safeReturnTo } from './return-url.ts';
import { logoutTokenVerifier } from './revocation.ts';
import { type SessionData, SessionManager, writable } from './session.ts';
import { asyncHandler, authGuard, type Guard, type RequireStepUpOptions, stepUpGuard } from './step-up.ts';

/**
 * The middleware returned by {@link twostep}: mount it with `app.use()`, then guard routes with its
 * methods (or the standalone `requireAuth()` / `requireStepUp()`). It is one function, not an
 * `express.Router`: it answers its own login, callback and logout paths (exact match) and passes
 * every other request on after setting `req.twostep`, so it costs one layer per request.
 *
 * @example
 * ```ts
 * const mw = twostep(options);
 * app.use(mw);
 * await mw.ready(); // optional: fail fast if the IdP is unreachable
 * ```
 */
export interface TwostepMiddleware extends RequestHandler {
  /** Runs OpenID Provider discovery now instead of on first use. Rejects with `discovery_failed`. */
  ready(): Promise<void>;
  /**
   * `requireAuth()`, and it opens the session itself when `app.use(mw)` has not run ahead of it
   * in the request: a route placed before `app.use(mw)` skips that layer (see the README's Performance).
   */
  requireAuth(): RequestHandler;
  /** `requireStepUp()`, and like `mw.requireAuth()` it needs no `app.use(mw)` ahead of it. */
  requireStepUp(options?: RequireStepUpOptions): RequestHandler;
  /** {@link requireBearer} with this IdP's issuer and JWKS. */
  requireBearer(options: Omit<RequireBearerOptions, 'issuer'>): RequestHandler;
}

/** The HTTP status of each refusal (its words are in messages.ts, per language). */
const REFUSAL_STATUS: Record<CallbackFailureReason, CallbackRefusal['status']> = {
  unknown_state: 400,
  idp_error: 403,
  unmet_authentication_requirements: 403,
  acr_not_met: 403,
  authentication_too_old: 403,
  subject_mismatch: 403,
  token_exchange_failed: 400,
};

/**
 * Creates the sign-in middleware: login, callback and logout routes plus `req.twostep` on every
 * request. Options are validated here (a wrong one throws a `TwostepError` naming its path);
 * the IdP is contacted lazily, on the first sign-in or `await mw.ready()`.
 *
 * @example
 * ```ts
 * // twostep, requireAuth and requireStepUp come from this package.
 * const app = express();
 * app.use(twostep({
 *   issuer: 'https://id.clinic.example',
 *   clientId: 'charts',
 *   clientSecret: process.env.OIDC_SECRET,
 *   redirectUri: 'https://charts.clinic.example/auth/callback',
 *   session: { secret: process.env.SESSION_SECRET! },
 * }));
 * app.get('/schedule', requireAuth(), showSchedule);
 * app.get('/patients/:id', requireStepUp({ maxAge: 600 }), showChart);
 * ```
 */
export function twostep(input: TwostepOptions): TwostepMiddleware {
  const options = resolveOptions(input);
  const sessions = new SessionManager(options);
  const { revocations } = options.session;
  const csrf = csrfTokens(options.session.secrets);
  // Scopes whose claims an OP may return only from userinfo (OIDC Core §5.4).
  const wantsUserinfo = options.scopes.some((s) => ['profile', 'email', 'address', 'phone'].includes(s));
  let discovery: Promise<oidc.Configuration> | undefined;

  const configuration = (): Promise<oidc.Configuration> => {
    discovery ??= discover(options).catch((cause: unknown) => {
      discovery = undefined; // retry on the next request rather than failing forever
      throw new TwostepError(
        'discovery_failed',
        `OpenID Provider discovery failed for ${options.issuer.href}`,
        {
          cause,
        },
      );
    });
    return discovery;
  };

  const startLogin = async (req: Request, res: Response, login: LoginRequest): Promise<void> => {
    const config = await configuration();
    const state = stateOf(req);
    const session = state.session === undefined ? sessions.create() : writable(state.session);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const pending = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier,
      returnTo: login.returnTo,
      acr: login.acr,
      maxAge: login.maxAge,
      sub: login.sub,
      createdAt: options.now(),
    };
    session.pending.push(pending);
    await sessions.save(res, session);
    state.session = session;
    const params: Record<string, string> = {
      redirect_uri: options.redirectUri.href,
      response_type: 'code',
      scope: options.scopes.join(' '),
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    };
    if (login.acr !== undefined) params.acr_values = login.acr;
    if (login.maxAge !== undefined) params.max_age = String(login.maxAge);
    res.redirect(303, oidc.buildAuthorizationUrl(config, params).href);
  };

  const login = asyncHandler(async (req, res) => {
    const asked = new URL(req.originalUrl, options.redirectUri.origin).searchParams.get('returnTo');
    // An unsafe returnTo is ignored rather than refused: the sign-in itself is still wanted.
    await startLogin(req, res, { returnTo: safeReturnTo(asked) ?? options.defaultReturnTo });
  });

  const callback = asyncHandler(async (req, res) => {
    const state = stateOf(req);
    const currentUrl = new URL(req.originalUrl, options.redirectUri.origin);
    const params = currentUrl.searchParams;
    const session = state.session === undefined ? undefined : writable(state.session);
    const pending = session?.pending.find((p) => p.state === params.get('state'));
    const refuse = (reason: CallbackFailureReason, detail?: string): void | Promise<void> => {
      // In the signed-in person's language (their `locale` claim), else the browser's.
      const locale = pageLocale(req, session?.user?.claims.locale);
      const texts = pageTexts(locale);
      const refusal: CallbackRefusal = {
        reason,
        status: REFUSAL_STATUS[reason],
        ...texts.refusals[reason],
        detail,
        acr: pending?.acr,
        locale,
      };
      res.status(refusal.status).set('Cache-Control', 'no-store');
      if (options.refusalPage !== undefined) return options.refusalPage(refusal, req, res);
      const message = detail === undefined ? refusal.message : `${refusal.message} (${detail})`;
      res
        .type('html')
        .send(
          htmlPage(
            refusal.title,
            message,
            { href: options.defaultReturnTo, text: texts.back },
            undefined,
            locale,
          ),
        );
    };
    if (session === undefined || pending === undefined) return refuse('unknown_state');

    // One use per state: consume it before anything else can fail.
    session.pending = session.pending.filter((p) => p !== pending);
    await sessions.save(res, session);

    const error = params.get('error');
    if (error !== null) {
      const description = params.get('error_description')?.slice(0, 200) ?? error;
      return refuse(error === 'unmet_authentication_requirements' ? error : 'idp_error', description);
    }

    const config = await configuration();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      // openid-client checks state, iss, PKCE, the ID Token signature, aud, azp, exp and nonce.
      tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        pkceCodeVerifier: pending.codeVerifier,
      });
    } catch (err) {
      return refuse('token_exchange_failed', err instanceof Error ? err.message : undefined);
    }
    const idTokenClaims = tokens.claims() as TwostepClaims | undefined;
    if (idTokenClaims === undefined) return refuse('token_exchange_failed', 'no ID Token');
    let claims = idTokenClaims;
    if (wantsUserinfo && tokens.access_token !== undefined && config.serverMetadata().userinfo_endpoint) {
      try {
        // OIDC Core §5.4: in the code flow the OP may put scope claims (name, email, …) only in
        // userinfo. Fetched once per sign-in; openid-client checks its `sub` is the ID Token's.
        const info = await oidc.fetchUserInfo(config, tokens.access_token, idTokenClaims.sub);
        claims = { ...info, ...idTokenClaims }; // the signed ID Token wins on any overlap
      } catch (err) {
        return refuse('token_exchange_failed', `userinfo: ${err instanceof Error ? err.message : 'failed'}`);
      }
    }

    // openid-client does not check acr, and we check auth_time ourselves against the injected clock.
    if (pending.sub !== undefined && claims.sub !== pending.sub) return refuse('subject_mismatch');
    const unmet = unmetRequirement(claims, pending, {
      nowSeconds: Math.floor(options.now() / 1000),
      clockTolerance: options.clockTolerance,
      acrValues: options.acrValues,
    });
    if (unmet === 'acr') return refuse('acr_not_met', `needed ${pending.acr}, got ${claims.acr ?? 'no acr'}`);
    if (unmet === 'max_age') return refuse('authentication_too_old', `needed within ${pending.maxAge} s`);

    // Signed in (or stepped up): a new session id, fresh lifetimes, other tabs' pending logins kept.
    await sessions.rotate(session);
    const now = options.now();
    session.createdAt = now;
    session.touchedAt = now;
    session.user = { claims, idToken: tokens.id_token };
    await sessions.save(res, session);
    res.set('Cache-Control', 'no-store').redirect(303, pending.returnTo);
  });

  /**
   * The session unless it was signed out (this browser, the IdP's back-channel logout, or every
   * session of the person): then it is ended here too. With the default in-memory list the answer
   * comes back synchronously, so the common request does not wait.
   */
  const screen = (
    res: Response,
    session: SessionData | undefined,
  ): SessionData | undefined | Promise<SessionData | undefined> => {
    const claims = session?.user?.claims;
    if (session === undefined || claims === undefined) return session;
    const revoked = revocations.isRevoked({
      sid: session.sid,
      idpSid: typeof claims.sid === 'string' ? claims.sid : undefined,
      sub: claims.sub,
      signedInAt: session.createdAt,
    });
    if (revoked === false) return session;
    const end = async () => {
      await sessions.destroy(res, session);
      return undefined;
    };
    return revoked === true ? end() : revoked.then((yes) => (yes ? end() : session));
  };

  /** Entries last until every session they could match has expired. */
  const revocationExpiry = () => options.now() + options.session.absoluteTimeout * 1000;

  /** GET: a page with the sign-out button (a link alone must not sign anyone out). */
  const confirmLogout = asyncHandler(async (req, res) => {
    const token = req.twostep.csrfToken;
    if (token === undefined) {
      res.redirect(303, options.postLogoutRedirectUri?.href ?? options.defaultReturnTo);
      return;
    }
    const locale = pageLocale(req, req.twostep.claims?.locale);
    const texts = pageTexts(locale);
    res
      .status(200)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(
        htmlPage(
          texts.signOutTitle,
          texts.signOutBody,
          { href: options.defaultReturnTo, text: texts.stay },
          { action: options.routes.logout, fields: { csrf: token }, button: texts.signOut },
          locale,
        ),
      );
  });

  const logout = asyncHandler(async (req, res) => {
    const state = stateOf(req);
    const session = state.session;
    if (session?.user !== undefined) {
      const form = await readForm(req);
      const token = form?.get('csrf') ?? req.get('x-csrf-token');
      if (!csrf.verify(session.sid, token)) {
        const locale = pageLocale(req, session.user.claims.locale);
        const texts = pageTexts(locale);
        res
          .status(403)
          .set('Cache-Control', 'no-store')
          .type('html')
          .send(
            htmlPage(
              texts.notConfirmedTitle,
              texts.notConfirmedBody,
              { href: options.routes.logout, text: texts.signOut },
              undefined,
              locale,
            ),
          );
        return;
      }
      // A copy of this cookie (encrypted, so still readable) is refused from now on.
      await revocations.add({ sid: session.sid, at: options.now(), expiresAt: revocationExpiry() });
    }
    const idToken = session?.user?.idToken;
    await sessions.destroy(res, session);
    state.session = undefined;
    let target = options.postLogoutRedirectUri?.href ?? options.defaultReturnTo;
    try {
      const config = await configuration();
      if (config.serverMetadata().end_session_endpoint !== undefined) {
        const params: Record<string, string> = {};
        if (idToken !== undefined) params.id_token_hint = idToken;
        if (options.postLogoutRedirectUri !== undefined)
          params.post_logout_redirect_uri = options.postLogoutRedirectUri.href;
        target = oidc.buildEndSessionUrl(config, params).href;
      }
    } catch {
      // IdP unreachable: the local session is gone, which is what matters here.
    }
    res.redirect(303, target);
  });
  const verifyLogoutToken = logoutTokenVerifier({
    metadata: async () => (await configuration()).serverMetadata(),
    clientId: options.clientId,
    clockTolerance: options.clockTolerance,
    now: options.now,
  });

  /**
   * OpenID Connect Back-Channel Logout: the IdP POSTs a signed logout token. With a `sid`, that
   * IdP session's sign-ins here end; with only a `sub`, every sign-in of that person before the
   * token's `iat` (plus the tolerated clock skew, never later than now: a replayed token cannot
   * end a sign-in made after it was first sent).
   */
  const backchannelLogout = asyncHandler(async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const token = (await readForm(req))?.get('logout_token');
    const claims = token ? await verifyLogoutToken(token) : undefined;
    if (claims === undefined) {
      res
        .status(400)
        .json({ error: 'invalid_request', error_description: 'a valid logout_token is required' });
      return;
    }
    const now = options.now();
    await revocations.add({
      ...(claims.sid === undefined ? { sub: claims.sub } : { idpSid: claims.sid }),
      at: Math.min(now, (claims.iat + options.clockTolerance) * 1000),
      expiresAt: revocationExpiry(),
    });
    res.status(200).end();
  });

  // Our own routes, by exact path and method. GET only for login and callback: a HEAD from a link
  // checker must not start a sign-in or use up a callback's state.
  const routes: [path: string, byMethod: Map<string, RequestHandler>][] = [
    [options.routes.login, new Map([['GET', login]])],
    [options.routes.callback, new Map([['GET', callback]])],
    [
      options.routes.logout,
      new Map([
        ['GET', confirmLogout],
        ['POST', logout],
      ]),
    ],
    [options.routes.backchannelLogout, new Map([['POST', backchannelLogout]])],
  ];
  const ownRoute = (req: Request): RequestHandler | undefined => {
    const { url } = req;
    for (const [path, byMethod] of routes) {
      // `path` or `path?query`: no string is built for the many requests that are not ours.
      if (
        url.startsWith(path) &&
        (url.length === path.length || url.charCodeAt(path.length) === QUESTION_MARK)
      )
        return byMethod.get(req.method);
    }
    return undefined;
  };

  /**
   * Sets `req.twostep` from the request's cookie (a bad cookie means no session), unless this instance
   * already did earlier in the same request. Most requests carry a cookie opened before: then the state
   * comes back at once, with no await and no microtask hop.
   */
  const attach = (req: Request, res: Response): RequestState | Promise<RequestState> => {
    const attached = attachedState(req);
    if (attached?.options === options) return attached;
    const ready = sessions.peek(req);
    if (ready === null) return load(req, res);
    const session = screen(res, ready);
    return session instanceof Promise
      ? session.then((screened) => attachState(req, { options, session: screened, csrf, startLogin }))
      : attachState(req, { options, session, csrf, startLogin });
  };
  const load = async (req: Request, res: Response): Promise<RequestState> =>
    attachState(req, {
      options,
      session: await screen(res, await sessions.load(req, res)),
      csrf,
      startLogin,
    });

  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    const route = ownRoute(req);
    const state = attach(req, res);
    if (!(state instanceof Promise)) {
      if (route === undefined) next();
      else route(req, res, next);
      return;
    }
    // A failure loading the session goes to the error handler, not into our route.
    state.then(() => (route === undefined ? next() : route(req, res, next)), next);
  };

  /** A guard that opens the session itself when no `app.use(mw)` ran ahead of it in this request. */
  const bound = (guard: Guard): RequestHandler =>
    asyncHandler((req, res, next) => {
      const state = attach(req, res);
      return state instanceof Promise
        ? state.then((s) => guard(req, res, next, s))
        : guard(req, res, next, state);
    });

  return Object.assign(middleware, {
    ready: async () => {
      await configuration();
    },
    requireAuth: () => bound(authGuard()),
    requireStepUp: (stepUp?: RequireStepUpOptions) => bound(stepUpGuard(stepUp)),
    requireBearer: (bearer: Omit<RequireBearerOptions, 'issuer'>) =>
      bearerGuard({
        ...bearer,
        issuer: options.issuer,
        clockTolerance: bearer.clockTolerance ?? options.clockTolerance,
        acrValues: bearer.acrValues ?? options.acrValues,
        realm: bearer.realm ?? options.realm,
        now: bearer.now ?? options.now,
        metadata: async () => (await configuration()).serverMetadata(),
      }),
  });
}

const QUESTION_MARK = 0x3f;

async function discover(options: ResolvedOptions): Promise<oidc.Configuration> {
  const metadata: Partial<oidc.ClientMetadata> = { [oidc.clockTolerance]: options.clockTolerance };
  let auth: oidc.ClientAuth;
  if (options.clientSecret === undefined) {
    metadata.token_endpoint_auth_method = 'none';
    auth = oidc.None();
  } else {
    metadata.client_secret = options.clientSecret;
    auth = oidc.ClientSecretBasic(options.clientSecret);
  }
  return oidc.discovery(options.issuer, options.clientId, metadata, auth, {
    // Plain http only for a local IdP (checked in options.ts).
    execute: options.insecureIssuer ? [oidc.allowInsecureRequests] : [],
    timeout: 10,
  });
}
