/**
 * Bearer authentication of the admin API: an opaque client-credentials access
 * token issued by this IdP for the admin API's audience, looked up in-process
 * (`provider.ClientCredentials.find`, so a revoked or expired token fails at
 * once), with the `twostep:admin` scope, from a client registered with a `clinic_id`.
 */
import type { Clinic, Stores } from '@twostep/core';
import type { NextFunction, Request, Response } from 'express';
import type Provider from 'oidc-provider';
import { ADMIN_SCOPE } from './constants.ts';
import { ApiError } from './errors.ts';

/** Who is calling: the provisioning client and the one clinic it may touch. */
export interface ApiCaller {
  clientId: string;
  clinic: Clinic;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The `clinic_id` a client was registered with, or undefined for ordinary clients. */
export function clinicIdOf(client: { metadata(): Record<string, unknown> } | undefined): string | undefined {
  const value = client?.metadata().clinic_id;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function authenticate(provider: Provider, stores: Stores, audience: string) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('authorization');
    if (header === undefined) throw new ApiError(401, 'unauthorized', 'a Bearer access token is required');
    const match = BEARER.exec(header);
    if (!match?.[1] || header.length > 4096)
      throw new ApiError(401, 'invalid_token', 'expected "Authorization: Bearer <token>"');
    const token = await provider.ClientCredentials.find(match[1]);
    if (!token?.isValid) throw new ApiError(401, 'invalid_token', 'the access token is invalid or expired');
    if (token.aud !== audience)
      throw new ApiError(401, 'invalid_token', 'the access token is not for this API (audience)');
    if (token.isSenderConstrained())
      throw new ApiError(401, 'invalid_token', 'sender-constrained tokens are not accepted here');
    const client = token.clientId ? await provider.Client.find(token.clientId) : undefined;
    const clinicId = clinicIdOf(client);
    if (!client || !clinicId)
      throw new ApiError(401, 'invalid_token', 'the client is not a provisioning client');
    const scopes = typeof token.scope === 'string' ? token.scope.split(' ') : [];
    if (!scopes.includes(ADMIN_SCOPE))
      throw new ApiError(403, 'insufficient_scope', `the access token lacks the ${ADMIN_SCOPE} scope`);
    const clinic = await stores.clinics.get(clinicId);
    if (!clinic) throw new ApiError(403, 'insufficient_scope', "the client's clinic does not exist");
    res.locals.caller = { clientId: client.clientId, clinic } satisfies ApiCaller;
    next();
  };
}

export function callerOf(res: Response): ApiCaller {
  return res.locals.caller as ApiCaller;
}
