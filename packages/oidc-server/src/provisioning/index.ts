/**
 * Provisioning: the JSON admin API (`/api/v1`, client-credentials tokens with
 * `twostep:admin`, one clinic per client) and the welcome-link page (`/welcome/:token`).
 */
import type { Logger, Twostep } from '@twostep/core';
import { Router } from 'express';
import type Provider from 'oidc-provider';
import type { IdpConfig } from '../config.ts';
import { apiRouter } from './api.ts';
import { adminAudience } from './constants.ts';
import { welcomeRouter } from './welcome.ts';

export { ADMIN_SCOPE, adminAudience, PROVISIONING_DEFAULTS } from './constants.ts';
export { clinicIdOf } from './auth.ts';
export {
  createWelcomeToken,
  hasPassword,
  unusablePasswordHash,
  verifyWelcomeToken,
  welcomeUrl,
} from './welcome-link.ts';

export function provisioningRouter(deps: {
  config: IdpConfig;
  provider: Provider;
  twostep: Twostep;
  clock: { now(): Date };
  logger: Logger;
}): Router {
  const { config } = deps;
  const router = Router();
  router.use(
    '/api/v1',
    apiRouter({
      issuer: config.issuer,
      audience: adminAudience(config.issuer),
      provider: deps.provider,
      twostep: deps.twostep,
      stores: config.stores,
      hashKey: config.hashKey,
      passwordCost: config.passwordCost,
      clock: deps.clock,
      logger: deps.logger,
    }),
  );
  router.use(
    welcomeRouter({
      basePath: config.basePath,
      siteName: config.siteName,
      stores: config.stores,
      twostep: deps.twostep,
      hashKey: config.hashKey,
      passwordCost: config.passwordCost,
      clock: deps.clock,
      logger: deps.logger,
    }),
  );
  return router;
}
