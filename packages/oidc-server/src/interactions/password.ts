/** The password step, through passport-local. */
import { randomBytes } from 'node:crypto';
import type { Clock, Logger, PasswordHasher, StaffMember, Stores, Twostep } from '@twostep/core';
import type { Request, Response } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { t } from '../messages/index.ts';
import {
  actor,
  type Deps,
  clinicSite,
  field,
  loadInteraction,
  nowSeconds,
  readState,
  redirect,
  requireCsrf,
  saveState,
  stepContext,
} from './context.ts';
import { proceed } from './decide.ts';
import { sendPasswordPage } from './passkey-first.ts';

/**
 * A passport instance of our own (no global state, no sessions: identity goes
 * into the oidc-provider interaction). Unknown email and wrong password take
 * the same path: one check through `hasher` (against a dummy hash made by the
 * same hasher, so the same algorithm and cost, when the email is unknown), the
 * same answer. A correct password whose hash has another algorithm or cost
 * (scrypt from before argon2id) is rehashed: one conditional update.
 */
export function createPasswordCheck(options: {
  stores: Stores;
  twostep: Twostep;
  hasher: PasswordHasher;
  clock: Clock;
  logger: Logger;
}): (req: Request, res: Response) => Promise<StaffMember | null> {
  const { hasher } = options;
  const dummyHash = hasher.hash(randomBytes(16).toString('base64url'));
  async function rehash(staff: StaffMember, password: string): Promise<void> {
    try {
      const next = await hasher.hash(password);
      await options.stores.staff.replacePasswordHash(staff.id, staff.passwordHash, next);
    } catch (error) {
      // The sign-in itself succeeded; the old hash stays valid and is rehashed next time.
      options.logger.warn('password rehash failed', { error, staffId: staff.id });
    }
  }
  const instance = new passport.Passport();
  instance.use(
    'local',
    new LocalStrategy(
      { usernameField: 'email', passwordField: 'password', session: false, passReqToCallback: true },
      (req, email, password, done) => {
        (async () => {
          const staff = await options.stores.staff.findByEmail(email.trim().toLowerCase());
          if (!staff) {
            await hasher.verify(password, await dummyHash);
            return null;
          }
          const valid = await hasher.verify(password, staff.passwordHash);
          if (valid && staff.active) {
            if (hasher.needsRehash(staff.passwordHash)) await rehash(staff, password);
            return staff;
          }
          await options.twostep.audit.record(actor(req as Request, null), {
            clinicId: staff.clinicId,
            type: 'sign_in.failed',
            targetId: staff.id,
            details: { reason: valid ? 'inactive' : 'password' },
          });
          return null;
        })().then(
          (staff) => (staff ? done(null, staff) : done(null, false)),
          (error: unknown) => done(error),
        );
      },
    ),
  );
  return (req, res) =>
    new Promise((resolve, reject) => {
      instance.authenticate('local', { session: false }, (error: unknown, user: StaffMember | false) => {
        if (error) reject(error);
        else resolve(user || null);
      })(req, res, reject);
    });
}

export async function submitPassword(deps: Deps, req: Request, res: Response): Promise<void> {
  const interaction = await loadInteraction(deps, req, res);
  requireCsrf(deps, req, 'password');
  const email = (field(req, 'email') ?? '').trim().toLowerCase().slice(0, 254);
  const ctx = stepContext(deps, req, res, await clinicSite(deps, null));
  const limits = deps.config.rateLimits;
  const ipOk = await deps.limiter.hit('pwd-ip', req.ip ?? 'unknown', limits.passwordPerIp);
  const accountOk = await deps.limiter.hit('pwd-account', email, limits.passwordPerAccount);
  if (!ipOk || !accountOk) {
    return sendPasswordPage(deps, req, res, 429, ctx, { email, error: t('limit.body') });
  }
  const staff = await deps.authenticate(req, res);
  if (!staff) {
    // Post/Redirect/Get, to this step's own page (a success goes on elsewhere). Unknown email and
    // wrong password: the same Location, the same page.
    interaction.result = { [REFUSAL]: { email, error: t('password.invalid') } };
    await interaction.save(Math.max(1, interaction.exp - nowSeconds()));
    return redirect(deps, req, res, '/password');
  }
  const state = { staffId: staff.id, passwordAt: nowSeconds() };
  await saveState(interaction, state);
  await proceed(deps, req, res, interaction, state, staff);
}

/** A refused password, kept in the interaction (no one is signed in yet) until its page shows it once. */
const REFUSAL = 'twostepPasswordRefusal';

/** GET /interaction/:uid/password — the password page after a refusal; a reload or Back shows the plain one. */
export async function showPasswordRefusal(deps: Deps, req: Request, res: Response): Promise<void> {
  const interaction = await loadInteraction(deps, req, res);
  const refusal = (interaction.result as Record<string, { email: string; error: string }> | undefined)?.[
    REFUSAL
  ];
  if (interaction.prompt.name !== 'login' || readState(interaction) || !refusal) {
    return redirect(deps, req, res, '');
  }
  interaction.result = {};
  await interaction.save(Math.max(1, interaction.exp - nowSeconds()));
  const ctx = stepContext(deps, req, res, await clinicSite(deps, null));
  return sendPasswordPage(deps, req, res, 200, ctx, refusal);
}
