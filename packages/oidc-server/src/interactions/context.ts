/** What every interaction step needs, and small request/response helpers. */
import {
  type ActorContext,
  type Clinic,
  type Clock,
  clinicRegion,
  type Logger,
  type PasskeyChallenge,
  type SealedSecret,
  type SignInMethod,
  type StaffMember,
  type Stores,
  type Twostep,
} from '@twostep/core';
import type { Request, Response } from 'express';
import type Provider from 'oidc-provider';
import type { IdpConfig } from '../config.ts';
import type { Csrf } from '../csrf.ts';
import { HttpError } from '../errors.ts';
import type { StepContext } from '../pages/sign-in.ts';
import { learnLocale, setReturnPath } from '../messages/locale.ts';
import type { RateLimiter } from '../rate-limit.ts';

export type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface Deps {
  config: IdpConfig;
  provider: Provider;
  twostep: Twostep;
  stores: Stores;
  csrf: Csrf;
  limiter: RateLimiter;
  clock: Clock;
  logger: Logger;
  /** Checks email + password through passport-local; null for any failure (no reason given). */
  authenticate(req: Request, res: Response): Promise<StaffMember | null>;
}

/**
 * Sign-in progress, kept server-side in the oidc-provider interaction (the
 * browser only holds its signed, path-scoped uid cookie). Never from a form field.
 */
export interface SignInState {
  staffId: string;
  /** Epoch seconds of the password check; null when the SSO session vouched (second-factor-only step-up). */
  passwordAt: number | null;
  /** A finished step waiting for the user: the paused notice, or a recovery code to acknowledge. */
  pending?: { method: SignInMethod; recoveryCode?: SealedSecret; first?: boolean };
  /** Signed in with the recovery code: "Set up your new phone" may enroll a new method, or be skipped. */
  newPhone?: boolean;
  /** Step-up with SMS as the only method: the text was sent on arrival (not again on reload). */
  smsAutoSent?: boolean;
  /** Authenticator enrollment in progress: QR and key, sealed, to re-show after a wrong code. */
  totp?: SealedSecret;
  /** "Use a passkey": the WebAuthn challenge of the page shown (core takes it once). */
  passkey?: PasskeyChallenge;
  /**
   * The clinic's passkey rule: this person proved who they are with `method` (a code, or the recovery
   * code) and adds a passkey before the sign-in ends; `challenge` is the registration's, used once.
   */
  owePasskey?: { method: 'totp' | 'sms' | 'recovery'; challenge?: PasskeyChallenge };
  /** A passkey was added in this interaction (the rule is met: finish with the method used). */
  passkeyAdded?: boolean;
  /** SMS enrollment in progress: the number (as understood) and whether a code went out. */
  smsSetup?: { phone: string; sent: boolean; understood?: boolean };
  /** What the last form's answer was (a refusal, "code sent"), shown once by the page it redirected to (Post/Redirect/Get). */
  flash?: { error?: string; info?: string };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export async function loadInteraction(deps: Deps, req: Request, res: Response): Promise<Interaction> {
  const interaction = await deps.provider.interactionDetails(req, res);
  // The cookie names the interaction; the URL must agree (a stale tab, or a crafted link).
  if (interaction.uid !== req.params.uid) throw new HttpError(400);
  // The app's preferred languages; the language switch comes back to the step's page.
  learnLocale({
    app: typeof interaction.params.ui_locales === 'string' ? interaction.params.ui_locales : undefined,
  });
  setReturnPath(`${deps.config.basePath}/interaction/${interaction.uid}`);
  return interaction;
}

export function readState(interaction: Interaction): SignInState | null {
  const state = (interaction.result as { twostep?: SignInState } | undefined)?.twostep;
  return state && typeof state.staffId === 'string' ? state : null;
}

export async function saveState(interaction: Interaction, state: SignInState | null): Promise<void> {
  interaction.result = state ? { twostep: state } : {};
  await interaction.save(Math.max(1, interaction.exp - nowSeconds()));
}

/** The staff member this interaction is about, still active. */
export async function staffOf(deps: Deps, state: SignInState): Promise<StaffMember> {
  const staff = await deps.stores.staff.get(state.staffId);
  if (!staff?.active) throw new HttpError(403);
  learnLocale({ person: staff.locale });
  return staff;
}

export function actor(req: Request, staff: StaffMember | null): ActorContext {
  return {
    actorId: staff?.id ?? null,
    ip: req.ip ?? null,
    userAgent: req.get('user-agent')?.slice(0, 512) ?? null,
  };
}

export function field(req: Request, name: string): string | undefined {
  const value: unknown = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** Refuses a POST without this interaction's token for `purpose` (403). */
export function requireCsrf(deps: Deps, req: Request, purpose: string): void {
  if (!deps.csrf.verify(String(req.params.uid), purpose, field(req, 'csrf'))) throw new HttpError(403);
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) {
      try {
        return decodeURIComponent(part.slice(index + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The name pages show, and the time zone their times are in: the clinic's, else the server's. */
export async function clinicSite(
  deps: Deps,
  staff: StaffMember | null,
): Promise<{ siteName: string; timeZone: string }> {
  if (staff) learnLocale({ person: staff.locale });
  return siteOf(deps, staff ? await deps.stores.clinics.get(staff.clinicId) : null);
}

export function siteOf(deps: Deps, clinic: Clinic | null): { siteName: string; timeZone: string } {
  learnLocale({ clinic: clinic?.defaultLocale });
  return {
    siteName: clinic?.name ?? deps.config.siteName,
    timeZone: clinicRegion(clinic, deps.twostep.config).timeZone,
  };
}

export function stepContext(
  deps: Deps,
  req: Request,
  res: Response,
  site: { siteName: string; timeZone: string },
): StepContext {
  const uid = String(req.params.uid);
  return {
    nonce: String(res.locals.cspNonce),
    ...site,
    base: `${deps.config.basePath}/interaction/${uid}`,
    csrf: (purpose) => deps.csrf.token(uid, purpose),
  };
}

export function sendPage(res: Response, status: number, page: string): void {
  res.status(status).type('html').set('Cache-Control', 'no-store').send(page);
}

export function redirect(deps: Deps, req: Request, res: Response, step: string): void {
  res.redirect(303, `${deps.config.basePath}/interaction/${String(req.params.uid)}${step}`);
}
