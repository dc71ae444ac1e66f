/** Admin console: adding staff sends the invitation email; reminders go to everyone not set up, once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { csrfOf, postRaw, refusedTo, signIn } from './helpers.ts';

let idp: TestIdp;
beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(() => idp.close());

const mails = (kind: string) => idp.notifier.sent.filter((n) => n.kind === kind);

describe('admin console: add staff and remind', () => {
  it('adds a staff member who gets a working invitation; refuses a taken or malformed email', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    expect(page.body).toContain('Add a staff member');
    const csrf = csrfOf(page);
    const added = await postRaw(browser, idp, '/admin/staff', {
      csrf,
      name: 'Nora Newcomer',
      email: ' Nora@Maple.test ',
      role: 'staff',
    });
    expect(added.status).toBe(303);
    expect(added.headers.get('location')).toBe('/admin?done=staff_added');
    const nora = await idp.stores.staff.findByEmail('nora@maple.test');
    expect(nora).toMatchObject({
      name: 'Nora Newcomer',
      role: 'staff',
      clinicId: idp.clinic.id,
      active: true,
    });
    const [invitation] = mails('staff_invitation');
    expect(invitation).toMatchObject({ to: { email: 'nora@maple.test' }, params: { actor: 'Olivia Owner' } });
    const welcome = await new Browser().get(invitation!.params.url!);
    expect(welcome.status).toBe(200);
    expect(welcome.body).toContain('Choose your password');
    const events = (await idp.stores.audit.list(idp.clinic.id)).filter((e) => e.type === 'staff.created');
    expect(events.map((e) => [e.actorId, e.targetId, e.details.via])).toEqual([
      [idp.staff.owner.id, nora!.id, 'console'],
    ]);

    const taken = await postRaw(browser, idp, '/admin/staff', {
      csrf,
      name: 'Someone',
      email: idp.staff.practitioner.email,
      role: 'staff',
    });
    expect(await refusedTo(browser, taken, '/admin')).toContain('already uses that email');
    const bad = await postRaw(browser, idp, '/admin/staff', {
      csrf,
      name: 'X',
      email: 'not-an-email',
      role: 'staff',
    });
    expect(await refusedTo(browser, bad, '/admin')).toContain('Enter an email address');
    const noCsrf = await postRaw(browser, idp, '/admin/staff', {
      name: 'X',
      email: 'x@maple.test',
      role: 'staff',
    });
    expect(noCsrf.status).toBe(403);
    expect(await idp.stores.staff.findByEmail('x@maple.test')).toBeNull();
    expect(mails('staff_invitation')).toHaveLength(1);
  });

  it('reminds everyone not set up, once per window', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    expect(page.body).toContain('Email a reminder to everyone not set up');
    const before = mails('staff_invitation').length;
    const sent = await postRaw(browser, idp, '/admin/remind', { csrf: csrfOf(page) });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe('/admin?done=reminders_sent');
    // Pat has a password but no 2-Step; Nora (previous test) has no password yet: a new invitation.
    expect(mails('setup_reminder').map((m) => m.to.email)).toEqual([idp.staff.practitioner.email]);
    expect(mails('setup_reminder')[0]!.params.url).toBe(`${idp.issuer}/account`);
    expect(
      mails('staff_invitation')
        .slice(0, mails('staff_invitation').length - before)
        .map((m) => m.to.email),
    ).toEqual(['nora@maple.test']);
    const again = await postRaw(browser, idp, '/admin/remind', { csrf: csrfOf(page) });
    expect(again.status).toBe(429);
    expect(again.body).toContain('a few minutes ago');
    expect(mails('setup_reminder')).toHaveLength(1);
  });
});
