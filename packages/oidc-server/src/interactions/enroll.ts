/** Forced enrollment inside the login prompt: authenticator app or SMS, then the first recovery code. */
import type { SealedSecret, SignInRequirement, StaffMember } from '@twostep/core';
import type { Request, Response } from 'express';
import { HttpError } from '../errors.ts';
import { codeError, formatTime, smsSentMessage, t } from '../messages/index.ts';
import { requires2fa } from '../provider.ts';
import { enrollChoicePage, enrollSmsPage, enrollTotpPage } from '../pages/sign-in.ts';
import { withinCodeLimits } from '../rate-limit.ts';
import {
  actor,
  clinicSite,
  type Deps,
  field,
  type Interaction,
  loadInteraction,
  readState,
  redirect,
  requireCsrf,
  type SignInState,
  saveState,
  sendPage,
  staffOf,
  stepContext,
} from './context.ts';
import { mayEnroll, proceed, requirementFor } from './decide.ts';
import { finishSignIn } from './finish.ts';
import { showRecoveryCode } from './second-factor.ts';

interface TotpSetup {
  qrSvg: string;
  groupedSecret: string;
}

/** Loads the interaction and refuses (by deciding again) when enrollment is not what this user needs. */
async function load(deps: Deps, req: Request, res: Response, purpose: string | null) {
  const interaction = await loadInteraction(deps, req, res);
  if (purpose) requireCsrf(deps, req, purpose);
  const state = readState(interaction);
  if (!state) throw new HttpError(400);
  const staff = await staffOf(deps, state);
  const requirement = await requirementFor(deps, req, interaction, state, staff);
  // Also after a sign-in with the recovery code: "Set up your new phone" (the code was verified here).
  const allowed = mayEnroll(requirement, interaction) || state.newPhone === true;
  const ctx = stepContext(deps, req, res, await clinicSite(deps, staff));
  // The clinic's passkey rule covers them: a passkey follows this first method (see enroll-passkey.ts).
  const passkeyNext = requirement.kind === 'enroll' && requirement.passkeyRequired === true;
  const graceUntil = laterUntil(requirement, interaction, state);
  return { interaction, state, staff, allowed, ctx, passkeyNext, graceUntil };
}

/**
 * A new staff member within the clinic's grace period may set up later: until when, or null. Only
 * after a password in this interaction (it is what the sign-in then ends with) and when the app
 * does not require 2-Step Verification.
 */
function laterUntil(
  requirement: SignInRequirement,
  interaction: Interaction,
  state: SignInState,
): Date | null {
  if (requirement.kind !== 'enroll' || !requirement.graceUntil || requirement.passkeyRequired) return null;
  return state.passwordAt !== null && !requires2fa(interaction.params) ? requirement.graceUntil : null;
}

const withinLimits = (deps: Deps, req: Request, staff: StaffMember) =>
  withinCodeLimits(deps.limiter, deps.config.rateLimits, req.ip, staff.id);

async function confirmed(
  deps: Deps,
  req: Request,
  res: Response,
  interaction: Interaction,
  state: SignInState,
  staff: StaffMember,
  method: 'totp' | 'sms',
  recoveryCode: string | null,
): Promise<void> {
  if (recoveryCode) {
    return showRecoveryCode(deps, req, res, interaction, state, method, recoveryCode, true);
  }
  return finishSignIn(deps, req, res, interaction, staff, method);
}

export async function showEnrollChoice(deps: Deps, req: Request, res: Response): Promise<void> {
  const { interaction, state, staff, allowed, ctx, passkeyNext, graceUntil } = await load(
    deps,
    req,
    res,
    null,
  );
  if (!allowed) return proceed(deps, req, res, interaction, state, staff);
  const grace = graceUntil
    ? {
        days: Math.ceil((graceUntil.getTime() - deps.clock.now().getTime()) / 86_400_000),
        until: formatTime(graceUntil, ctx.timeZone),
      }
    : null;
  sendPage(res, 200, enrollChoicePage(ctx, ctx.siteName, null, passkeyNext, grace));
}

/** "Later": a new staff member within the grace period signs in with the password; audited with the deadline. */
export async function enrollLater(deps: Deps, req: Request, res: Response): Promise<void> {
  const { interaction, state, staff, graceUntil } = await load(deps, req, res, 'enroll-later');
  if (!graceUntil) return proceed(deps, req, res, interaction, state, staff);
  const details = { enrollment: 'later', until: graceUntil.toISOString() };
  return finishSignIn(deps, req, res, interaction, staff, 'password', details);
}

/**
 * Every enrollment form answers with a 303 to a page (Post/Redirect/Get), so Back never asks to
 * resubmit: what the page shows next (a refusal, "code sent") is kept once in the interaction.
 */
async function backTo(
  deps: Deps,
  req: Request,
  res: Response,
  interaction: Interaction,
  state: SignInState,
  page: '/enroll/totp' | '/enroll/sms',
): Promise<void> {
  await saveState(interaction, state);
  redirect(deps, req, res, page);
}

/** Shown once, then cleared (a reload shows the plain page). */
async function takeFlash(interaction: Interaction, state: SignInState) {
  if (!state.flash) return {};
  await saveState(interaction, { ...state, flash: undefined });
  return state.flash;
}

export async function startTotp(deps: Deps, req: Request, res: Response): Promise<void> {
  const { interaction, state, staff, allowed } = await load(deps, req, res, 'enroll');
  if (!allowed) return proceed(deps, req, res, interaction, state, staff);
  const setup = await deps.twostep.enrollment.startTotp(staff);
  const shown: TotpSetup = { qrSvg: setup.qrSvg, groupedSecret: setup.groupedSecret };
  const sealed = deps.config.secretBox.seal(JSON.stringify(shown), `totp:${interaction.uid}`);
  return backTo(deps, req, res, interaction, { ...state, totp: sealed, flash: undefined }, '/enroll/totp');
}

const openTotp = (deps: Deps, interaction: Interaction, sealed: SealedSecret) =>
  JSON.parse(deps.config.secretBox.open(sealed, `totp:${interaction.uid}`)) as TotpSetup;

export async function showTotp(deps: Deps, req: Request, res: Response): Promise<void> {
  const { interaction, state, staff, allowed, ctx } = await load(deps, req, res, null);
  if (!allowed) return proceed(deps, req, res, interaction, state, staff);
  if (!state.totp) return redirect(deps, req, res, '/enroll');
  const { error } = await takeFlash(interaction, state);
  sendPage(res, 200, enrollTotpPage(ctx, { ...openTotp(deps, interaction, state.totp), error }));
}

export async function confirmTotp(deps: Deps, req: Request, res: Response): Promise<void> {
  const { interaction, state, staff, allowed, ctx } = await load(deps, req, res, 'enroll-confirm');
  if (!allowed) return proceed(deps, req, res, interaction, state, staff);
  if (!state.totp) return redirect(deps, req, res, '/enroll');
  if (!(await withinLimits(deps, req, staff))) {
    const shown = openTotp(deps, interaction, state.totp);
    return sendPage(res, 429, enrollTotpPage(ctx, { ...shown, error: t('limit.body') }));
  }
  const result = await deps.twostep.enrollment.confirmTotp(actor(req, staff), staff, field(req, 'code'));
  if (!result.ok) {
    const flash = { error: codeError(result, ctx.timeZone) };
    return backTo(deps, req, res, interaction, { ...state, flash }, '/enroll/totp');
  }
  return confirmed(deps, req, res, interaction, state, staff, 'totp', result.recoveryCode);
}

/** "Text messages" on the choice page. */
export async function chooseSms(deps: Deps, req: Request, res: Response): Promise<void> {
  const { interaction, state, staff, allowed } = await load(deps, req, res, 'enroll');
  if (!allowed) return proceed(deps, req, res, interaction, state, staff);
  redirect(deps, req, res, '/enroll/sms');
}

export async function showSms(deps: Deps, req: Request, res: Response): Promise<void> {
  const { interaction, state, staff, allowed, ctx } = await load(deps, req, res, null);
  if (!allowed) return proceed(deps, req, res, interaction, state, staff);
  const flash = await takeFlash(interaction, state);
  sendPage(res, 200, enrollSmsPage(ctx, { sent: false, ...state.smsSetup, ...flash }));
}

export async function sendEnrollSms(deps: Deps, req: Request, res: Response): Promise<void> {
  const { interaction, state, staff, allowed, ctx } = await load(deps, req, res, 'enroll');
  if (!allowed) return proceed(deps, req, res, interaction, state, staff);
  const phone = (field(req, 'phone') ?? '').slice(0, 32);
  const sent = state.smsSetup?.sent ?? false;
  if (!(await withinLimits(deps, req, staff))) {
    return sendPage(res, 429, enrollSmsPage(ctx, { phone, sent, error: t('limit.body') }));
  }
  const result = await deps.twostep.enrollment.startSms(actor(req, staff), staff, phone);
  if (!result.ok && result.reason === 'invalid_phone') {
    const flash = { error: t('code.error.invalid_phone') };
    return backTo(deps, req, res, interaction, { ...state, smsSetup: { phone, sent }, flash }, '/enroll/sms');
  }
  const now = result.ok || result.reason === 'cooldown';
  const smsSetup = { phone: result.e164, sent: now, understood: now };
  const flash = smsSentMessage(result, ctx.timeZone);
  return backTo(deps, req, res, interaction, { ...state, smsSetup, flash }, '/enroll/sms');
}

export async function confirmSms(deps: Deps, req: Request, res: Response): Promise<void> {
  const { interaction, state, staff, allowed, ctx } = await load(deps, req, res, 'enroll-confirm');
  if (!allowed) return proceed(deps, req, res, interaction, state, staff);
  if (!(await withinLimits(deps, req, staff))) {
    return sendPage(res, 429, enrollSmsPage(ctx, { ...state.smsSetup, sent: true, error: t('limit.body') }));
  }
  const result = await deps.twostep.enrollment.confirmSms(actor(req, staff), staff, field(req, 'code'));
  if (!result.ok) {
    const flash = { error: codeError(result, ctx.timeZone) };
    return backTo(deps, req, res, interaction, { ...state, flash }, '/enroll/sms');
  }
  return confirmed(deps, req, res, interaction, state, staff, 'sms', result.recoveryCode);
}
