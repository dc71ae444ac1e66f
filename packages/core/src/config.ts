import { z } from 'zod';
import { DEFAULTS } from './defaults.ts';
import { TwostepError } from './errors.ts';
import { isPhoneCountry, isTimeZone } from './region.ts';

const positiveInt = z.number().int().positive();

/** The schema of {@link CoreConfig}; every field has a default from `defaults.ts`. */
export const coreConfigSchema = z.strictObject({
  productName: z.string().min(1).max(64).default(DEFAULTS.productName),
  /** Time zone of every time staff read, for clinics without their own (IANA name). */
  timeZone: z
    .string()
    .refine(isTimeZone, 'an IANA time zone such as America/Toronto')
    .default(DEFAULTS.timeZone),
  /** Country of phone numbers typed without `+`, for clinics without their own (ISO 3166 alpha-2). */
  phoneCountry: z.string().refine(isPhoneCountry, 'a two-letter country code such as CA').optional(),
  totp: z
    .strictObject({
      window: z.number().int().min(0).max(2).default(DEFAULTS.totp.window),
      secretBytes: z.number().int().min(20).max(64).default(DEFAULTS.totp.secretBytes),
    })
    .prefault({}),
  sms: z
    .strictObject({
      codeTtlSeconds: positiveInt.max(3600).default(DEFAULTS.sms.codeTtlSeconds),
      maxFailures: positiveInt.max(10).default(DEFAULTS.sms.maxFailures),
      resendCooldownSeconds: z.number().int().min(0).default(DEFAULTS.sms.resendCooldownSeconds),
      dailyPerNumber: positiveInt.default(DEFAULTS.sms.dailyPerNumber),
      dailyPerClinic: positiveInt.default(DEFAULTS.sms.dailyPerClinic),
    })
    .prefault({}),
  trustedDevices: z
    .strictObject({
      days: positiveInt.max(DEFAULTS.trustedDevices.days).default(DEFAULTS.trustedDevices.days),
    })
    .prefault({}),
  throttle: z
    .strictObject({
      freeFailures: positiveInt.default(DEFAULTS.throttle.freeFailures),
      baseDelaySeconds: positiveInt.default(DEFAULTS.throttle.baseDelaySeconds),
      maxDelaySeconds: positiveInt.default(DEFAULTS.throttle.maxDelaySeconds),
      hardLockAfter: positiveInt.max(100).default(DEFAULTS.throttle.hardLockAfter),
    })
    .prefault({}),
  pause: z
    .strictObject({
      defaultHours: positiveInt.default(DEFAULTS.pause.defaultHours),
      maxHours: positiveInt.max(DEFAULTS.pause.maxHours).default(DEFAULTS.pause.maxHours),
    })
    .prefault({}),
});

export type CoreConfig = z.output<typeof coreConfigSchema>;
export type CoreConfigInput = z.input<typeof coreConfigSchema>;

/**
 * Validates configuration once, at start. A wrong value throws
 * `TwostepError('invalid_config')` whose message names its path.
 *
 * @example
 * ```ts
 * parseCoreConfig({ sms: { dailyPerClinic: 2000 } });
 * parseCoreConfig({ trustedDevices: { days: 90 } }); // throws: trustedDevices.days: …
 * ```
 */
export function parseCoreConfig(input: unknown = {}): CoreConfig {
  const result = coreConfigSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new TwostepError('invalid_config', `invalid twostep config: ${issues.join('; ')}`);
  }
  const config = result.data;
  if (config.pause.defaultHours > config.pause.maxHours) {
    throw new TwostepError(
      'invalid_config',
      'invalid twostep config: pause.defaultHours: exceeds pause.maxHours',
    );
  }
  return config;
}
