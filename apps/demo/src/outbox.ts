/**
 * Development outboxes as pages, so a tester can read the codes the demo "sent":
 * `/dev/outbox/sms` and `/dev/outbox/mail` on the IdP. Mounted only outside production.
 */
import type { MailOutbox, SmsOutbox } from '@twostep/oidc-server';
import express from 'express';
import { type Html, html, htmlDocument, securityHeaders } from './html.ts';
import { CSS } from './pages.ts';
import { CLINIC } from './seed.ts';

export interface OutboxPagesOptions {
  sms: SmsOutbox;
  mail: MailOutbox;
  clinicName: string;
  appUrl: string;
}

function page(options: OutboxPagesOptions, title: string, current: 'sms' | 'mail', body: Html): string {
  const link = (href: 'sms' | 'mail', label: string) =>
    html`<li><a href="/dev/outbox/${href}"${current === href ? html` aria-current="page"` : ''}>${label}</a></li>`;
  return htmlDocument(
    `${title} · Development outbox`,
    html`<link rel="stylesheet" href="/dev/outbox/app.css">`,
    html`<a class="skip" href="#main">Skip to content</a>
<header class="topbar">
<div class="wrap">
<a class="brand" href="${options.appUrl}/"><span class="logo" aria-hidden="true">${options.clinicName.slice(0, 1)}</span>${options.clinicName}</a>
<nav aria-label="Outboxes"><ul>${link('sms', 'Text messages')}${link('mail', 'Emails')}</ul></nav>
</div>
</header>
<main id="main" tabindex="-1"><div class="wrap">
<h1>${title}</h1>
<p class="note" role="note">Development outbox: nothing is really sent. Messages are kept in memory, newest first, until the demo stops. <a href="">Refresh</a> to see new ones.</p>
${body}
</div></main>
<footer><div class="wrap">twostep demo · development only, not available in production</div></footer>`,
  );
}

// In the demo clinic's zone, like every time the IdP shows.
const time = (at: Date) => at.toLocaleTimeString('en-CA', { hour12: false, timeZone: CLINIC.timeZone });

export function outboxRouter(options: OutboxPagesOptions): express.Router {
  const router = express.Router();
  router.use(securityHeaders());
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.get('/app.css', (_req, res) => {
    res.type('css').send(CSS);
  });
  router.get('/', (_req, res) => {
    res.redirect(302, '/dev/outbox/sms');
  });
  router.get('/sms', (_req, res) => {
    const messages = options.sms.list();
    const body = messages.length
      ? html`<ul class="outbox card" aria-label="Text messages, newest first">${messages.map((m) => {
          const code = /\b(\d{6})\b/.exec(m.body)?.[1];
          return html`<li data-testid="sms" data-to="${m.to}">
<div><strong>To ${m.to}</strong> <span class="muted">at <time datetime="${m.at.toISOString()}">${time(m.at)}</time></span></div>
${code ? html`<div>Code: <span class="code" data-testid="sms-code">${code}</span></div>` : ''}
<pre>${m.body}</pre></li>`;
        })}</ul>`
      : html`<p class="card" data-testid="empty">No text messages yet. Ask for a code on the sign-in page.</p>`;
    res.type('html').send(page(options, 'Text messages', 'sms', body));
  });
  router.get('/mail', (_req, res) => {
    const mails = options.mail.list();
    const body = mails.length
      ? html`<ul class="outbox card" aria-label="Emails, newest first">${mails.map(
          (m) => html`<li data-testid="mail" data-to="${m.to}">
<div><strong>${m.subject}</strong></div>
<div class="muted">To ${m.to} at <time datetime="${m.at.toISOString()}">${time(m.at)}</time></div>
<pre>${m.text}</pre></li>`,
        )}</ul>`
      : html`<p class="card" data-testid="empty">No emails yet. Security changes (a pause, a new recovery code…) send one.</p>`;
    res.type('html').send(page(options, 'Emails', 'mail', body));
  });
  return router;
}
