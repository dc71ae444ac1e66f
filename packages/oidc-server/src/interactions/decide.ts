/**
 * The branch after identity is established (password, or the SSO session for
 * a step-up): what core says this staff member needs now.
 */
import type { SignInRequirement, StaffMember } from '@twostep/core';
import type { Request, Response } from 'express';
import { formatTime } from '../messages/index.ts';
import { lockedPage, pausedPage } from '../pages/sign-in.ts';
import { requires2fa, requiresPhishingResistant } from '../provider.ts';
import {
  clinicSite,
  type Deps,
  type Interaction,
  readCookie,
  redirect,
  type SignInState,
  saveState,
  sendPage,
  stepContext,
} from './context.ts';
import { finishSignIn, finishWithError } from './finish.ts';
import { sendPasswordPage } from './passkey-first.ts';

/**
 * `fresh`: a step-up on an existing session, or a forced re-authentication — a `max_age`
 * request, or `prompt=login` (also what oidc-provider makes of `max_age=0`) — or a request only a
 * passkey meets (loa:phr): a remembered device must not stand in for the code then.
 */
export async function requirementFor(
  deps: Deps,
  req: Request,
  interaction: Interaction,
  state: SignInState,
  staff: StaffMember,
): Promise<SignInRequirement> {
  const prompts = String(interaction.params.prompt ?? '').split(' ');
  const fresh =
    state.passwordAt === null ||
    interaction.params.max_age !== undefined ||
    prompts.includes('login') ||
    requiresPhishingResistant(interaction.params);
  return deps.twostep.secondFactor.requirement(staff, {
    deviceToken: fresh ? undefined : readCookie(req, deps.config.deviceCookieName),
    freshRequired: fresh,
  });
}

/** May this staff member enroll now? Enforced with no factor, or the app asked for 2fa and they have none. */
export function mayEnroll(requirement: SignInRequirement, interaction: Interaction): boolean {
  return (
    requirement.kind === 'enroll' ||
    (requirement.kind === 'none' && requirement.reason === 'not_enrolled' && requires2fa(interaction.params))
  );
}

export async function proceed(
  deps: Deps,
  req: Request,
  res: Response,
  interaction: Interaction,
  state: SignInState,
  staff: StaffMember,
  options: { acceptPaused?: boolean } = {},
): Promise<void> {
  const requirement = await requirementFor(deps, req, interaction, state, staff);
  const ctx = async () => stepContext(deps, req, res, await clinicSite(deps, staff));

  if (mayEnroll(requirement, interaction)) return redirect(deps, req, res, '/enroll');
  switch (requirement.kind) {
    case 'none':
    case 'trusted_device': {
      // Without a password in this interaction there is nothing to finish with: ask for it.
      if (state.passwordAt === null) {
        await saveState(interaction, null);
        return sendPasswordPage(deps, req, res, 200, await ctx(), { email: staff.email });
      }
      if (requirement.kind === 'trusted_device') {
        return finishSignIn(deps, req, res, interaction, staff, 'trusted_device');
      }
      if (requirement.reason === 'paused') {
        if (requires2fa(interaction.params)) {
          return finishWithError(
            deps,
            req,
            res,
            'unmet_authentication_requirements',
            '2-Step Verification is paused for this account',
          );
        }
        if (!options.acceptPaused) {
          await saveState(interaction, { ...state, pending: { method: 'password' } });
          const page = await ctx();
          const until = requirement.pausedUntil ? formatTime(requirement.pausedUntil, page.timeZone) : '';
          return sendPage(res, 200, pausedPage(page, until));
        }
      }
      return finishSignIn(deps, req, res, interaction, staff, 'password');
    }
    case 'second_factor':
      return redirect(deps, req, res, '/verify');
    case 'locked': {
      const page = await ctx();
      const retryAt = requirement.retryAt ? formatTime(requirement.retryAt, page.timeZone) : null;
      return sendPage(res, requirement.retryAt ? 429 : 403, lockedPage(page, retryAt));
    }
    case 'enroll':
      return redirect(deps, req, res, '/enroll');
  }
}
