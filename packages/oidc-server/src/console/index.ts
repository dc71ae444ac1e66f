/**
 * The account security page (`/account`) and the clinic admin console
 * (`/admin`), served by the IdP behind their own session, which is a
 * first-party use of the IdP's own sign-in (see auth.ts and the README).
 */
import express, { Router } from 'express';
import type { IdpClient, IdpConfig } from '../config.ts';
import type { Deps } from '../interactions/context.ts';
import { accountRoutes } from './account.ts';
import { adminRoutes } from './admin.ts';
import { authRoutes } from './auth.ts';
import type { ConsoleDeps } from './context.ts';
import { CONSOLE_DEFAULTS, createSealer } from './session.ts';

export { CONSOLE_DEFAULTS } from './session.ts';

/** `<issuer>/console/callback`. */
export function consoleRedirectUri(config: IdpConfig): string {
  return `${config.issuer.replace(/\/+$/, '')}/console/callback`;
}

/** The console's own OIDC client: public (PKCE, no secret), first-party, code flow only. */
export function consoleClient(config: IdpConfig): IdpClient {
  return {
    client_id: CONSOLE_DEFAULTS.clientId,
    client_name: 'Account security',
    redirect_uris: [consoleRedirectUri(config)],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    firstParty: true,
  };
}

export function consoleRouter(deps: Deps, cookieKeys: readonly string[], bodyLimitBytes: number): Router {
  const router = Router();
  const body = express.urlencoded({ extended: false, limit: bodyLimitBytes, parameterLimit: 20 });
  const consoleDeps: ConsoleDeps = {
    ...deps,
    sealer: createSealer(cookieKeys),
    cookies: { secure: deps.config.secureCookies, basePath: deps.config.basePath },
    redirectUri: consoleRedirectUri(deps.config),
    readiness: new Map(),
  };
  authRoutes(router, consoleDeps, body);
  accountRoutes(router, consoleDeps, body);
  adminRoutes(router, consoleDeps, body);
  return router;
}
