/**
 * Core's `Notifier` over SMTP (nodemailer): each notification becomes an email
 * with a text and an HTML part from the message catalog. A failure rejects;
 * core logs it and carries on.
 */
import type { Notifier } from '@twostep/core';
import type { Transporter } from 'nodemailer';
import { type MessageCatalog, renderNotification } from './messages.ts';
import { intInRange, isObject, need, nonEmptyString, optionalBoolean } from './validate.ts';

export interface SmtpNotifierOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465). Default: true on port 465, else false (STARTTLS when offered). */
  secure?: boolean;
  auth?: { user: string; pass: string };
  /** Sender, e.g. `"Clinic security" <security@clinic.example>`. */
  from: string;
  /** Fail unless the server upgrades with STARTTLS (use with `secure: false` in production). */
  requireTLS?: boolean;
  /** Connect and greeting timeout; default 10 000 ms. */
  connectionTimeoutMs?: number;
  tls?: { rejectUnauthorized?: boolean };
  /** One catalog for every email; default: the recipient's language (English or Canadian French). */
  catalog?: MessageCatalog;
}

/** Checks the options once, with errors naming the option (`smtp.port`). */
export function parseSmtpOptions(input: unknown): SmtpNotifierOptions {
  need(isObject(input), 'smtp', 'must be an object');
  const host = nonEmptyString(input.host, 'smtp.host');
  const port = intInRange(input.port, 'smtp.port', 1, 65_535);
  const from = nonEmptyString(input.from, 'smtp.from');
  need(/@[^@\s>]+/.test(from), 'smtp.from', 'must contain an email address');
  const options: SmtpNotifierOptions = { host, port, from };
  const secure = optionalBoolean(input.secure, 'smtp.secure');
  if (secure !== undefined) options.secure = secure;
  const requireTLS = optionalBoolean(input.requireTLS, 'smtp.requireTLS');
  if (requireTLS !== undefined) options.requireTLS = requireTLS;
  if (input.auth !== undefined) {
    need(isObject(input.auth), 'smtp.auth', 'must be an object with user and pass');
    options.auth = {
      user: nonEmptyString(input.auth.user, 'smtp.auth.user'),
      pass: nonEmptyString(input.auth.pass, 'smtp.auth.pass'),
    };
  }
  if (input.connectionTimeoutMs !== undefined)
    options.connectionTimeoutMs = intInRange(
      input.connectionTimeoutMs,
      'smtp.connectionTimeoutMs',
      1,
      600_000,
    );
  if (input.tls !== undefined) {
    need(isObject(input.tls), 'smtp.tls', 'must be an object');
    const rejectUnauthorized = optionalBoolean(input.tls.rejectUnauthorized, 'smtp.tls.rejectUnauthorized');
    options.tls = rejectUnauthorized === undefined ? {} : { rejectUnauthorized };
  }
  if (input.catalog !== undefined) {
    need(
      isObject(input.catalog) && isObject(input.catalog.templates),
      'smtp.catalog',
      'must be a MessageCatalog',
    );
    options.catalog = input.catalog as unknown as MessageCatalog;
  }
  return options;
}

/**
 * @example
 * const notifier = createSmtpNotifier({
 *   host: 'smtp.example.com', port: 587, requireTLS: true,
 *   auth: { user: 'apikey', pass: process.env.SMTP_PASSWORD! },
 *   from: '"Clinic security" <security@clinic.example>',
 * });
 */
export function createSmtpNotifier(input: SmtpNotifierOptions): Notifier & { close(): void } {
  const options = parseSmtpOptions(input);
  const timeout = options.connectionTimeoutMs ?? 10_000;
  // nodemailer is loaded at the first email, not at start: most processes send none for hours, and
  // it weighs about 10 MB of resident memory.
  let transport: Promise<Transporter> | undefined;
  const open = async () => {
    const { createTransport } = await import('nodemailer');
    return createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure ?? options.port === 465,
      requireTLS: options.requireTLS ?? false,
      ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.pass } } : {}),
      // nodemailer's defaults (2 min to connect, 10 min idle) would hold a request open far too long.
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: Math.max(timeout, 30_000),
      ...(options.tls ? { tls: { ...options.tls } } : {}),
    });
  };
  // Without a fixed catalog, each email is in its recipient's language (`notification.locale`).
  const fixed = options.catalog ? { catalog: options.catalog } : {};
  return {
    async notify(notification) {
      const message = renderNotification(notification, fixed);
      transport ??= open();
      await (await transport).sendMail({
        from: options.from,
        to: { name: notification.to.name, address: notification.to.email },
        subject: message.subject,
        text: message.text,
        html: message.html,
        // RFC 3834: stops vacation auto-replies to a no-reply sender.
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    },
    close() {
      void transport?.then((t) => t.close());
    },
  };
}
