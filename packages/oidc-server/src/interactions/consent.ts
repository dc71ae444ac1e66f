/** Consent for third-party clients (first-party ones never get here: `loadExistingGrant`). */
import type { Request, Response } from 'express';
import { HttpError } from '../errors.ts';
import { type Deps, loadInteraction, requireCsrf } from './context.ts';

export async function submitConsent(deps: Deps, req: Request, res: Response): Promise<void> {
  const interaction = await loadInteraction(deps, req, res);
  requireCsrf(deps, req, 'consent');
  if (interaction.prompt.name !== 'consent' || !interaction.session?.accountId) throw new HttpError(400);
  const { Grant } = deps.provider;
  const grant = interaction.grantId
    ? await Grant.find(interaction.grantId)
    : new Grant({ accountId: interaction.session.accountId, clientId: String(interaction.params.client_id) });
  if (!grant) throw new HttpError(400);
  const details = interaction.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await deps.provider.interactionFinished(
    req,
    res,
    { consent: { grantId } },
    { mergeWithLastSubmission: true },
  );
}
