/** The end of the login prompt: hand oidc-provider the account, acr, amr and auth_time — or an error. */
import { acrSatisfies, claimsFor, passkeyRequired, type SignInMethod, type StaffMember } from '@twostep/core';
import type { Request, Response } from 'express';
import { HttpError } from '../errors.ts';
import { t } from '../messages/index.ts';
import { newPhonePage } from '../pages/sign-in.ts';
import { recoverySignInOwingSetup } from '../new-phone.ts';
import { essentialAcrs, highestMetAcr, requestedAcrs, requires2fa } from '../provider.ts';
import {
  actor,
  clinicSite,
  type Deps,
  field,
  type Interaction,
  type SignInState,
  loadInteraction,
  nowSeconds,
  readState,
  redirect,
  requireCsrf,
  saveState,
  sendPage,
  staffOf,
  stepContext,
} from './context.ts';
import { proceed } from './decide.ts';
import { noteSignInBrowser } from './new-browser.ts';
import { rememberDevice } from './second-factor.ts';

export async function finishWithError(
  deps: Deps,
  req: Request,
  res: Response,
  error: 'unmet_authentication_requirements' | 'access_denied',
  description: string,
): Promise<void> {
  await deps.provider.interactionFinished(
    req,
    res,
    { error, error_description: description },
    { mergeWithLastSubmission: false },
  );
}

const coveredByPasskeyRule = async (deps: Deps, staff: StaffMember) =>
  passkeyRequired(await deps.stores.clinics.get(staff.clinicId), staff.role);

/**
 * The clinic's passkey rule: someone it covers who got in with a code or the recovery code adds a
 * passkey first (audited). True when the sign-in went there instead of finishing.
 */
async function owesPasskey(
  deps: Deps,
  req: Request,
  res: Response,
  interaction: Interaction,
  staff: StaffMember,
  method: SignInMethod,
): Promise<boolean> {
  if (method !== 'totp' && method !== 'sms' && method !== 'recovery') return false;
  const state = readState(interaction);
  if (!state || state.passkeyAdded || !(await coveredByPasskeyRule(deps, staff))) return false;
  await deps.twostep.audit.record(actor(req, staff), {
    clinicId: staff.clinicId,
    type: 'passkey.required',
    targetId: staff.id,
    details: { method },
  });
  await saveState(interaction, { ...state, pending: undefined, newPhone: undefined, owePasskey: { method } });
  redirect(deps, req, res, '/enroll/passkey');
  return true;
}

/**
 * Completes the `login` prompt. `ts` (auth_time) is now: every path here
 * involved an interactive verification in this interaction (a password, a
 * code, or both). oidc-provider keeps its own real clock, so ours is not used.
 */
export async function finishSignIn(
  deps: Deps,
  req: Request,
  res: Response,
  interaction: Interaction,
  staff: StaffMember,
  method: SignInMethod,
  /** More for the audit event (e.g. a setup put off until the grace period's end). */
  audited: Record<string, string> = {},
): Promise<void> {
  if (await owesPasskey(deps, req, res, interaction, staff, method)) return;
  const { acr, amr } = claimsFor(method);
  if (method === 'password' && requires2fa(interaction.params)) {
    await finishWithError(
      deps,
      req,
      res,
      'unmet_authentication_requirements',
      '2-Step Verification is required',
    );
    return;
  }
  // An essential acr request none of whose values this sign-in meets (OIDC Core §5.5.1.1), or
  // acr_values (a requirement here, not a wish) none of which it meets.
  const essential = essentialAcrs(interaction.params.claims);
  const requested = requestedAcrs(interaction.params);
  if (
    (essential.length > 0 && highestMetAcr(acr, essential) === undefined) ||
    (requested.length > 0 && !requested.some((v) => acrSatisfies(acr, v)))
  ) {
    await finishWithError(
      deps,
      req,
      res,
      'unmet_authentication_requirements',
      'the requested authentication level cannot be met',
    );
    return;
  }
  await noteSignInBrowser(deps, req, res, staff, method);
  await deps.twostep.audit.record(actor(req, staff), {
    clinicId: staff.clinicId,
    type: 'sign_in.succeeded',
    targetId: staff.id,
    details: { method, client: String(interaction.params.client_id ?? ''), ...audited },
  });
  await deps.provider.interactionFinished(
    req,
    res,
    { login: { accountId: staff.id, acr, amr, ts: nowSeconds(), remember: true } },
    { mergeWithLastSubmission: false },
  );
}

/** "I have saved my recovery code" → finish with the method that was verified. */
export async function acknowledge(deps: Deps, req: Request, res: Response): Promise<void> {
  const interaction = await loadInteraction(deps, req, res);
  requireCsrf(deps, req, 'acknowledge');
  const state = readState(interaction);
  if (!state?.pending?.recoveryCode) throw new HttpError(400);
  const staff = await staffOf(deps, state);
  if (field(req, 'ack') !== 'yes') {
    await saveState(interaction, { ...state, flash: { error: t('recovery.ackRequired') } });
    return redirect(deps, req, res, '');
  }
  const owedSince =
    state.pending.method === 'recovery'
      ? await recoverySignInOwingSetup(deps.twostep, deps.stores, staff)
      : new Date(0);
  // The first recovery sign-in since the last setup asks for the new phone; skipped once, the account page
  // reminds. Under the clinic's passkey rule the new passkey asked next takes its place.
  if (owedSince === null && !(await coveredByPasskeyRule(deps, staff))) {
    await saveState(interaction, { ...state, pending: undefined, newPhone: true });
    return redirect(deps, req, res, '/new-phone');
  }
  if (field(req, 'remember') === 'yes' && (await mayRememberAfterSetup(deps, interaction, state, staff))) {
    await rememberDevice(deps, req, res, staff);
  }
  await finishSignIn(deps, req, res, interaction, staff, state.pending.method);
}

/**
 * "Remember this device" at the end of a first setup (where the code page would have offered it):
 * the clinic allows it, and this is a sign-in with a password, not a step-up or a forced check.
 * Null when not offered; else the days it lasts.
 */
export async function mayRememberAfterSetup(
  deps: Deps,
  interaction: Interaction,
  state: SignInState,
  staff: StaffMember,
): Promise<number | null> {
  if (!state.pending?.first || state.passwordAt === null) return null;
  const prompts = String(interaction.params.prompt ?? '').split(' ');
  if (interaction.params.max_age !== undefined || prompts.includes('login')) return null;
  const clinic = await deps.stores.clinics.get(staff.clinicId);
  return clinic?.allowTrustedDevices ? deps.twostep.config.trustedDevices.days : null;
}

/** "Set up your new phone" after a sign-in with the recovery code. */
export async function showNewPhone(deps: Deps, req: Request, res: Response): Promise<void> {
  const interaction = await loadInteraction(deps, req, res);
  const state = readState(interaction);
  if (!state?.newPhone) throw new HttpError(400);
  const staff = await staffOf(deps, state);
  sendPage(res, 200, newPhonePage(stepContext(deps, req, res, await clinicSite(deps, staff))));
}

/** "Not now": finish the sign-in the recovery code verified. */
export async function skipNewPhone(deps: Deps, req: Request, res: Response): Promise<void> {
  const interaction = await loadInteraction(deps, req, res);
  requireCsrf(deps, req, 'new-phone-skip');
  const state = readState(interaction);
  if (!state?.newPhone) throw new HttpError(400);
  await finishSignIn(deps, req, res, interaction, await staffOf(deps, state), 'recovery');
}

/** After the "2-Step Verification is paused" notice. */
export async function continuePaused(deps: Deps, req: Request, res: Response): Promise<void> {
  const interaction = await loadInteraction(deps, req, res);
  requireCsrf(deps, req, 'continue');
  const state = readState(interaction);
  if (state?.pending?.method !== 'password' || state.passwordAt === null) throw new HttpError(400);
  // The pause may have ended meanwhile: decide again rather than trust the notice.
  delete state.pending;
  await saveState(interaction, state);
  await proceed(deps, req, res, interaction, state, await staffOf(deps, state), { acceptPaused: true });
}

export async function abort(deps: Deps, req: Request, res: Response): Promise<void> {
  await loadInteraction(deps, req, res);
  requireCsrf(deps, req, 'abort');
  await finishWithError(deps, req, res, 'access_denied', 'End-User aborted interaction');
}
