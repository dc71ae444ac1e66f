import type { Notification, NotificationKind } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { messagesEn, renderNotification } from '../../src/delivery/index.ts';
import { messagesFrCa } from '../../src/delivery/messages-fr-CA.ts';

const at = new Date('2026-03-01T09:30:00Z');
const to = { staffId: 's1', email: 'carol@clinic.example', name: 'Carol Clinician' };
const params = {
  factor: 'authenticator app',
  until: '2026-03-02T14:05:00.000Z',
  reason: 'Lost phone',
  actor: 'Bob Boss',
  colleague: 'Dan Dentist',
};
const kinds = Object.keys(messagesEn.templates) as NotificationKind[];
const render = (kind: NotificationKind, p: Record<string, string> = params, clinicName = 'Maple Physio') =>
  renderNotification({ kind, to, clinicName, params: p }, { at });

describe('renderNotification', () => {
  it('has a message for every notification kind', () => {
    expect(kinds.sort()).toEqual(
      [
        'colleague_paused',
        'colleague_reset',
        'colleague_password_reset',
        'colleague_two_step_off',
        'enforcement_off',
        'factor_added',
        'factor_replaced',
        'new_device_sign_in',
        'passkey_renamed',
        'phishing_resistant_narrowed',
        'password_reset',
        'password_reset_link',
        'setup_reminder',
        'staff_invitation',
        'factor_removed',
        'recovery_code_used',
        'two_step_paused',
        'two_step_resumed',
        'two_step_reset',
        'welcome',
      ].sort(),
    );
  });

  it.each(kinds)('%s: says what happened, when, where, and whom to contact', (kind) => {
    const { subject, text, html } = render(kind);
    expect(subject.startsWith('[Maple Physio] ')).toBe(true);
    expect(text).toContain('Hello Carol Clinician,');
    expect(text).toContain('Mar 1, 2026, 9:30 AM UTC');
    expect(text).toContain('Maple Physio');
    expect(text).toMatch(/Full Access User/);
    expect(text).not.toMatch(/\{\w+\}/);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Mar 1, 2026, 9:30 AM UTC');
    expect(html).not.toMatch(/\{\w+\}/);
  });

  it('tells a Full Access User what to do about their own account, not to contact a Full Access User', () => {
    const owner = { ...to, role: 'full_access' as const };
    for (const catalog of [messagesEn, messagesFrCa]) {
      const own = renderNotification(
        { kind: 'recovery_code_used', to: owner, clinicName: 'Maple Physio', params },
        { at, catalog },
      );
      const staff = renderNotification(
        { kind: 'recovery_code_used', to, clinicName: 'Maple Physio', params },
        { at, catalog },
      );
      expect(own.text).not.toBe(staff.text);
      expect(own.text).not.toMatch(
        /contact your clinic's Full Access User|communiquez sans tarder avec l’utilisateur/,
      );
    }
    const own = renderNotification(
      { kind: 'recovery_code_used', to: { ...to, role: 'full_access' }, clinicName: 'Maple Physio', params },
      { at },
    );
    expect(own.text).toContain('change it now ("Forgot password?" on the sign-in page ends every session)');
    expect(own.text).toContain('tell another Full Access User at Maple Physio.');
    // Paused by a colleague: check with them, not "contact your clinic's Full Access User".
    const paused = renderNotification(
      { kind: 'two_step_paused', to: { ...to, role: 'full_access' }, clinicName: 'Maple Physio', params },
      { at },
    );
    expect(paused.text).toContain('check with Bob Boss or another Full Access User at Maple Physio');
    // Other staff keep the advice to contact a Full Access User.
    expect(render('recovery_code_used').text).toContain("contact your clinic's Full Access User right away");
  });

  it('fills the params each kind needs', () => {
    // A value at a sentence start gets a capital letter, in the text and the HTML.
    expect(render('factor_added').text).toContain('\n\nAuthenticator app was added');
    expect(render('factor_added').html).toContain('<p>Authenticator app was added');
    expect(render('factor_removed').text).toContain('\n\nAuthenticator app was removed');
    // A link on its own line keeps its lower-case scheme.
    const link = 'https://id.clinic.example/welcome/abc';
    expect(render('welcome', { url: link, until: params.until }).text).toContain(`\n\n${link}\n\n`);
    expect(render('factor_replaced').text).toContain('\n\nAuthenticator app was replaced with a new one');
    expect(render('two_step_paused').text).toMatch(/Bob Boss paused.*\n\nUntil Mar 2, 2026, 2:05 PM UTC/s);
    expect(render('two_step_paused').text).toContain('Reason given: Lost phone');
    expect(render('two_step_resumed').text).toContain('Bob Boss ended the pause');
    expect(render('two_step_reset').text).toContain('Reason given: Lost phone');
    expect(render('colleague_paused').subject).toBe(
      '[Maple Physio] 2-Step Verification paused for Dan Dentist',
    );
    expect(render('colleague_reset').text).toContain('Bob Boss reset 2-Step Verification for Dan Dentist');
    expect(render('passkey_renamed', { from: 'Desk', to: 'Front desk PC' }).text).toContain(
      'Your passkey "Desk" for your Maple Physio account was renamed "Front desk PC"',
    );
    expect(render('phishing_resistant_narrowed').text).toMatch(
      /Bob Boss changed who must sign in with a passkey .* fewer staff are covered now\..*Reason given: Lost phone/s,
    );
    expect(render('recovery_code_used').text).toContain(
      "If this wasn't you, contact your clinic's Full Access User",
    );
  });

  it('escapes every value in the HTML, not in the text', () => {
    const hostile = '<script>alert("x")</script> & \'co\'';
    const hostileParams = Object.fromEntries(Object.keys(params).map((k) => [k, hostile]));
    for (const kind of kinds) {
      const { html, text } = renderNotification(
        { kind, to: { ...to, name: hostile }, clinicName: hostile, params: hostileParams },
        { at },
      );
      expect(html).not.toContain('<script>');
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;');
      expect(text).toContain(hostile);
    }
  });

  it('keeps subjects on one line and does not re-expand placeholders inside values', () => {
    const { subject, text } = render('colleague_paused', {
      ...params,
      colleague: 'Eve\r\nBcc: x@evil.example',
      reason: '{actor}',
    });
    expect(subject).toBe('[Maple Physio] 2-Step Verification paused for Eve Bcc: x@evil.example');
    expect(text).toContain('Reason given: {actor}');
  });

  it('falls back to neutral words for missing params and shows an unparsable until as given', () => {
    const { text } = render('two_step_paused', { until: 'soon' });
    expect(text).toContain('A Full Access User paused 2-Step Verification');
    expect(text).toContain('Until soon');
    expect(text).toContain('Reason given: (none given)');
  });

  it('uses another catalog when given (where French goes)', () => {
    const fr = { ...messagesEn, locale: 'fr', greeting: 'Bonjour {name},' };
    const notification: Notification = { kind: 'factor_added', to, clinicName: 'Clinique', params };
    const { text, html } = renderNotification(notification, { at, catalog: fr });
    expect(text).toContain('Bonjour Carol Clinician,');
    expect(text).toContain('1 mars 2026');
    expect(html).toContain('<html lang="fr">');
  });
});
