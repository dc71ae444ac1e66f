/**
 * `@twostep/oidc-server`: an OpenID Provider (panva oidc-provider in Express)
 * whose sign-in asks for the second factor `@twostep/core` says is needed, and
 * reports how the user signed in through `acr`, `amr` and `auth_time`.
 */
export { resealClientSecret, SEALED_CLIENT_SECRET, sealClientSecret } from './client-secrets.ts';
export { IdpConfigError, parseIdpOptions } from './config.ts';
export type {
  AdapterClass,
  IdpClient,
  IdpConfig,
  IdpOptions,
  PasswordHashing,
  RateLimits,
  ResourceServerOptions,
  StoredClientMetadata,
} from './config.ts';
export { IDP_DEFAULTS } from './defaults.ts';
export { createIdp } from './idp.ts';
export { createMemoryAdapter, MemoryAdapter, MemoryAdapterStorage } from './memory-adapter.ts';
export type { MemoryAdapterClass, MemoryAdapterOptions } from './memory-adapter.ts';
export { escapeHtml, Html, html, raw } from './pages/html.ts';
export type { Value as HtmlValue } from './pages/html.ts';
export { htmlDocument } from './pages/layout.ts';
export type { Idp } from './idp.ts';
export * from './ops/index.ts';
export {
  developmentKeys,
  generateCookieKey,
  generateSigningKey,
  keySignsWith,
  type SigningAlg,
} from './keys.ts';
export {
  ADMIN_SCOPE,
  adminAudience,
  createWelcomeToken,
  hasPassword,
  PROVISIONING_DEFAULTS,
  unusablePasswordHash,
  verifyWelcomeToken,
  welcomeUrl,
} from './provisioning/index.ts';
export type { DevelopmentKeys } from './keys.ts';
export {
  describeKeySet,
  initKeySet,
  KEY_FILES,
  KEY_KINDS,
  KEY_VARIABLES,
  KEYS_DIR_VARIABLE,
  KeySetError,
  loadHashKeys,
  loadKeySet,
  promoteKey,
  publishKey,
  retireKey,
} from './key-set.ts';
export type { KeyInfo, KeyKind, KeySet, KeySetSource } from './key-set.ts';
export { reloadingIdp } from './reloading-idp.ts';
export type { ReloadingIdp } from './reloading-idp.ts';
export {
  createMailOutbox,
  createSmsOutbox,
  createSmtpNotifier,
  createTwilioSmsSender,
  createWebhookSmsSender,
  formatLocalTime,
  formatUtc,
  ID_HEADER,
  KEY_ID_HEADER,
  messagesEn,
  messagesFrCa,
  parseSmtpOptions,
  renderNotification,
  SIGNATURE_HEADER,
  SmsDeliveryError,
  signWebhookBody,
  verifyWebhookSignature,
} from './delivery/index.ts';
export type {
  MailOutbox,
  MessageCatalog,
  NotificationTemplate,
  OutboxMail,
  OutboxOptions,
  OutboxSms,
  RenderedMessage,
  SmsOutbox,
  SmtpNotifierOptions,
  TwilioSmsOptions,
  WebhookSmsOptions,
  WebhookVerification,
} from './delivery/index.ts';
