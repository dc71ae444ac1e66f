import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { bearerChallenge, isNavigation } from './challenge.ts';
import { unmetRequirement } from './claims.ts';
import { type RequestState, stateOf } from './context.ts';
import { TwostepError } from './errors.ts';
import { safeReturnTo } from './return-url.ts';

/** The acr `requireStepUp()` asks for by default. */
export const TWOSTEP_2FA = 'urn:twostep:loa:2fa';

/**
 * Options of {@link requireStepUp}.
 *
 * @example
 * ```ts
 * const chart: RequireStepUpOptions = { maxAge: 600 };
 * ```
 */
export interface RequireStepUpOptions {
  /** Minimum acr. Default `urn:twostep:loa:2fa`. */
  acr?: string | undefined;
  /** Maximum seconds since the last interactive verification. */
  maxAge?: number | undefined;
}

const wrap =
  (handler: (req: Request, res: Response, next: NextFunction) => Promise<void> | void): RequestHandler =>
  (req, res, next) => {
    // Express 4 ignores rejected promises, so route them (and throws) to next() ourselves.
    // Called at once, not a microtask later: this runs on every request.
    try {
      const result = handler(req, res, next);
      if (result !== undefined) result.catch(next);
    } catch (error) {
      next(error);
    }
  };

/**
 * A route guard's check, given the request's state: the standalone guards read it from `req.twostep`,
 * the middleware's own guards pass the state they have just attached.
 */
export type Guard = (
  req: Request,
  res: Response,
  next: NextFunction,
  state: RequestState,
) => Promise<void> | void;

/** A standalone guard: needs `app.use(twostep())` ahead of it. */
const standalone = (guard: Guard): RequestHandler =>
  wrap((req, res, next) => guard(req, res, next, stateOf(req)));

function returnToOf(req: Request, state: RequestState): string {
  // originalUrl comes from the request line, which can be `//evil.example`: validate it like any input.
  return safeReturnTo(req.originalUrl) ?? state.options.defaultReturnTo;
}

function unauthenticated(
  req: Request,
  res: Response,
  state: RequestState,
  acr?: string,
  maxAge?: number,
): Promise<void> | void {
  if (isNavigation(req)) return state.startLogin(req, res, { returnTo: returnToOf(req, state), acr, maxAge });
  res
    .status(401)
    .set('WWW-Authenticate', bearerChallenge({ realm: state.options.realm }))
    .json({ error: 'login_required', error_description: 'Sign-in required' });
}

/**
 * Lets signed-in staff through. Otherwise a browser navigation is sent to the IdP (and back here
 * afterwards); an API call gets `401` with `WWW-Authenticate: Bearer realm="…"`.
 *
 * @example
 * ```ts
 * app.get('/schedule', requireAuth(), (req, res) => res.render('schedule', { who: req.twostep.claims?.name }));
 * ```
 */
export function requireAuth(): RequestHandler {
  return standalone(authGuard());
}

/** requireAuth()'s check, for the middleware's own `mw.requireAuth()` too (not exported from the package). */
export function authGuard(): Guard {
  return (req, res, next, state) => {
    if (state.session?.user !== undefined) return next();
    return unauthenticated(req, res, state);
  };
}

/**
 * Requires a recent, strong enough sign-in. If the session does not meet `{ acr, maxAge }`, a browser
 * navigation is redirected to the IdP with `acr_values` and `max_age`, and returns to this URL once
 * the callback has checked the answer (same `sub`, the acr, `auth_time` within `maxAge`); an answer
 * that falls short gets a 403 page, never another redirect. API calls get the RFC 9470 challenge:
 * `401` with `WWW-Authenticate: Bearer error="insufficient_user_authentication", …`.
 *
 * @example
 * ```ts
 * app.get('/patients/:id/chart', requireStepUp({ maxAge: 600 }), showChart);
 * ```
 */
export function requireStepUp(options: RequireStepUpOptions = {}): RequestHandler {
  return standalone(stepUpGuard(options));
}

/** requireStepUp()'s check (options validated here), for `mw.requireStepUp()` too (not exported from the package). */
export function stepUpGuard(options: RequireStepUpOptions = {}): Guard {
  const acr = options.acr ?? TWOSTEP_2FA;
  const { maxAge } = options;
  if (typeof acr !== 'string' || acr === '')
    throw new TwostepError('invalid_option', 'requireStepUp option `acr` must be a non-empty string', {
      path: 'acr',
    });
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0))
    throw new TwostepError(
      'invalid_option',
      'requireStepUp option `maxAge` must be a whole number of seconds',
      {
        path: 'maxAge',
      },
    );

  const requirement = { acr, maxAge }; // built once: this guard runs on every request of its routes
  return (req, res, next, state) => {
    const user = state.session?.user;
    if (user === undefined) return unauthenticated(req, res, state, acr, maxAge);
    const { options: o } = state;
    const unmet = unmetRequirement(user.claims, requirement, {
      nowSeconds: Math.floor(o.now() / 1000),
      clockTolerance: o.clockTolerance,
      acrValues: o.acrValues,
    });
    if (unmet === undefined) return next();
    if (isNavigation(req))
      return state.startLogin(req, res, {
        returnTo: returnToOf(req, state),
        acr,
        maxAge,
        sub: user.claims.sub,
      });
    res
      .status(401)
      .set(
        'WWW-Authenticate',
        bearerChallenge({
          error: 'insufficient_user_authentication',
          errorDescription:
            unmet === 'acr'
              ? 'A different authentication level is required'
              : 'More recent authentication is required',
          acrValues: [acr],
          maxAge,
        }),
      )
      .json({ error: 'insufficient_user_authentication', acr_values: acr, max_age: maxAge });
  };
}

export { wrap as asyncHandler };
