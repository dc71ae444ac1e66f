/**
 * Delivery adapters for core's `Notifier` and `SmsSender` ports: SMTP email,
 * SMS through a signed webhook or Twilio, and in-memory development outboxes.
 */
export { SmsDeliveryError } from './http.ts';
export { formatLocalTime, formatUtc, messagesEn, renderNotification } from './messages.ts';
export { messagesFrCa } from './messages-fr-CA.ts';
export type { MessageCatalog, NotificationTemplate, RenderedMessage } from './messages.ts';
export { createMailOutbox, createSmsOutbox } from './outbox.ts';
export type { MailOutbox, OutboxMail, OutboxOptions, OutboxSms, SmsOutbox } from './outbox.ts';
export { createSmtpNotifier, parseSmtpOptions } from './smtp-notifier.ts';
export type { SmtpNotifierOptions } from './smtp-notifier.ts';
export { createTwilioSmsSender } from './twilio-sms.ts';
export type { TwilioSmsOptions } from './twilio-sms.ts';
export {
  createWebhookSmsSender,
  ID_HEADER,
  KEY_ID_HEADER,
  SIGNATURE_HEADER,
  signWebhookBody,
  verifyWebhookSignature,
} from './webhook-sms.ts';
export type { WebhookSmsOptions, WebhookVerification } from './webhook-sms.ts';
