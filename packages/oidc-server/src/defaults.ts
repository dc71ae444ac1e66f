/**
 * Every default of `@twostep/oidc-server`, in one place. Security parameters
 * of the 2-Step rules themselves live in `@twostep/core` (defaults.ts there).
 */
import { availableParallelism } from 'node:os';
import { DEFAULT_PASSWORD_COST, PASSWORD_HASHER_DEFAULTS } from '@twostep/core';

export const IDP_DEFAULTS = {
  /** Shown in the page header before the clinic is known. */
  siteName: 'Clinic sign-in',
  /** Cost of new hashes and the dummy hash: argon2id m=7168 KiB, t=5, p=1 (OWASP). */
  passwordCost: DEFAULT_PASSWORD_COST,
  /**
   * At most `concurrency` password hashes at once (the core count: more would only queue for
   * CPU while each holds 7 MiB); the others wait up to 10 s, at most 1000 of them, then get 503.
   */
  passwordHashing: {
    concurrency: availableParallelism(),
    queueTimeoutMs: PASSWORD_HASHER_DEFAULTS.queueTimeoutMs,
    maxQueued: PASSWORD_HASHER_DEFAULTS.maxQueued,
  },
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
    /** "Forgot password?" requests per client IP per window. */
    resetPerIp: 20,
    /** "Forgot password?" requests per email address per window (known or not: no enumeration). */
    resetPerAccount: 3,
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
