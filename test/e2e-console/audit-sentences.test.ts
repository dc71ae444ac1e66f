/** The admin audit log in sentences, and its staff filter finding people by part of their name. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { signIn } from './helpers.ts';

let idp: TestIdp;
beforeAll(async () => {
  idp = await startTestIdp();
  const owner = { actorId: idp.staff.owner.id };
  const paused = await idp.idp.twostep.admin.pause(owner, idp.staff.practitioner.id, {
    reason: 'lost phone',
  });
  expect(paused.ok).toBe(true);
});
afterAll(() => idp.close());

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('admin audit log', () => {
  it('says what happened in a sentence, with names and a readable time', async () => {
    const { browser } = await signIn(idp, idp.staff.owner, '/admin');
    const page = await browser.get(`${idp.url}/admin/audit`);
    const body = text(page.body);
    expect(body).toMatch(
      /Olivia Owner paused 2-Step Verification for Pat Practitioner until [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M[^:]*: “lost phone”/,
    );
    expect(body).not.toContain('until: 20');
    expect(body).not.toContain('need: full_access');
  });

  it('finds a person by part of their name; asks for more when several match', async () => {
    const { browser } = await signIn(idp, idp.staff.owner, '/admin');
    const pat = text((await browser.get(`${idp.url}/admin/audit?staff=practi`)).body);
    expect(pat).toContain('for Pat Practitioner');
    expect(pat).not.toContain('No staff member');
    const owners = text(
      (await browser.get(`${idp.url}/admin/audit?staff=${encodeURIComponent('Olivia')}`)).body,
    );
    expect(owners).not.toContain('Dana Desk');
    const several = text((await browser.get(`${idp.url}/admin/audit?staff=maple.test`)).body);
    expect(several).toContain('Several people match');
    expect(several).toContain('Dana Desk');
    const none = text((await browser.get(`${idp.url}/admin/audit?staff=zzz`)).body);
    expect(none).toContain('No staff member of this clinic matches');
  });
});
