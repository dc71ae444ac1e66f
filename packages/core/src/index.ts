/**
 * `@twostep/core`: the 2-Step Verification rules, storage-agnostic.
 * Ports in `ports.ts`; an in-memory store in `memory/`; everything else is rules.
 */
export { MAX_GRACE_DAYS, phishingResistantNarrows } from './admin.ts';
export type { Admin, AdminRefusal, AdminResult, TwoStepStatus } from './admin.ts';
export { createAuditLog, fromJsonLines, hashAuditEvent, toJsonLines, verifyAuditChain } from './audit.ts';
export type { AuditEntry, AuditLog, ChainCheck } from './audit.ts';
export { ACR, acrSatisfies, claimsFor } from './claims.ts';
export type { Acr, SignInMethod } from './claims.ts';
export { formatRecoveryCode, groupSecret, parseRecoveryCode, parseSixDigitCode } from './codes.ts';
export { coreConfigSchema, parseCoreConfig } from './config.ts';
export type { CoreConfig, CoreConfigInput } from './config.ts';
export { constantTimeEqual, hashKeyList, hmacMatching, hmacSha256, sha256 } from './crypto/hashing.ts';
export type { HashKeys } from './crypto/hashing.ts';
export {
  createPasswordHasher,
  PASSWORD_HASHER_DEFAULTS,
  type PasswordHasher,
  type PasswordHasherEvent,
  type PasswordHasherOptions,
  type PasswordHasherStats,
} from './crypto/password-hasher.ts';
export {
  type Argon2idCost,
  DEFAULT_PASSWORD_COST,
  formatPasswordHash,
  hashPassword,
  isArgon2idCost,
  needsRehash,
  type ParsedPasswordHash,
  type PasswordCost,
  parsePasswordHash,
  type ScryptCost,
  verifyPassword,
  withinArgon2idLimits,
} from './crypto/passwords.ts';
export { createAesGcmSecretBox, sealedKeyId } from './crypto/secret-box.ts';
export { countSealedWith, reencryptSecrets } from './reencrypt.ts';
export type { ReencryptReport } from './reencrypt.ts';
export type { SecretBox, SecretKey } from './crypto/secret-box.ts';
export { COMPLIANCE_WARNING, DEFAULTS, TOTP } from './defaults.ts';
export type { Enrollment, EnrollmentConfirmation } from './enrollment.ts';
export { isTwostepError, TwostepError } from './errors.ts';
export type { TwostepErrorCode } from './errors.ts';
export {
  createPasskeys,
  PASSKEY_TIMEOUT_SECONDS,
  type PasskeyAssertion,
  type PasskeyChallenge,
  type PasskeyFailure,
  type Passkeys,
  type RelyingParty,
  relyingPartyFromIssuer,
} from './factors/passkey.ts';
export { encodeBase32, hotp, otpauthUri, totp, verifyTotp } from './factors/otp.ts';
export type { OtpAlgorithm, OtpParams } from './factors/otp.ts';
export { maskPhone, normalizePhone } from './factors/phone.ts';
export { canonicalLocale, clinicRegion, isPhoneCountry, isTimeZone, phoneCountries } from './region.ts';
export type { PhoneResult } from './factors/phone.ts';
export type { SmsCheck, SmsSendResult } from './factors/sms.ts';
export type { TotpEnrollment } from './factors/totp.ts';
export { createMemoryStores } from './memory/index.ts';
export type { MemoryStoreFaults, MemoryStoresOptions } from './memory/index.ts';
export {
  activeKinds,
  enrollmentGraceUntil,
  isCodeMethod,
  passkeyRequired,
  signInRequirement,
} from './policy.ts';
export type { CodeMethod, RequirementInput, SecondFactorMethod, SignInRequirement } from './policy.ts';
export type * from './ports.ts';
export {
  consoleLogger,
  manualClock,
  outboxNotifier,
  outboxSmsSender,
  systemClock,
  systemRandom,
} from './runtime.ts';
export type { SecondFactor, SecondFactorFailure, SecondFactorResult } from './second-factor.ts';
export type { SessionEndCause, Sessions } from './sessions.ts';
export { type Interceptor, interceptMethods, interceptStores } from './intercept.ts';
export { withCallTimeouts, withStoreTimeouts } from './store-timeouts.ts';
export type { StoreTimeoutOptions } from './store-timeouts.ts';
export {
  backoffSeconds,
  secondFactorThrottleKey,
  throttleOpenWindows,
  throttleStatus,
} from './throttle.ts';
export type { OpenWindow, ThrottleStatus } from './throttle.ts';
export { deviceLabel, deviceParts } from './trusted-devices.ts';
export type { RevokeCause, TrustedDevices } from './trusted-devices.ts';
export { createTwostep, englishSmsText } from './twostep.ts';
export type { Twostep, TwostepOptions } from './twostep.ts';
export { CLINIC_SETTINGS, FACTOR_KINDS, PHISHING_RESISTANT_SCOPES } from './types.ts';
export type * from './types.ts';
