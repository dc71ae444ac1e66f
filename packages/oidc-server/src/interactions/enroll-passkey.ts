/**
 * The clinic's passkey rule at sign-in: someone it covers who proved who they are with a code (no
 * passkey yet) or with the recovery code adds a passkey before the sign-in ends. `finishSignIn`
 * sends them here; the sign-in then finishes with the method they used (loa:2fa: the sign-in
 * itself was not phishing-resistant). Cancelling ends the sign-in; a Full Access User can pause
 * 2-Step Verification for someone who cannot add a passkey today.
 */
import type { Request, Response } from 'express';
import { HttpError } from '../errors.ts';
import { t } from '../messages/index.ts';
import { enrollPasskeyPage } from '../pages/sign-in.ts';
import { authenticatorAnswer, relyingParty } from '../pages/webauthn.ts';
import { withinCodeLimits } from '../rate-limit.ts';
import {
  actor,
  clinicSite,
  type Deps,
  field,
  loadInteraction,
  readState,
  requireCsrf,
  saveState,
  sendPage,
  staffOf,
  stepContext,
} from './context.ts';
import { finishSignIn } from './finish.ts';

/** Loads the interaction of someone who owes a passkey (anything else is a 400). */
async function load(deps: Deps, req: Request, res: Response) {
  const interaction = await loadInteraction(deps, req, res);
  const state = readState(interaction);
  if (!state?.owePasskey) throw new HttpError(400);
  const staff = await staffOf(deps, state);
  return { interaction, state, owed: state.owePasskey, staff };
}

/** A new registration challenge (kept in the interaction), and the page that uses it. */
async function show(deps: Deps, req: Request, res: Response, status: number, error: string | null) {
  const { interaction, state, owed, staff } = await load(deps, req, res);
  const { options, challenge } = await deps.twostep.passkeys.registrationOptions(
    staff,
    relyingParty(deps.config),
  );
  await saveState(interaction, { ...state, owePasskey: { ...owed, challenge } });
  const ctx = stepContext(deps, req, res, await clinicSite(deps, staff));
  sendPage(res, status, enrollPasskeyPage(ctx, { options: JSON.stringify(options), error }));
}

export const showPasskeyEnroll = (deps: Deps, req: Request, res: Response) => show(deps, req, res, 200, null);

export async function finishPasskeyEnroll(deps: Deps, req: Request, res: Response): Promise<void> {
  const { interaction, state, owed, staff } = await load(deps, req, res);
  requireCsrf(deps, req, 'enroll-passkey');
  if (!(await withinCodeLimits(deps.limiter, deps.config.rateLimits, req.ip, staff.id))) {
    return show(deps, req, res, 429, t('limit.body'));
  }
  const response = authenticatorAnswer(field(req, 'response'));
  const result = await deps.twostep.passkeys.register(actor(req, staff), staff, {
    response,
    challenge: owed.challenge,
    rp: relyingParty(deps.config),
    name: field(req, 'name'),
  });
  if (!result.ok) return show(deps, req, res, 400, t(`account.passkey.error.${result.reason}`));
  await saveState(interaction, { ...state, owePasskey: undefined, passkeyAdded: true });
  return finishSignIn(deps, req, res, interaction, staff, owed.method);
}
