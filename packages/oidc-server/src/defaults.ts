/**
 * Every default of `@twostep/oidc-server`, in one place. Security parameters
 * of the 2-Step rules themselves live in `@twostep/core` (defaults.ts there).
 */
import { DEFAULT_PASSWORD_COST } from '@twostep/core';

export const IDP_DEFAULTS = {
  /** Shown in the page header before the clinic is known. */
  siteName: 'Clinic sign-in',
  /** scrypt cost for new hashes and the dummy hash (OWASP: N=2^17, r=8, p=1). */
  passwordCost: DEFAULT_PASSWORD_COST,
  /** Interaction form bodies larger than this are refused with 413. */
  bodyLimitBytes: 8 * 1024,
  /** Fixed-window rate limits, counted in `stores.counters` so every process agrees. */
  rateLimits: {
    windowSeconds: 15 * 60,
    /** Password attempts per client IP per window. */
    passwordPerIp: 50,
    /** Password attempts per email address per window (known or not: no enumeration). */
    passwordPerAccount: 10,
    /** Second-factor and SMS-send requests per client IP per window. */
    codePerIp: 100,
    /** Second-factor and SMS-send requests per staff member per window (core also backs off). */
    codePerAccount: 30,
  },
  /**
   * Every store call (core's and the IdP's own) fails with `store_unavailable` after this many
   * milliseconds: a database that stops answering gives a 503 page, not a request held open
   * until the driver gives up.
   */
  storeTimeoutMs: 5000,
  /** The "Remember this device" cookie; its lifetime comes from core (≤ 30 days). */
  deviceCookieName: 'twostep_device',
  /** oidc-provider lifetimes, seconds. */
  ttl: {
    AccessToken: 10 * 60,
    AuthorizationCode: 60,
    IdToken: 60 * 60,
    Interaction: 30 * 60,
    Session: 12 * 60 * 60,
    Grant: 14 * 24 * 60 * 60,
    RefreshToken: 14 * 24 * 60 * 60,
  },
  /** Scopes offered; `openid` always returns sub, acr, amr, auth_time. */
  scopes: ['openid', 'offline_access', 'email', 'profile'],
} as const;
