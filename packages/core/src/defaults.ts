/**
 * Every default of `@twostep/core`, in one place, with its source.
 * The values that make codes interoperable with authenticator apps (SHA-1,
 * 6 digits, 30 s) are constants, not settings.
 */

/** RFC 6238 as read by 1Password, Authy, Google and Microsoft Authenticator. */
export const TOTP = { algorithm: 'sha1', digits: 6, period: 30 } as const;

export const DEFAULTS = {
  /** Shown in authenticator apps when a clinic has no name (otpauth issuer). */
  productName: 'twostep',
  /** Times shown to staff when neither the clinic nor the operator chose a zone. */
  timeZone: 'UTC',
  totp: {
    /** Steps accepted either side of now (RFC 6238 §5.2 recommends at most one). */
    window: 1,
    /** 160 bits (RFC 4226 §4 minimum 128, recommends 160). */
    secretBytes: 20,
  },
  sms: {
    codeTtlSeconds: 600,
    /** Wrong tries per code; a resend keeps the count. */
    maxFailures: 5,
    resendCooldownSeconds: 60,
    /** Caps that stop SMS pumping (toll fraud) and cost run-away. */
    dailyPerNumber: 10,
    dailyPerClinic: 500,
  },
  trustedDevices: {
    /** Also the maximum: a device is never remembered for longer. */
    days: 30,
  },
  throttle: {
    /** Consecutive second-factor failures allowed before any delay. */
    freeFailures: 5,
    baseDelaySeconds: 30,
    maxDelaySeconds: 3600,
    /** NIST SP 800-63B: no more than 100 consecutive failures. */
    hardLockAfter: 100,
  },
  pause: {
    defaultHours: 24,
    maxHours: 7 * 24,
  },
} as const;

/** Shown whenever 2-Step enforcement is turned off; the admin must confirm it. */
export const COMPLIANCE_WARNING =
  'Turning off 2-Step Verification makes every staff account easier to break into. ' +
  'It can have compliance or regulatory implications for your clinic and can affect ' +
  'a cybersecurity-insurance claim. Keep it on unless you have a documented reason.';
