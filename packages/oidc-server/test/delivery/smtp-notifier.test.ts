import type { Notification } from '@twostep/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createSmtpNotifier } from '../../src/delivery/index.ts';
import { closedPort } from './http-server.ts';
import { startSmtp } from './smtp-server.ts';

const paused: Notification = {
  kind: 'colleague_paused',
  to: { staffId: 's1', email: 'ada@clinic.example', name: 'Ada Admin' },
  clinicName: 'Maple Physio',
  params: {
    actor: 'Bob Boss',
    colleague: 'Carol Clinician',
    until: '2026-03-02T14:05:00.000Z',
    reason: 'Lost phone <script>alert(1)</script>',
  },
};

const from = '"Maple security" <security@clinic.example>';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('createSmtpNotifier', () => {
  it('sends a text and HTML email rendered from the catalog', async () => {
    const smtp = await startSmtp();
    cleanups.push(smtp.close);
    const notifier = createSmtpNotifier({ host: '127.0.0.1', port: smtp.port, from });
    cleanups.push(() => notifier.close());
    await notifier.notify(paused);

    expect(smtp.delivered).toHaveLength(1);
    const { envelope, mail } = smtp.delivered[0]!;
    expect(envelope).toEqual({ from: 'security@clinic.example', to: ['ada@clinic.example'] });
    expect(mail.from?.value[0]).toMatchObject({ address: 'security@clinic.example', name: 'Maple security' });
    expect(mail.to).toMatchObject({ value: [{ address: 'ada@clinic.example', name: 'Ada Admin' }] });
    expect(mail.subject).toBe('[Maple Physio] 2-Step Verification paused for Carol Clinician');
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.text).toContain('Lost phone <script>alert(1)</script>');
    expect(mail.text).toContain('until Mar 2, 2026, 2:05 PM UTC');
    expect(mail.text).toContain('Bob Boss paused 2-Step Verification for Carol Clinician');
    const html = String(mail.html);
    expect(html).toContain('Lost phone &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
  });

  it.each([['PLAIN'], ['LOGIN']])('authenticates with AUTH %s', async (method) => {
    const smtp = await startSmtp({ authMethods: [method], users: { mailer: 's3cret pass' } });
    cleanups.push(smtp.close);
    const notifier = createSmtpNotifier({
      host: '127.0.0.1',
      port: smtp.port,
      from,
      auth: { user: 'mailer', pass: 's3cret pass' },
    });
    cleanups.push(() => notifier.close());
    await notifier.notify(paused);
    expect(smtp.delivered[0]?.user).toBe('mailer');
  });

  it('rejects wrong credentials', async () => {
    const smtp = await startSmtp({ users: { mailer: 'right' } });
    cleanups.push(smtp.close);
    const notifier = createSmtpNotifier({
      host: '127.0.0.1',
      port: smtp.port,
      from,
      auth: { user: 'mailer', pass: 'wrong' },
    });
    cleanups.push(() => notifier.close());
    await expect(notifier.notify(paused)).rejects.toThrow(/Invalid username or password/);
    expect(smtp.delivered).toHaveLength(0);
  });

  it('rejects when requireTLS is set and the server offers no STARTTLS', async () => {
    const smtp = await startSmtp();
    cleanups.push(smtp.close);
    const notifier = createSmtpNotifier({ host: '127.0.0.1', port: smtp.port, from, requireTLS: true });
    cleanups.push(() => notifier.close());
    await expect(notifier.notify(paused)).rejects.toThrow(/STARTTLS/);
    expect(smtp.delivered).toHaveLength(0);
  });

  it('rejects when the SMTP server is down', async () => {
    const port = await closedPort();
    const notifier = createSmtpNotifier({ host: '127.0.0.1', port, from, connectionTimeoutMs: 2000 });
    cleanups.push(() => notifier.close());
    await expect(notifier.notify(paused)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('validates its options, naming the bad one', () => {
    const ok = { host: 'smtp.example.com', port: 587, from };
    expect(() => createSmtpNotifier({ ...ok, host: '' })).toThrow('smtp.host: must be a non-empty string');
    expect(() => createSmtpNotifier({ ...ok, port: 70_000 })).toThrow('smtp.port');
    expect(() => createSmtpNotifier({ ...ok, from: 'nobody' })).toThrow(
      'smtp.from: must contain an email address',
    );
    expect(() => createSmtpNotifier({ ...ok, auth: { user: 'u', pass: '' } })).toThrow('smtp.auth.pass');
    expect(() => createSmtpNotifier({ ...ok, connectionTimeoutMs: 0 })).toThrow('smtp.connectionTimeoutMs');
    // @ts-expect-error: a string where a boolean belongs (e.g. from an environment variable)
    expect(() => createSmtpNotifier({ ...ok, secure: 'true' })).toThrow('smtp.secure: must be true or false');
    const valid = createSmtpNotifier({ ...ok, tls: { rejectUnauthorized: true } });
    valid.close();
  });
});
