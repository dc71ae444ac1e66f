import { createAdmin } from './admin.ts';
import { createAuditLog } from './audit.ts';
import { type CoreConfigInput, parseCoreConfig } from './config.ts';
import { type CoreContext, notify, notifyStaffAndAdmins } from './context.ts';
import { type HashKeys, hashKeyList } from './crypto/hashing.ts';
import type { SecretBox } from './crypto/secret-box.ts';
import { createEnrollment } from './enrollment.ts';
import { createPasskeys } from './factors/passkey.ts';
import { createRecoveryCodes } from './factors/recovery.ts';
import { createSmsCodes } from './factors/sms.ts';
import { createTotp } from './factors/totp.ts';
import type {
  Clock,
  Logger,
  Notification,
  Notifier,
  Random,
  SessionListener,
  SmsCodeText,
  SmsSender,
  Stores,
} from './ports.ts';
import { consoleLogger, outboxNotifier, systemClock, systemRandom } from './runtime.ts';
import { createSecondFactor } from './second-factor.ts';
import { createSessions } from './sessions.ts';
import { createTrustedDevices } from './trusted-devices.ts';
import type { ActorContext, StaffMember } from './types.ts';

export interface TwostepOptions {
  stores: Stores;
  /** Encrypts TOTP secrets at rest (`createAesGcmSecretBox`). */
  secretBox: SecretBox;
  /**
   * ≥ 32 random bytes; keys the hashes of SMS codes. Shared by every process. A list (newest first)
   * rotates: the first hashes new codes, the others still check codes sent before.
   */
  hashKey: HashKeys;
  smsSender: SmsSender;
  notifier?: Notifier;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  config?: CoreConfigInput;
  /** Told when every session of a staff member must end (the IdP sends back-channel logouts). */
  sessionListener?: SessionListener;
  /**
   * The words of a code text, in `text.locale` when given (the IdP passes its catalog's). The code
   * should come first: phones show it in the notification. Default: English.
   */
  smsText?: (text: SmsCodeText) => string;
}

/** The default code text (English). */
export const englishSmsText = ({ code, sender, minutes }: SmsCodeText): string =>
  `${code} is your ${sender} verification code. It expires in ${minutes} minutes. Never share it.`;

/**
 * Assembles the 2-Step Verification rules over the given ports.
 *
 * @example
 * ```ts
 * const twostep = createTwostep({
 *   stores: createMemoryStores(),
 *   secretBox: createAesGcmSecretBox([{ id: 'k1', key }]),
 *   hashKey,
 *   smsSender: outboxSmsSender(),
 * });
 * const need = await twostep.secondFactor.requirement(staff); // { kind: 'second_factor', methods: ['totp', 'recovery'] }
 * const result = await twostep.secondFactor.verify({ actorId: staff.id }, staff, 'totp', '123456');
 * ```
 */
export function createTwostep(options: TwostepOptions) {
  const hashKeys = hashKeyList(options.hashKey);
  const config = parseCoreConfig(options.config);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const logger = options.logger ?? consoleLogger;
  if (!options.notifier)
    logger.warn('no notifier configured: security notifications are kept in memory only');
  const ctx: CoreContext = {
    stores: options.stores,
    clock,
    random,
    secretBox: options.secretBox,
    hashKeys,
    smsSender: options.smsSender,
    notifier: options.notifier ?? outboxNotifier(),
    smsText: options.smsText ?? englishSmsText,
    logger,
    config,
    audit: createAuditLog({ store: options.stores.audit, clock, random }),
  };
  const totp = createTotp(ctx);
  const sms = createSmsCodes(ctx);
  const recovery = createRecoveryCodes(ctx);
  const devices = createTrustedDevices(ctx);
  const sessions = createSessions(ctx, options.sessionListener);
  const parts = { totp, sms, recovery, devices };

  async function revokeAndEnd(
    actor: ActorContext,
    staff: StaffMember,
    cause: 'password_changed' | 'role_changed' | 'deactivated',
  ): Promise<number> {
    await sessions.endAll(actor, staff, cause);
    return devices.revokeAll(actor, staff, cause);
  }

  const enrollment = createEnrollment(ctx, parts);

  return {
    config,
    stores: options.stores,
    audit: ctx.audit,
    /** What sign-in needs after the password, and checking codes. */
    secondFactor: createSecondFactor(ctx, parts),
    /** Adding, confirming, removing factors; the recovery code. */
    enrollment,
    /** Passkey (WebAuthn) registration and authentication ceremonies. */
    passkeys: createPasskeys(ctx, { enrollment }),
    /** "Remember this device". */
    devices,
    /** Full Access Users' actions and the clinic policy. */
    admin: createAdmin(ctx, { devices, sessions }),
    /** Sends an email through the configured notifier; a failure is logged, never thrown. */
    notify: (notification: Notification) => notify(ctx, notification),
    /** Ending every session of a staff member (sign out everywhere). */
    sessions,
    /** Staff-record changes that must revoke trust and end every session (password, role, deactivation). */
    lifecycle: {
      passwordChanged: (actor: ActorContext, staff: StaffMember) =>
        revokeAndEnd(actor, staff, 'password_changed'),
      /** A reset through "Forgot password?": as a change, and the person and Full Access Users are told. */
      async passwordReset(actor: ActorContext, staff: StaffMember): Promise<void> {
        await revokeAndEnd(actor, staff, 'password_changed');
        await notifyStaffAndAdmins(
          ctx,
          staff,
          { staff: 'password_reset', admins: 'colleague_password_reset' },
          {},
        );
      },
      roleChanged: (actor: ActorContext, staff: StaffMember) => revokeAndEnd(actor, staff, 'role_changed'),
      deactivated: (actor: ActorContext, staff: StaffMember) => revokeAndEnd(actor, staff, 'deactivated'),
    },
  };
}

export type Twostep = ReturnType<typeof createTwostep>;
