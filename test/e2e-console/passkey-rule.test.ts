/**
 * The admin console's passkey rule ("Who must sign in with a passkey") over HTTP: covering more
 * people is saved at once and audited; covering fewer goes through the compliance warning
 * (reason + typed word), is audited and emails every Full Access User.
 */
import { renderNotification } from '@twostep/oidc-server';
import { hasVerifiedFactor } from '../../packages/oidc-server/src/console/session.ts';
import { credential } from '../../packages/core/test/fixtures.ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { alertText, testId } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { csrfOf, postRaw, refusedTo, signIn } from './helpers.ts';

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
    // Set after her sign-in: under the rule, her code sign-in would first ask her to add a passkey.
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    await idp.stores.clinics.update(idp.clinic.id, { phishingResistant: 'everyone' });
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

describe('who has a passkey, in the admin console', () => {
  async function addPasskey(staffId: string, name: string) {
    const member = await idp.stores.staff.get(staffId);
    const result = await idp.idp.twostep.enrollment.addPasskey(
      { actorId: staffId },
      member!,
      credential(),
      name,
    );
    if (!result.ok) throw new Error(result.reason);
    return result.passkey;
  }

  it('the staff list counts passkeys and marks who the rule covers without one; the staff page lists them', async () => {
    const desk = await addPasskey(idp.staff.frontDesk.id, 'Front desk PC');
    await addPasskey(idp.staff.frontDesk.id, 'Dana phone');
    await idp.stores.factors.recordPasskeyUse(idp.staff.frontDesk.id, desk.id, {
      expectedCounter: 0,
      counter: 5,
      backupState: false,
      usedAt: new Date('2026-03-02T14:30:00Z'),
    });
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    const row = (p: typeof page, name: string) => {
      const i = p.body.indexOf(`>${name}</a>`);
      return p.body.slice(i, p.body.indexOf('</tr>', i));
    };
    expect(row(page, 'Dana Desk')).toContain('Passkeys: 2');
    expect(row(page, 'Olivia Owner')).not.toContain('Passkey needed');
    expect(page.body).not.toContain('data-testid="passkey-readiness"');

    await browser.post(`${idp.url}/admin/passkey-rule`, { csrf: csrfOf(page), scope: 'full_access' });
    const covered = await browser.get(`${idp.url}/admin`);
    expect(row(covered, 'Olivia Owner')).toContain('Passkey needed');
    expect(row(covered, 'Dana Desk')).not.toContain('Passkey needed');
    expect(row(covered, 'Pat Practitioner')).not.toContain('Passkey needed');
    expect(testId(covered, 'passkey-readiness')).toBe(
      'Covered by the passkey rule without a passkey yet: 1. Each adds one at their next sign-in.',
    );
    await browser.post(`${idp.url}/admin/passkey-rule`, { csrf: csrfOf(page), scope: 'everyone' });
    const everyone = await browser.get(`${idp.url}/admin`);
    expect(row(everyone, 'Pat Practitioner')).toContain('Passkey needed');
    expect(testId(everyone, 'passkey-readiness')).toContain('without a passkey yet: 2.');

    const staff = await browser.get(`${idp.url}/admin/staff/${idp.staff.frontDesk.id}`);
    const listed = staff.body.slice(staff.body.indexOf('data-testid="passkeys"'));
    expect(listed).toContain('Dana phone');
    expect(listed).toMatch(/Front desk PC <span class="muted">added [^<]*, last used Mar 2, 2026/);
    expect(listed).toMatch(/Dana phone <span class="muted">added [^<]*, last used never/);
    const owner = await browser.get(`${idp.url}/admin/staff/${idp.staff.owner.id}`);
    expect(testId(owner, 'passkeys')).toBe('Passkey needed');
  });

  it('a passkey sign-in (loa:phr, hwk or swk) counts as a verified second factor for the 10-minute rule', () => {
    const session = { sid: 's', accountId: 'a', authTime: 1, iat: 1, seen: 1 };
    const verified = (acr: string, amr: string[]) => hasVerifiedFactor({ ...session, acr, amr });
    expect(verified('urn:twostep:loa:phr', ['pwd', 'hwk', 'user', 'mfa'])).toBe(true);
    expect(verified('urn:twostep:loa:phr', ['swk', 'user', 'mfa'])).toBe(true);
    expect(verified('urn:twostep:loa:2fa', ['pwd', 'otp', 'mfa'])).toBe(true);
    expect(verified('urn:twostep:loa:2fa', ['pwd', 'trusted_device', 'mfa'])).toBe(false);
    expect(verified('urn:twostep:loa:1fa', ['pwd'])).toBe(false);
    expect(verified('urn:other', ['hwk'])).toBe(false);
  });
});

describe('rename and remove a passkey on the account page', () => {
  async function ownerPasskey(name: string) {
    const owner = (await idp.stores.staff.get(idp.staff.owner.id))!;
    const result = await idp.idp.twostep.enrollment.addPasskey(
      { actorId: owner.id },
      owner,
      credential(),
      name,
    );
    if (!result.ok) throw new Error(result.reason);
    return result.passkey;
  }
  const events = (type: string) =>
    idp.stores.audit.list(idp.clinic.id, { types: [type as never], order: 'asc' });

  it("rename: audited and emailed with the old and new names; a bad name or someone else's passkey changes nothing", async () => {
    // Signed in with her code first (with a passkey, sign-in would offer the passkey first).
    const { browser } = await signIn(idp, idp.staff.owner, '/account');
    const desk = await ownerPasskey('Desk');
    const page = await browser.get(`${idp.url}/account`);
    expect(page.body).toContain('New name for “Desk”');
    const renamed = await browser.post(`${idp.url}/account/passkey/rename`, {
      csrf: csrfOf(page),
      passkey: desk.id,
      name: '  Front desk PC ',
    });
    expect(renamed.body).toContain('The passkey was renamed.');
    expect(renamed.body).toContain('New name for “Front desk PC”');
    expect((await events('passkey.renamed')).map((e) => [e.actorId, e.targetId, e.details])).toEqual([
      [idp.staff.owner.id, idp.staff.owner.id, { from: 'Desk', to: 'Front desk PC' }],
    ]);
    const mail = idp.notifier.sent.filter((n) => n.kind === 'passkey_renamed');
    expect(mail.map((n) => n.to.staffId)).toEqual([idp.staff.owner.id]);
    expect(renderNotification(mail[0]!).text).toContain('Your passkey "Desk" for your');
    const audit = await browser.get(`${idp.url}/admin/audit`);
    expect(audit.body).toContain('Olivia Owner renamed their passkey “Desk” to “Front desk PC”');

    const empty = await postRaw(browser, idp, '/account/passkey/rename', {
      csrf: csrfOf(page),
      passkey: desk.id,
      name: ' ',
    });
    expect(empty.status).toBe(400);
    expect(alertText(empty)).toContain('Enter a name for the passkey.');
    const desks = await idp.stores.staff.get(idp.staff.frontDesk.id);
    const theirs = await idp.idp.twostep.enrollment.addPasskey(
      { actorId: desks!.id },
      desks!,
      credential(),
      'Dana PC',
    );
    if (!theirs.ok) throw new Error(theirs.reason);
    const other = await postRaw(browser, idp, '/account/passkey/rename', {
      csrf: csrfOf(page),
      passkey: theirs.passkey.id,
      name: 'Mine now',
    });
    expect(other.status).toBe(400);
    expect((await idp.stores.factors.findPasskey(theirs.passkey.credentialId))?.name).toBe('Dana PC');
    expect(await events('passkey.renamed')).toHaveLength(1);
  });

  it('rename and remove need a fresh verification (10 minutes), like other account changes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const { browser, page } = await signIn(idp, idp.staff.owner, '/account');
      const desk = await ownerPasskey('Desk');
      vi.setSystemTime(Date.now() + 11 * 60_000);
      for (const [path, fields] of [
        ['/account/passkey/rename', { passkey: desk.id, name: 'Stale' }],
        ['/account/remove', { kind: 'passkey', passkey: desk.id }],
      ] as const) {
        const stale = await postRaw(browser, idp, path, { csrf: csrfOf(page), ...fields });
        expect(stale.status).toBe(303);
        expect(new URL(stale.headers.get('location')!, idp.url).searchParams.get('fresh')).toBe('1');
      }
      expect((await idp.stores.factors.findPasskey(desk.credentialId))?.name).toBe('Desk');
      expect(await events('passkey.renamed')).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('the last passkey cannot be removed while the passkey rule covers you; with a second one, one can go (audited, emailed)', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, '/account');
    const desk = await ownerPasskey('Desk');
    await idp.stores.clinics.update(idp.clinic.id, { phishingResistant: 'full_access' });
    const refused = await postRaw(browser, idp, '/account/remove', {
      csrf: csrfOf(page),
      kind: 'passkey',
      passkey: desk.id,
    });
    expect(await refusedTo(browser, refused, '/account')).toContain(
      'requires you to sign in with a passkey, so you cannot remove your last passkey',
    );
    expect(await idp.stores.factors.findPasskey(desk.credentialId)).not.toBeNull();
    const phone = await ownerPasskey('Phone');
    const removed = await browser.post(`${idp.url}/account/remove`, {
      csrf: csrfOf(page),
      kind: 'passkey',
      passkey: phone.id,
    });
    expect(removed.body).toContain('The method was removed.');
    expect((await events('factor.removed')).map((e) => e.details)).toEqual([
      { factor: 'passkey', name: 'Phone' },
    ]);
    expect(
      idp.notifier.sent.some((n) => n.kind === 'factor_removed' && n.params.factor === 'passkey "Phone"'),
    ).toBe(true);
  });
});
