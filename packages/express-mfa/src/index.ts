// @twostep/express-mfa: sign staff in through an OpenID Provider and require a fresh second factor
// before sensitive routes. Everything public is exported here.
import type { BearerContext } from './bearer.ts';
import type { TwostepContext } from './context.ts';

export { type BearerContext, type RequireBearerOptions, requireBearer } from './bearer.ts';
export { type BearerChallenge, bearerChallenge, isNavigation } from './challenge.ts';
export type { AccessTokenClaims, StepUpRequirement, TwostepClaims } from './claims.ts';
export type { AuthenticatedTwostepContext, TwostepContext } from './context.ts';
export {
  type BearerFailureReason,
  type CallbackFailureReason,
  type CallbackRefusal,
  TwostepError,
  type TwostepErrorCode,
} from './errors.ts';
export { type RefusalPage, type SessionOptions, TWOSTEP_ACR_VALUES, type TwostepOptions } from './options.ts';
export { safeReturnTo } from './return-url.ts';
export {
  MemoryRevocationList,
  type Revocation,
  type RevocationCheck,
  type RevocationList,
} from './revocation.ts';
export { type TwostepMiddleware, twostep } from './router.ts';
export { MemorySessionStore, type PendingLogin, type SessionData, type SessionStore } from './session.ts';
export { type RequireStepUpOptions, requireAuth, requireStepUp, TWOSTEP_2FA } from './step-up.ts';

declare global {
  namespace Express {
    interface Request {
      /** Set on every request behind the `twostep()` middleware. */
      twostep: TwostepContext;
      /** Set by `requireBearer()` once the access token passed. */
      twostepBearer?: BearerContext;
    }
  }
}
