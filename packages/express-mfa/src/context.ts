import type { Request } from 'express';
import { type StepUpRequirement, type TwostepClaims, unmetRequirement } from './claims.ts';
import { TwostepError } from './errors.ts';
import type { CsrfTokens } from './form.ts';
import type { ResolvedOptions } from './options.ts';
import type { SessionData } from './session.ts';

/**
 * `req.twostep`: who is signed in and how, on every request behind the {@link twostep} middleware.
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
  /**
   * The CSRF token the sign-out form must carry (`<input type="hidden" name="csrf">`, or an
   * `X-CSRF-Token` header), bound to this session; undefined when nobody is signed in.
   */
  readonly csrfToken: string | undefined;
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
  csrf: CsrfTokens;
  startLogin(req: Request, res: import('express').Response, pending: LoginRequest): Promise<void>;
}

/** What a login started by a guard must achieve. */
export interface LoginRequest {
  returnTo: string;
  acr?: string | undefined;
  maxAge?: number | undefined;
  sub?: string | undefined;
}

export function attachState(req: Request, state: RequestState): RequestState {
  req.twostep = new RequestContext(state);
  return state;
}

/** The request's state if a twostep middleware or guard attached it, else undefined. */
export function attachedState(req: Request): RequestState | undefined {
  const context: unknown = req.twostep;
  return context instanceof RequestContext ? RequestContext.stateOf(context) : undefined;
}

export function stateOf(req: Request): RequestState {
  const context: unknown = req.twostep;
  if (!(context instanceof RequestContext))
    throw new TwostepError(
      'not_mounted',
      'requireAuth()/requireStepUp() need the twostep() middleware mounted earlier: app.use(twostep(options))',
    );
  return RequestContext.stateOf(context);
}

/**
 * A class rather than an object literal with getters: this is built on every request, and
 * prototype getters cost nothing per request. Getters, so a sign-in later in the same request is visible.
 */
class RequestContext implements TwostepContext {
  readonly #state: RequestState;

  constructor(state: RequestState) {
    this.#state = state;
  }

  static stateOf(context: RequestContext): RequestState {
    return context.#state;
  }

  get claims(): TwostepClaims | undefined {
    return this.#state.session?.user?.claims;
  }

  get sub(): string | undefined {
    return this.claims?.sub;
  }

  get acr(): string | undefined {
    return this.claims?.acr;
  }

  get amr(): readonly string[] {
    return this.claims?.amr ?? [];
  }

  get authTime(): number | undefined {
    return this.claims?.auth_time;
  }

  get csrfToken(): string | undefined {
    const session = this.#state.session;
    return session?.user === undefined ? undefined : this.#state.csrf.token(session.sid);
  }

  isAuthenticated(): this is AuthenticatedTwostepContext {
    return typeof this.claims?.sub === 'string';
  }

  satisfies(requirement: StepUpRequirement): boolean {
    const claims = this.claims;
    if (claims === undefined) return false;
    const { options } = this.#state;
    return (
      unmetRequirement(claims, requirement, {
        nowSeconds: Math.floor(options.now() / 1000),
        clockTolerance: options.clockTolerance,
        acrValues: options.acrValues,
      }) === undefined
    );
  }

  /** Keeps `console.log(req.twostep)` and JSON readable: the getters live on the prototype. */
  toJSON(): { sub?: string; acr?: string; amr: readonly string[]; authTime?: number } {
    return { sub: this.sub, acr: this.acr, amr: this.amr, authTime: this.authTime };
  }
}
