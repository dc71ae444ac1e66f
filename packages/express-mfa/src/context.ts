import type { Request } from 'express';
import { type StepUpRequirement, type TwostepClaims, unmetRequirement } from './claims.ts';
import { TwostepError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import type { SessionData } from './session.ts';

/**
 * `req.twostep`: who is signed in and how, on every request behind the {@link twostep} router.
 *
 * @example
 * ```ts
 * app.get('/schedule', requireAuth(), (req, res) => {
 *   res.send(`Hello ${req.twostep.claims?.name}, signed in with ${req.twostep.amr.join('+')}`);
 * });
 * ```
 */
export interface TwostepContext {
  readonly sub: string | undefined;
  readonly acr: string | undefined;
  readonly amr: readonly string[];
  /** Seconds since the epoch of the last interactive verification, when the IdP said. */
  readonly authTime: number | undefined;
  readonly claims: TwostepClaims | undefined;
  /** True when a staff member is signed in. Narrows `sub` and `claims` to defined. */
  isAuthenticated(): this is AuthenticatedTwostepContext;
  /** True when signed in with an acr at least `acr` and a verification at most `maxAge` seconds old. */
  satisfies(requirement: StepUpRequirement): boolean;
}

/**
 * {@link TwostepContext} after `isAuthenticated()` returned true.
 *
 * @example
 * ```ts
 * if (req.twostep.isAuthenticated()) console.log(req.twostep.sub.toUpperCase());
 * ```
 */
export interface AuthenticatedTwostepContext extends TwostepContext {
  readonly sub: string;
  readonly claims: TwostepClaims;
}

/** Per-request internals the route guards need: kept off the public `req.twostep`. */
export interface RequestState {
  options: ResolvedOptions;
  session: SessionData | undefined;
  startLogin(req: Request, res: import('express').Response, pending: LoginRequest): Promise<void>;
}

/** What a login started by a guard must achieve. */
export interface LoginRequest {
  returnTo: string;
  acr?: string | undefined;
  maxAge?: number | undefined;
  sub?: string | undefined;
}

const states = new WeakMap<Request, RequestState>();

export function attachState(req: Request, state: RequestState): void {
  states.set(req, state);
  req.twostep = createContext(state);
}

export function stateOf(req: Request): RequestState {
  const state = states.get(req);
  if (state === undefined)
    throw new TwostepError(
      'not_mounted',
      'requireAuth()/requireStepUp() need the twostep() router mounted earlier: app.use(twostep(options))',
    );
  return state;
}

function createContext(state: RequestState): TwostepContext {
  // Getters, so a sign-in later in the same request is visible.
  const claims = (): TwostepClaims | undefined => state.session?.user?.claims;
  return {
    get sub() {
      return claims()?.sub;
    },
    get acr() {
      return claims()?.acr;
    },
    get amr() {
      return claims()?.amr ?? [];
    },
    get authTime() {
      return claims()?.auth_time;
    },
    get claims() {
      return claims();
    },
    isAuthenticated(): this is AuthenticatedTwostepContext {
      return typeof claims()?.sub === 'string';
    },
    satisfies(requirement: StepUpRequirement): boolean {
      const c = claims();
      if (c === undefined) return false;
      const { options } = state;
      return (
        unmetRequirement(c, requirement, {
          nowSeconds: Math.floor(options.now() / 1000),
          clockTolerance: options.clockTolerance,
          acrValues: options.acrValues,
        }) === undefined
      );
    },
  };
}
