/** The password step, through passport-local. */
import {
  type Clock,
  hashPassword,
  type Logger,
  type PasswordCost,
  type StaffMember,
  type Stores,
  type Twostep,
  verifyPassword,
} from '@twostep/core';
import type { Request, Response } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { t } from '../messages/index.ts';
import { passwordPage } from '../pages/sign-in.ts';
import {
  actor,
  type Deps,
  field,
  loadInteraction,
  nowSeconds,
  requireCsrf,
  saveState,
  sendPage,
  stepContext,
} from './context.ts';
import { proceed } from './decide.ts';

/**
 * A passport instance of our own (no global state, no sessions: identity goes
 * into the oidc-provider interaction). Unknown email and wrong password take
 * the same path: a scrypt check (against a dummy hash of the same cost when
 * the email is unknown), the same answer.
 */
export function createPasswordCheck(options: {
  stores: Stores;
  twostep: Twostep;
  cost: PasswordCost;
  clock: Clock;
  logger: Logger;
}): (req: Request, res: Response) => Promise<StaffMember | null> {
  const dummyHash = hashPassword('not a real password', options.cost);
  const instance = new passport.Passport();
  instance.use(
    'local',
    new LocalStrategy(
      { usernameField: 'email', passwordField: 'password', session: false, passReqToCallback: true },
      (req, email, password, done) => {
        (async () => {
          const staff = await options.stores.staff.findByEmail(email.trim().toLowerCase());
          if (!staff) {
            await verifyPassword(password, await dummyHash);
            return null;
          }
          const valid = await verifyPassword(password, staff.passwordHash);
          if (valid && staff.active) return staff;
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
  const ctx = stepContext(deps, req, res, deps.config.siteName);
  const limits = deps.config.rateLimits;
  const ipOk = await deps.limiter.hit('pwd-ip', req.ip ?? 'unknown', limits.passwordPerIp);
  const accountOk = await deps.limiter.hit('pwd-account', email, limits.passwordPerAccount);
  if (!ipOk || !accountOk) {
    return sendPage(res, 429, passwordPage(ctx, { email, error: t('limit.body') }));
  }
  const staff = await deps.authenticate(req, res);
  if (!staff) {
    return sendPage(res, 401, passwordPage(ctx, { email, error: t('password.invalid') }));
  }
  const state = { staffId: staff.id, passwordAt: nowSeconds() };
  await saveState(interaction, state);
  await proceed(deps, req, res, interaction, state, staff);
}
