/**
 * The route template of a request, for the access log and the HTTP histogram: Express's matched
 * route (`/interaction/:uid/password`) or oidc-provider's route name (`oidc:token`), never the
 * path itself (ids and welcome tokens travel in paths).
 */
import type { IncomingMessage } from 'node:http';

const providerRoutes = new WeakMap<IncomingMessage, string>();

/** Called by the oidc-provider middleware once its router has matched (`ctx.oidc.route`). */
export function setProviderRoute(req: IncomingMessage, name: string): void {
  providerRoutes.set(req, `oidc:${name}`);
}

export function routeOf(req: IncomingMessage): string {
  const provider = providerRoutes.get(req);
  if (provider) return provider;
  const express = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  if (typeof express.route?.path === 'string') return `${express.baseUrl ?? ''}${express.route.path}`;
  return 'other';
}
