/**
 * A step-up while 2-Step Verification is paused. An app forces a fresh second factor (`max_age`, or
 * an acr only a second factor meets) on a live session whose account is paused: no code can be
 * asked, and a password alone would not do (forced re-authentication always asks the second
 * factor), so the IdP asks nothing and says at once why, with a way back to the app. Audited as a
 * refused step-up (`access.denied`, `reason: paused`). The interaction is left to expire.
 * The account page's own client is answered `unmet_authentication_requirements` instead: it then
 * signs in without `acr_values` (password only is what it allows while paused, to set up a method).
 */
import type { StaffMember } from '@twostep/core';
import type { Request, Response } from 'express';
import { backToApp } from '../console/back-to-app.ts';
import { CONSOLE_DEFAULTS } from '../console/session.ts';
import { formatTime } from '../messages/index.ts';
import { pausedStepUpPage } from '../pages/sign-in.ts';
import { actor, clinicSite, type Deps, type Interaction, sendPage, stepContext } from './context.ts';
import { finishWithError } from './finish.ts';

export async function refusePausedStepUp(
  deps: Deps,
  req: Request,
  res: Response,
  interaction: Interaction,
  staff: StaffMember,
  pausedUntil: Date | null,
): Promise<void> {
  const client = String(interaction.params.client_id ?? '');
  if (client === CONSOLE_DEFAULTS.clientId) {
    const paused = '2-Step Verification is paused for this account';
    return finishWithError(deps, req, res, 'unmet_authentication_requirements', paused);
  }
  await deps.twostep.audit.record(actor(req, staff), {
    clinicId: staff.clinicId,
    type: 'access.denied',
    targetId: staff.id,
    details: { need: 'second_factor', reason: 'paused', client },
  });
  const ctx = stepContext(deps, req, res, await clinicSite(deps, staff));
  const until = pausedUntil ? formatTime(pausedUntil, ctx.timeZone) : '';
  const app = await backToApp(deps.provider, client);
  sendPage(res, 403, pausedStepUpPage(ctx, until, app));
}
