/**
 * Sign-in with a passkey alone, no password ("Sign in with a passkey" and passkey autofill on the
 * password page). The page carries WebAuthn options that name no one and their challenge, sealed
 * for this interaction; the answer says who signs in (core finds the passkey by its credential id
 * and checks the user handle). Every attempt counts against the same per-IP limit as passwords.
 */
import type { PasskeyChallenge } from '@twostep/core';
import type { Request, Response } from 'express';
import { HttpError } from '../errors.ts';
import { t } from '../messages/index.ts';
import { lockedPage, passwordPage, type StepContext } from '../pages/sign-in.ts';
import { relyingParty } from '../pages/webauthn.ts';
import {
  actor,
  clinicSite,
  type Deps,
  field,
  loadInteraction,
  requireCsrf,
  sendPage,
  stepContext,
} from './context.ts';
import { finishSignIn } from './finish.ts';

/** The sealed challenge is bound to the interaction: it opens nowhere else. */
const sealedFor = (uid: string) => `passkey-sign-in:${uid}`;

/** The password page, with fresh passkey options (a new challenge each time it is shown). */
export async function sendPasswordPage(
  deps: Deps,
  req: Request,
  res: Response,
  status: number,
  ctx: StepContext,
  options: Omit<Parameters<typeof passwordPage>[1], 'passkey'> = {},
): Promise<void> {
  const request = await deps.twostep.passkeys.signInOptions(relyingParty(deps.config));
  const passkey = {
    optionsJson: JSON.stringify(request.options),
    challenge: deps.config.secretBox.seal(
      JSON.stringify(request.challenge),
      sealedFor(String(req.params.uid)),
    ),
  };
  sendPage(res, status, passwordPage(ctx, { ...options, passkey }));
}

function openChallenge(deps: Deps, uid: string, sealed: string | undefined): PasskeyChallenge | null {
  try {
    return sealed
      ? (JSON.parse(deps.config.secretBox.open(sealed, sealedFor(uid))) as PasskeyChallenge)
      : null;
  } catch {
    return null;
  }
}

function parseJson(value: string | undefined): unknown {
  try {
    return value ? JSON.parse(value) : null;
  } catch {
    return null;
  }
}

/** POST /interaction/:uid/passkey — the browser's answer; signed in, or the password page says why not. */
export async function submitPasskey(deps: Deps, req: Request, res: Response): Promise<void> {
  const interaction = await loadInteraction(deps, req, res);
  if (interaction.prompt.name !== 'login') throw new HttpError(400);
  requireCsrf(deps, req, 'passkey-sign-in');
  const ctx = stepContext(deps, req, res, await clinicSite(deps, null));
  const limits = deps.config.rateLimits;
  if (!(await deps.limiter.hit('pwd-ip', req.ip ?? 'unknown', limits.passwordPerIp))) {
    return sendPasswordPage(deps, req, res, 429, ctx, { error: t('limit.body') });
  }
  const result = await deps.twostep.passkeys.signIn(actor(req, null), {
    response: parseJson(field(req, 'response')),
    challenge: openChallenge(deps, interaction.uid, field(req, 'challenge')),
    rp: relyingParty(deps.config),
  });
  if (!result.ok) {
    // Only the holder of a passkey with a good signature learns the account is locked.
    if (result.reason === 'locked') return sendPage(res, 403, lockedPage(ctx, null));
    // One answer for everything else: an unknown passkey, a bad signature, a disabled account…
    return sendPasswordPage(deps, req, res, 401, ctx, { error: t('passkeySignIn.failed') });
  }
  const method = result.passkey.backupEligible ? 'passwordless_synced_passkey' : 'passwordless_passkey';
  await finishSignIn(deps, req, res, interaction, result.staff, method);
}
