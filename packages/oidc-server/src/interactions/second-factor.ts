/**
 * The second step: a passkey, an authenticator code, an SMS code, or the recovery code;
 * "Remember this device". A passkey comes first when the person has one (it is the strongest);
 * when the app needs loa:phr it is the only way offered.
 */
import {
  type CodeMethod,
  isCodeMethod,
  type SecondFactorMethod,
  type SignInRequirement,
  type StaffMember,
} from '@twostep/core';
import type { Request, Response } from 'express';
import { HttpError } from '../errors.ts';
import { codeError, formatTime, smsSentMessage, t } from '../messages/index.ts';
import { type CodePageOptions, codePage, helpPage, lockedPage, passkeyNeededPage } from '../pages/sign-in.ts';
import { authenticatorAnswer, relyingParty } from '../pages/webauthn.ts';
import { requiresPhishingResistant } from '../provider.ts';
import { withinCodeLimits } from '../rate-limit.ts';
import {
  actor,
  clinicSite,
  siteOf,
  type Deps,
  field,
  type Interaction,
  loadInteraction,
  readState,
  requireCsrf,
  type SignInState,
  redirect,
  saveState,
  sendPage,
  staffOf,
  stepContext,
} from './context.ts';
import { proceed, requirementFor } from './decide.ts';
import { finishSignIn, finishWithError } from './finish.ts';

const METHODS: readonly CodeMethod[] = ['totp', 'sms', 'recovery'];
const ALL_METHODS: readonly SecondFactorMethod[] = ['passkey', ...METHODS];

async function load(deps: Deps, req: Request, res: Response) {
  const interaction = await loadInteraction(deps, req, res);
  const state = readState(interaction);
  if (!state) throw new HttpError(400);
  const staff = await staffOf(deps, state);
  const requirement = await requirementFor(deps, req, interaction, state, staff);
  const methods = offered(requirement, interaction);
  return { interaction, state, staff, requirement, methods, reason: stepUpReason(interaction, state) };
}

type Loaded = Awaited<ReturnType<typeof load>>;

/** The ways offered, best first: a passkey first; only a passkey when the app needs loa:phr. */
function offered(requirement: SignInRequirement, interaction: Interaction): SecondFactorMethod[] {
  if (requirement.kind !== 'second_factor') return [];
  const methods = ALL_METHODS.filter((m) => requirement.methods.includes(m));
  return requiresPhishingResistant(interaction.params) ? methods.filter((m) => m === 'passkey') : methods;
}

/**
 * Why the second step is asked: a step-up on a live session (no password in this interaction), or
 * an app that needs a passkey (loa:phr). Null on a plain sign-in.
 */
function stepUpReason(interaction: Interaction, state: SignInState): string | null {
  if (requiresPhishingResistant(interaction.params)) return t('code.stepUp.passkey');
  if (state.passwordAt !== null) return null;
  const maxAge = Number(interaction.params.max_age);
  if (!Number.isFinite(maxAge) || maxAge < 0) return t('code.stepUp.twoFactor');
  const minutes = Math.floor(maxAge / 60);
  if (minutes === 0) return t('code.stepUp.now');
  return t('code.stepUp.minutes', { minutes });
}

async function render(
  deps: Deps,
  req: Request,
  res: Response,
  staff: StaffMember,
  status: number,
  options: Omit<CodePageOptions, 'offerRemember' | 'rememberDays'>,
  /** An error or notice whose times are in the clinic's zone. */
  message?: (timeZone: string) => { error?: string; info?: string },
): Promise<void> {
  const clinic = await deps.stores.clinics.get(staff.clinicId);
  const ctx = stepContext(deps, req, res, siteOf(deps, clinic));
  sendPage(
    res,
    status,
    codePage(ctx, {
      ...options,
      ...message?.(ctx.timeZone),
      // A remembered device cannot spare the next step-up: not offered then.
      offerRemember: (clinic?.allowTrustedDevices ?? false) && !options.reason,
      rememberDays: deps.twostep.config.trustedDevices.days,
    }),
  );
}

const withinLimits = (deps: Deps, req: Request, staff: StaffMember) =>
  withinCodeLimits(deps.limiter, deps.config.rateLimits, req.ip, staff.id);

export async function showCodePage(deps: Deps, req: Request, res: Response): Promise<void> {
  const loaded = await load(deps, req, res);
  const { interaction, state, staff, requirement, methods, reason } = loaded;
  if (requirement.kind !== 'second_factor') return proceed(deps, req, res, interaction, state, staff);
  if (methods.length === 0) {
    // Only a passkey would do (loa:phr), and this person has none.
    const ctx = stepContext(deps, req, res, await clinicSite(deps, staff));
    return sendPage(res, 200, passkeyNeededPage(ctx));
  }
  const wanted = ALL_METHODS.find((m) => m === req.query.method);
  const method = wanted && methods.includes(wanted) ? wanted : methods[0]!;
  if (method === 'passkey') return showPasskey(deps, req, res, loaded);
  if (state.flash) {
    // Shown once: a reload or Back shows the plain page again.
    await saveState(interaction, { ...state, flash: undefined });
    return render(deps, req, res, staff, 200, {
      method,
      methods,
      reason,
      smsSent: true,
      error: state.flash.error,
      info: state.flash.info,
    });
  }
  const smsOnly = methods.filter((m) => m !== 'recovery').join() === 'sms';
  if (reason && smsOnly && method === 'sms') return autoSendSms(deps, req, res, loaded, methods, reason);
  // A reload or Back after "sent": the code form stays while the texted code is live.
  const smsSent = method === 'sms' && (await liveSmsCode(deps, staff));
  return render(deps, req, res, staff, 200, { method, methods, reason, smsSent });
}

async function liveSmsCode(deps: Deps, staff: StaffMember): Promise<boolean> {
  const current = await deps.stores.smsChallenges.current(staff.id, 'sign_in');
  return !!current && current.consumedAt === null && current.expiresAt > deps.clock.now();
}

/** "Use a passkey": a new challenge, kept in the interaction; a refusal's message shown once. */
async function showPasskey(
  deps: Deps,
  req: Request,
  res: Response,
  { interaction, state, staff, methods, reason }: Loaded,
): Promise<void> {
  const { options, challenge } = await deps.twostep.passkeys.authenticationOptions(
    staff,
    relyingParty(deps.config),
  );
  await saveState(interaction, { ...state, flash: undefined, passkey: challenge });
  return render(deps, req, res, staff, 200, {
    method: 'passkey',
    methods,
    reason,
    passkeyOptions: JSON.stringify(options),
    error: state.flash?.error ?? null,
  });
}

/**
 * The authenticator's answer to "Use a passkey": verified in core behind the same throttle as the
 * codes; on success the sign-in finishes at loa:phr. A refusal comes back to the passkey page
 * (Post/Redirect/Get) with a new challenge.
 */
export async function verifyPasskey(deps: Deps, req: Request, res: Response): Promise<void> {
  const { interaction, state, staff, requirement, methods, reason } = await load(deps, req, res);
  requireCsrf(deps, req, 'passkey');
  // Locked: still hand the attempt to core, which refuses it and audits it.
  if (requirement.kind !== 'second_factor' && requirement.kind !== 'locked') {
    return proceed(deps, req, res, interaction, state, staff);
  }
  if (requirement.kind === 'second_factor' && !methods.includes('passkey')) throw new HttpError(400);
  const refused = async (error: string) => {
    await saveState(interaction, { ...state, flash: { error } });
    return redirect(deps, req, res, '/verify?method=passkey');
  };
  if (!(await withinLimits(deps, req, staff))) return refused(t('limit.body'));
  const response = authenticatorAnswer(field(req, 'response'));
  const result = await deps.twostep.passkeys.verifySignIn(actor(req, staff), staff, {
    response,
    challenge: state.passkey,
    rp: relyingParty(deps.config),
  });
  if (!result.ok) {
    if (result.reason === 'throttled' || result.reason === 'locked') {
      return sendLocked(deps, req, res, staff, result.reason, result.retryAt);
    }
    return refused(t(`code.passkey.error.${result.reason}`));
  }
  if (field(req, 'remember') === 'yes' && !reason) await rememberDevice(deps, req, res, staff);
  return finishSignIn(deps, req, res, interaction, staff, result.method);
}

/** "Back to the app" from the page for someone without a passkey: the app learns loa:phr was not met. */
export async function leaveWithoutPasskey(deps: Deps, req: Request, res: Response): Promise<void> {
  const { interaction, methods } = await load(deps, req, res);
  requireCsrf(deps, req, 'no-passkey');
  if (!requiresPhishingResistant(interaction.params) || methods.length > 0) throw new HttpError(400);
  await finishWithError(
    deps,
    req,
    res,
    'unmet_authentication_requirements',
    'a sign-in with a passkey is required',
  );
}

/** Too many wrong tries: when to try again, or (locked) who can unlock. */
async function sendLocked(
  deps: Deps,
  req: Request,
  res: Response,
  staff: StaffMember,
  reason: 'throttled' | 'locked',
  retryAt: Date | null,
): Promise<void> {
  const ctx = stepContext(deps, req, res, await clinicSite(deps, staff));
  const at = retryAt ? formatTime(retryAt, ctx.timeZone) : null;
  sendPage(res, reason === 'locked' ? 403 : 429, lockedPage(ctx, at));
}

/**
 * Step-up for someone whose only method is SMS: the text goes out on arrival, once per step-up
 * (marked in the interaction); the atomic SMS cooldown stops a second text from a reload race.
 */
async function autoSendSms(
  deps: Deps,
  req: Request,
  res: Response,
  { interaction, state, staff }: Loaded,
  methods: SecondFactorMethod[],
  reason: string,
): Promise<void> {
  const page = { method: 'sms' as const, methods, reason, smsSent: true };
  if (state.smsAutoSent || !(await withinLimits(deps, req, staff))) {
    return render(deps, req, res, staff, 200, page);
  }
  await saveState(interaction, { ...state, smsAutoSent: true });
  const result = await deps.twostep.secondFactor.sendSmsCode(actor(req, staff), staff);
  return render(deps, req, res, staff, 200, page, (zone) => smsSentMessage(result, zone));
}

/** "Having trouble?": the other ways in, the clinic's Full Access Users, the operator's contact. */
export async function showHelp(deps: Deps, req: Request, res: Response): Promise<void> {
  const { staff, requirement } = await load(deps, req, res);
  const methods = requirement.kind === 'second_factor' ? requirement.methods.filter(isCodeMethod) : [];
  const admins = await deps.stores.staff.list(staff.clinicId, { role: 'full_access', limit: 20 });
  const names = admins.items
    .filter((a) => a.active && a.role === 'full_access' && a.id !== staff.id)
    .map((a) => a.name);
  const clinic = await deps.stores.clinics.get(staff.clinicId);
  const site = siteOf(deps, clinic);
  const ctx = stepContext(deps, req, res, site);
  const support = deps.config.supportContact ?? null;
  const clinicContact = clinic?.contact ?? null;
  sendPage(
    res,
    200,
    helpPage(ctx, { clinic: site.siteName, methods, admins: names, clinicContact, support }),
  );
}

export async function submitCode(deps: Deps, req: Request, res: Response): Promise<void> {
  const loaded = await load(deps, req, res);
  const { interaction, state, staff, requirement, reason } = loaded;
  requireCsrf(deps, req, 'verify');
  // Locked: still hand the attempt to core, which refuses it and audits it.
  if (requirement.kind !== 'second_factor' && requirement.kind !== 'locked') {
    return proceed(deps, req, res, interaction, state, staff);
  }
  const methods = requirement.kind === 'second_factor' ? loaded.methods : METHODS;
  const method = METHODS.find((m) => m === field(req, 'method'));
  if (!method || !methods.includes(method)) throw new HttpError(400);
  const page = { method, methods, reason };
  if (!(await withinLimits(deps, req, staff))) {
    return render(deps, req, res, staff, 429, { ...page, error: t('limit.body') });
  }

  const result = await deps.twostep.secondFactor.verify(actor(req, staff), staff, method, field(req, 'code'));
  if (!result.ok) {
    if (result.reason === 'throttled' || result.reason === 'locked') {
      return sendLocked(deps, req, res, staff, result.reason, result.retryAt);
    }
    // Post/Redirect/Get: Back from the next page never asks to resubmit the form.
    const { timeZone } = await clinicSite(deps, staff);
    await saveState(interaction, { ...state, flash: { error: codeError(result, timeZone) } });
    return redirect(deps, req, res, `/verify?method=${method}`);
  }

  if (field(req, 'remember') === 'yes' && !reason) await rememberDevice(deps, req, res, staff);
  if (result.newRecoveryCode) {
    return showRecoveryCode(deps, req, res, interaction, state, method, result.newRecoveryCode, false);
  }
  return finishSignIn(deps, req, res, interaction, staff, method);
}

/** Sets the trusted-device cookie: HttpOnly, SameSite=Lax, Secure (unless a localhost issuer), IdP-scoped. */
export async function rememberDevice(
  deps: Deps,
  req: Request,
  res: Response,
  staff: StaffMember,
): Promise<void> {
  const trusted = await deps.twostep.devices.trust(actor(req, staff), staff, req.get('user-agent') ?? null);
  if (!trusted.ok) return;
  res.cookie(deps.config.deviceCookieName, trusted.token, {
    httpOnly: true,
    secure: deps.config.secureCookies,
    sameSite: 'lax',
    path: `${deps.config.basePath}/interaction`,
    maxAge: deps.twostep.config.trustedDevices.days * 86_400_000,
  });
}

/** Keeps the code (sealed, in the interaction) until acknowledged; the interaction's page shows it (a 303 there). */
export async function showRecoveryCode(
  deps: Deps,
  req: Request,
  res: Response,
  interaction: Interaction,
  state: SignInState,
  method: 'totp' | 'sms' | 'recovery',
  code: string,
  first: boolean,
): Promise<void> {
  const sealed = deps.config.secretBox.seal(code, `recovery:${interaction.uid}`);
  await saveState(interaction, {
    ...state,
    totp: undefined,
    smsSetup: undefined,
    pending: { method, recoveryCode: sealed, first },
  });
  redirect(deps, req, res, '');
}

export async function sendSms(deps: Deps, req: Request, res: Response): Promise<void> {
  const { interaction, state, staff, requirement, methods, reason } = await load(deps, req, res);
  requireCsrf(deps, req, 'sms');
  if (requirement.kind !== 'second_factor') return proceed(deps, req, res, interaction, state, staff);
  if (!methods.includes('sms')) throw new HttpError(400);
  const page = { method: 'sms' as const, methods, reason, smsSent: true };
  if (!(await withinLimits(deps, req, staff))) {
    return render(deps, req, res, staff, 429, { ...page, error: t('limit.body') });
  }
  const result = await deps.twostep.secondFactor.sendSmsCode(actor(req, staff), staff);
  // The clinic's daily quota is a limit like the one above: answered directly.
  if (!result.ok && result.reason === 'quota') {
    return render(deps, req, res, staff, 429, page, (zone) => smsSentMessage(result, zone));
  }
  // Post/Redirect/Get: "sent" or "wait until…" is shown once by the code page.
  const { timeZone } = await clinicSite(deps, staff);
  await saveState(interaction, { ...state, flash: smsSentMessage(result, timeZone) });
  return redirect(deps, req, res, '/verify?method=sms');
}
