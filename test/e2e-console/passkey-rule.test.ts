/**
 * The admin console's passkey rule ("Who must sign in with a passkey") over HTTP: covering more
 * people is saved at once and audited; covering fewer goes through the compliance warning
 * (reason + typed word), is audited and emails every Full Access User.
 */
import { renderNotification } from '@twostep/oidc-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertText, testId } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { csrfOf, postRaw, signIn } from './helpers.ts';

let idp: TestIdp;
beforeEach(async () => {
  idp = await startTestIdp();
});
afterEach(() => idp.close());

const rule = async () => (await idp.stores.clinics.get(idp.clinic.id))?.phishingResistant ?? 'off';
const changes = () =>
  idp.stores.audit.list(idp.clinic.id, { types: ['policy.phishing_resistant_changed'], order: 'asc' });

describe('passkey rule in the admin console', () => {
  it('covering more people is saved at once and audited, without emails', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    expect(testId(page, 'passkey-rule')).toBe('Nobody');
    expect(page.body).toContain('Who must sign in with a passkey');
    const before = idp.notifier.sent.length;
    const saved = await browser.post(`${idp.url}/admin/passkey-rule`, {
      csrf: csrfOf(page),
      scope: 'full_access',
    });
    expect(saved.body).toContain('The passkey rule was saved.');
    expect(testId(saved, 'passkey-rule')).toBe('Full Access Users');
    expect(await rule()).toBe('full_access');
    const everyone = await browser.post(`${idp.url}/admin/passkey-rule`, {
      csrf: csrfOf(page),
      scope: 'everyone',
    });
    expect(testId(everyone, 'passkey-rule')).toBe('Everyone');
    expect((await changes()).map((e) => [e.actorId, e.details])).toEqual([
      [idp.staff.owner.id, { from: 'off', to: 'full_access' }],
      [idp.staff.owner.id, { from: 'full_access', to: 'everyone' }],
    ]);
    expect(idp.notifier.sent.length).toBe(before);
    const audit = await browser.get(`${idp.url}/admin/audit`);
    expect(audit.body).toContain(
      'Olivia Owner changed who must sign in with a passkey: Full Access Users → Everyone',
    );
  });

  it('covering fewer people: warning, typed word and reason first; then audited and emailed to every Full Access User', async () => {
    await idp.stores.clinics.update(idp.clinic.id, { phishingResistant: 'everyone' });
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    const confirm = await browser.post(`${idp.url}/admin/passkey-rule`, {
      csrf: csrfOf(page),
      scope: 'full_access',
    });
    expect(confirm.status).toBe(200);
    expect(testId(confirm, 'compliance-change')).toBe(
      'Who must sign in with a passkey: Everyone → Full Access Users.',
    );
    expect(confirm.body).toContain('compliance or regulatory implications');
    expect(confirm.body).toContain('name="scope" value="full_access"');
    expect(await rule()).toBe('everyone');

    const csrf = csrfOf(confirm);
    const refusals: [Record<string, string>, string][] = [
      [{ confirm: 'yes', reason: 'Reception PCs' }, 'Type TURN OFF exactly'],
      [{ confirm: 'TURN OFF', reason: ' ' }, 'Enter a reason'],
    ];
    for (const [fields, message] of refusals) {
      const refused = await postRaw(browser, idp, '/admin/passkey-rule/narrow', {
        csrf,
        scope: 'full_access',
        ...fields,
      });
      expect(refused.status).toBe(400);
      expect(alertText(refused)).toContain(message);
    }
    expect(await rule()).toBe('everyone');
    expect(await changes()).toHaveLength(0);

    const done = await browser.post(`${idp.url}/admin/passkey-rule/narrow`, {
      csrf,
      scope: 'full_access',
      confirm: 'turn off',
      reason: 'Reception PCs have no passkey support',
    });
    expect(done.body).toContain('The passkey rule was saved.');
    expect(await rule()).toBe('full_access');
    expect((await changes())[0]).toMatchObject({
      actorId: idp.staff.owner.id,
      details: {
        from: 'everyone',
        to: 'full_access',
        reason: 'Reception PCs have no passkey support',
        warningShown: true,
      },
    });
    const sent = idp.notifier.sent.filter((n) => n.kind === 'phishing_resistant_narrowed');
    expect(sent.map((n) => n.to.staffId)).toEqual([idp.staff.owner.id]);
    const mail = renderNotification(sent[0]!);
    expect(mail.subject).toContain('Fewer staff must sign in with a passkey');
    expect(mail.text).toContain('fewer staff are covered now');
    expect(mail.text).toContain('Reason given: Reception PCs have no passkey support');
  });

  it('refuses an unknown scope (400) and anyone but a Full Access User (403), changing nothing', async () => {
    const owner = await signIn(idp, idp.staff.owner, '/admin');
    const bad = await postRaw(owner.browser, idp, '/admin/passkey-rule', {
      csrf: csrfOf(owner.page),
      scope: 'all',
    });
    expect(bad.status).toBe(400);
    expect(alertText(bad)).toContain('Choose who must sign in with a passkey');
    const staff = await signIn(idp, idp.staff.frontDesk, '/account');
    for (const path of ['/admin/passkey-rule', '/admin/passkey-rule/narrow']) {
      const denied = await postRaw(staff.browser, idp, path, {
        csrf: csrfOf(staff.page),
        scope: 'off',
        confirm: 'TURN OFF',
        reason: 'x',
      });
      expect(denied.status).toBe(403);
    }
    expect(await rule()).toBe('off');
    expect(await changes()).toHaveLength(0);
  });
});
