/** GET /interaction/:uid — where the browser lands from oidc-provider (and after a reload). */
import type { Request, Response } from 'express';
import { HttpError } from '../errors.ts';
import { t } from '../messages/index.ts';
import { consentPage, recoveryCodePage } from '../pages/sign-in.ts';
import {
  clinicSite,
  type Deps,
  loadInteraction,
  readState,
  saveState,
  sendPage,
  staffOf,
  stepContext,
} from './context.ts';
import { requires2fa, SESSIONS_ENDED } from '../provider.ts';
import { refusePausedStepUp } from './paused-step-up.ts';
import { mayEnroll, proceed, requirementFor } from './decide.ts';
import { mayRememberAfterSetup } from './finish.ts';
import { sendPasswordPage } from './passkey-first.ts';

/** Reasons that need the password again, whatever the session says. */
const PASSWORD_REASONS = new Set([
  'no_session',
  'login_prompt',
  'id_token_hint',
  'claims_id_token_sub_value',
  SESSIONS_ENDED,
]);

export async function start(deps: Deps, req: Request, res: Response): Promise<void> {
  const interaction = await loadInteraction(deps, req, res);
  const { prompt, params } = interaction;

  if (prompt.name === 'consent') {
    const client = await deps.provider.Client.find(String(params.client_id));
    const scopes = String(params.scope ?? '');
    const ctx = stepContext(deps, req, res, await clinicSite(deps, null));
    return sendPage(res, 200, consentPage(ctx, client?.clientName ?? String(params.client_id), scopes));
  }
  if (prompt.name !== 'login') throw new HttpError(400);

  const state = readState(interaction);
  if (state) {
    const staff = await staffOf(deps, state);
    const ctx = stepContext(deps, req, res, await clinicSite(deps, staff));
    if (state.pending?.recoveryCode) {
      const code = deps.config.secretBox.open(state.pending.recoveryCode, `recovery:${interaction.uid}`);
      // "Tick the box first" after a POST without it (Post/Redirect/Get), once.
      if (state.flash) await saveState(interaction, { ...state, flash: undefined });
      const { first = false } = state.pending;
      const rememberDays = await mayRememberAfterSetup(deps, interaction, state, staff);
      return sendPage(
        res,
        200,
        recoveryCodePage(ctx, { code, first, error: state.flash?.error, rememberDays }),
      );
    }
    return proceed(deps, req, res, interaction, state, staff);
  }

  // Step-up on a live SSO session (acr or max_age): only the second factor, for the same account.
  const accountId = interaction.session?.accountId;
  if (accountId && !prompt.reasons.some((r) => PASSWORD_REASONS.has(r))) {
    const staff = await deps.stores.staff.get(accountId);
    if (staff?.active) {
      const stepUp = { staffId: staff.id, passwordAt: null };
      const requirement = await requirementFor(deps, req, interaction, stepUp, staff);
      // The app forces a fresh second factor, which a pause rules out: say so now, no password.
      const forced = params.max_age !== undefined || requires2fa(params);
      if (forced && requirement.kind === 'none' && requirement.reason === 'paused') {
        return refusePausedStepUp(deps, req, res, interaction, staff, requirement.pausedUntil);
      }
      if (
        requirement.kind === 'second_factor' ||
        requirement.kind === 'locked' ||
        mayEnroll(requirement, interaction)
      ) {
        await saveState(interaction, stepUp);
        return proceed(deps, req, res, interaction, stepUp, staff);
      }
      const ctx = stepContext(deps, req, res, await clinicSite(deps, staff));
      return sendPasswordPage(deps, req, res, 200, ctx, { email: staff.email, info: t('password.reauth') });
    }
  }
  const hint = typeof params.login_hint === 'string' ? params.login_hint.slice(0, 254) : undefined;
  const ctx = stepContext(deps, req, res, await clinicSite(deps, null));
  return sendPasswordPage(deps, req, res, 200, ctx, { email: hint });
}
