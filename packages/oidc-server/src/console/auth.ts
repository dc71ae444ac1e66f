/**
 * The console signs in through the IdP itself, as a first-party OIDC client
 * (`twostep-console`): authorization request with state + PKCE S256 and
 * `acr_values=urn:twostep:loa:2fa`; on the callback the authorization code is
 * read and consumed through oidc-provider's own model, in-process, instead of
 * an HTTP token exchange (we are the issuer: nothing to verify cryptographically
 * beyond what the model already checks).
 */
import { createHash, randomBytes } from 'node:crypto';
import { ACR } from '@twostep/core';
import type { Request, RequestHandler, Response, Router } from 'express';
import { t } from '../messages/index.ts';
import { html } from '../pages/html.ts';
import { layout } from '../pages/layout.ts';
import { type ConsoleDeps, field, idpSignOutUrl, query, safeReturn, sendPage } from './context.ts';
import {
  CONSOLE_DEFAULTS,
  clearLoginState,
  endSession,
  epochNow,
  type LoginState,
  markSignOut,
  newSid,
  readLoginState,
  readSession,
  startSession,
  updateSession,
  writeLoginState,
} from './session.ts';

const b64url = (bytes: number) => randomBytes(bytes).toString('base64url');
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** Sends the browser to the IdP's authorization endpoint. */
function startLogin(
  deps: ConsoleDeps,
  res: Response,
  options: { returnTo: string; fresh: boolean; relaxed: boolean },
) {
  const state: LoginState = {
    state: b64url(24),
    verifier: b64url(48),
    returnTo: options.returnTo,
    relaxed: options.relaxed,
    fresh: options.fresh,
    exp: epochNow() + CONSOLE_DEFAULTS.loginSeconds,
  };
  writeLoginState(deps.sealer, res, deps.cookies, state);
  const params = new URLSearchParams({
    client_id: CONSOLE_DEFAULTS.clientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: deps.redirectUri,
    state: state.state,
    code_challenge: s256(state.verifier),
    code_challenge_method: 'S256',
  });
  // Relaxed: the IdP could not give loa:2fa (2-Step paused); the session is password-only (see README).
  if (!options.relaxed) params.set('acr_values', ACR.twoFactor);
  // The 10-minute rule: the IdP asks for the code again when the last one is older.
  if (options.fresh) params.set('max_age', String(CONSOLE_DEFAULTS.freshSeconds));
  res.redirect(303, `${deps.config.basePath}/auth?${params}`);
}

function messagePage(
  deps: ConsoleDeps,
  req: Request,
  res: Response,
  status: number,
  message: string,
  options: { returnTo?: string; offerPasswordOnly?: boolean } = {},
) {
  const returnTo = options.returnTo ?? safeReturn(query(req, 'return'));
  const link = (extra: Record<string, string>) =>
    `${deps.config.basePath}/console/login?${new URLSearchParams({ return: returnTo, ...extra })}`;
  const body = html`<p role="alert">${message}</p><p><a href="${link({})}">${t('console.signInAgain')}</a></p>
${options.offerPasswordOnly ? html`<p>${t('console.login.passwordOnlyBody')} <a href="${link({ relaxed: '1' })}">${t('console.login.passwordOnly')}</a></p>` : ''}`;
  sendPage(
    res,
    status,
    layout({ nonce: String(res.locals.cspNonce), siteName: deps.config.siteName }, t('console.signIn'), body),
  );
}

export function authRoutes(router: Router, deps: ConsoleDeps, body: RequestHandler) {
  router.get('/console/login', (req, res) => {
    startLogin(deps, res, {
      returnTo: safeReturn(query(req, 'return')),
      fresh: query(req, 'fresh') === '1',
      // Harmless to ask for: the IdP still demands whatever the clinic's policy needs.
      relaxed: query(req, 'relaxed') === '1',
    });
  });

  router.get('/console/callback', async (req, res, next) => {
    try {
      const login = readLoginState(deps.sealer, req);
      clearLoginState(res, deps.cookies);
      if (!login || query(req, 'state') !== login.state) {
        return messagePage(deps, req, res, 400, t('console.login.expired'));
      }
      const iss = query(req, 'iss');
      if (iss !== undefined && iss !== deps.provider.issuer) {
        return messagePage(deps, req, res, 400, t('console.login.failed'));
      }
      const error = query(req, 'error');
      if (error === 'unmet_authentication_requirements' && !login.relaxed) {
        return startLogin(deps, res, { returnTo: login.returnTo, fresh: false, relaxed: true });
      }
      if (error === 'access_denied') {
        return messagePage(deps, req, res, 403, t('console.login.cancelled'), {
          returnTo: login.returnTo,
          offerPasswordOnly: !login.relaxed,
        });
      }
      if (error) return messagePage(deps, req, res, 400, t('console.login.failed'));

      const code = await deps.provider.AuthorizationCode.find(String(query(req, 'code') ?? ''));
      const valid =
        code !== undefined &&
        !(code as { consumed?: unknown }).consumed &&
        !code.isExpired &&
        code.clientId === CONSOLE_DEFAULTS.clientId &&
        code.redirectUri === deps.redirectUri &&
        code.codeChallengeMethod === 'S256' &&
        code.codeChallenge === s256(login.verifier) &&
        typeof code.accountId === 'string' &&
        typeof code.authTime === 'number';
      if (!valid) return messagePage(deps, req, res, 400, t('console.login.failed'));
      await code.consume();
      const staff = await deps.stores.staff.get(code.accountId!);
      if (!staff?.active) return messagePage(deps, req, res, 403, t('error.403'));

      const now = epochNow();
      const verified = {
        acr: code.acr ?? ACR.oneFactor,
        amr: Array.isArray(code.amr) ? code.amr.map(String) : [],
        authTime: code.authTime!,
        seen: now,
      };
      const previous = await readSession(deps.sealer, deps.stores.sessions, req, now);
      // The same person re-verifying keeps the session (open forms stay valid); anyone else starts anew.
      const kept =
        previous?.accountId === staff.id && (await updateSession(deps.stores.sessions, previous, verified));
      if (!kept) {
        if (previous) await endSession(deps.stores.sessions, res, deps.cookies, previous);
        await startSession(deps.sealer, deps.stores.sessions, res, deps.cookies, {
          sid: newSid(),
          accountId: staff.id,
          ...verified,
          iat: now,
        });
      }
      res.redirect(303, `${deps.config.basePath}${safeReturn(login.returnTo)}`);
    } catch (error) {
      next(error);
    }
  });

  /** Ends the console session, then the IdP's own session (its "Sign out?" page). */
  router.post('/console/logout', body, async (req, res, next) => {
    try {
      const session = await readSession(deps.sealer, deps.stores.sessions, req);
      if (session && !deps.csrf.verify(`console:${session.sid}`, 'console', field(req, 'csrf'))) {
        return messagePage(deps, req, res, 403, t('error.403'));
      }
      await endSession(deps.stores.sessions, res, deps.cookies, session);
      // Asked and answered here (CSRF-checked): the IdP's own "Sign out?" page goes straight on.
      if (session) markSignOut(deps.sealer, res, deps.cookies);
      res.redirect(303, idpSignOutUrl(deps));
    } catch (error) {
      next(error);
    }
  });
}
