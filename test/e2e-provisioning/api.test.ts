import { ADMIN_SCOPE } from '@twostep/oidc-server';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_AUDIENCE } from '../helpers/idp.ts';
import { operations, seen } from './openapi.ts';
import {
  adminToken,
  api,
  type ProvisioningIdp,
  registerProvisioningClient,
  startProvisioningIdp,
  tokenRequest,
} from './support.ts';

let idp: ProvisioningIdp;
let token: string;

beforeEach(async () => {
  idp = await startProvisioningIdp();
  token = await adminToken(idp, idp.maple);
});
afterEach(() => idp.close());

type Staff = {
  id: string;
  clinicId: string;
  name: string;
  email: string;
  role: string;
  active: boolean;
  passwordSet: boolean;
  welcomeLink?: { url: string; expiresAt: string };
};

const newStaff = (overrides: Record<string, unknown> = {}) => ({
  name: 'Sam Physio',
  email: `sam.${Math.random().toString(36).slice(2, 8)}@maple.test`,
  role: 'staff',
  ...overrides,
});

async function auditTypes(clinicId = idp.clinic.id) {
  return (await idp.stores.audit.list(clinicId)).map((e) => ({ type: e.type, details: e.details }));
}

describe('admin API tokens (client credentials)', () => {
  it('a provisioning client gets an opaque, 10-minute token for the admin API with twostep:admin', async () => {
    const { status, body } = await tokenRequest(idp.issuer, idp.maple, { scope: ADMIN_SCOPE });
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', scope: ADMIN_SCOPE, expires_in: 600 });
    expect(String(body.access_token).split('.')).toHaveLength(1); // opaque, not a JWT
  });

  it('provisioning clients get no other audience, and sign-in clients get no client credentials', async () => {
    const other = await tokenRequest(idp.issuer, idp.maple, { scope: ADMIN_SCOPE, resource: API_AUDIENCE });
    expect(other.body.error).toBe('invalid_target');
    const app = await tokenRequest(
      idp.issuer,
      { clientId: idp.clientId, clientSecret: idp.clientSecret },
      { scope: ADMIN_SCOPE, resource: idp.audience },
    );
    expect(app.status).toBe(400);
    expect(app.body).toEqual({
      error: 'invalid_request',
      error_description: 'requested grant type is not allowed for this client',
    });
  });

  it('a stored client whose clinic_id comes with other grants is refused by oidc-provider', async () => {
    const bad = await registerProvisioningClient(idp, idp.clinic.id, {
      grant_types: ['client_credentials', 'authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1:9/cb'],
    });
    const { body } = await tokenRequest(idp.issuer, bad, { scope: ADMIN_SCOPE });
    expect(body.error).toBe('invalid_client_metadata');
  });
});

describe('GET/PATCH /clinic', () => {
  it('reads the caller clinic, renames it (audited with the client id)', async () => {
    const read = await api(idp, token, 'GET', '/clinic');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: idp.clinic.id, name: 'Maple Street Physio', enforceTwoStep: true });
    expect(read.headers.get('cache-control')).toBe('no-store');

    const renamed = await api(idp, token, 'PATCH', '/clinic', { body: { name: '  Maple Physio  ' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Maple Physio');
    expect((await idp.stores.clinics.get(idp.clinic.id))?.name).toBe('Maple Physio');
    expect(await auditTypes()).toContainEqual({
      type: 'clinic.updated',
      details: { client: idp.maple.clientId, fields: 'name' },
    });
  });

  it("sets the clinic's default language, canonical and audited; refuses a bad tag and an empty patch", async () => {
    const set = await api(idp, token, 'PATCH', '/clinic', { body: { defaultLocale: 'fr-ca' } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ id: idp.clinic.id, defaultLocale: 'fr-CA' });
    expect((await idp.stores.clinics.get(idp.clinic.id))?.defaultLocale).toBe('fr-CA');
    expect((await api(idp, token, 'GET', '/clinic')).body).toMatchObject({ defaultLocale: 'fr-CA' });
    expect(await auditTypes()).toContainEqual({
      type: 'clinic.updated',
      details: { client: idp.maple.clientId, fields: 'defaultLocale', defaultLocale: 'fr-CA' },
    });
    const events = (await auditTypes()).length;

    for (const body of [{ defaultLocale: 'not a language!' }, { defaultLocale: 42 }, {}]) {
      const res = await api(idp, token, 'PATCH', '/clinic', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error_description).toMatch(
        /^body: nothing to change|^defaultLocale: expected a BCP 47/,
      );
    }
    // The same value again changes and audits nothing.
    expect((await api(idp, token, 'PATCH', '/clinic', { body: { defaultLocale: 'fr-CA' } })).status).toBe(
      200,
    );
    expect((await idp.stores.clinics.get(idp.clinic.id))?.defaultLocale).toBe('fr-CA');
    expect((await auditTypes()).length).toBe(events);

    await api(idp, token, 'PATCH', '/clinic', { body: { defaultLocale: 'en' } });
  });

  it('refuses enforcement and unknown fields: that is a Full Access User decision', async () => {
    const res = await api(idp, token, 'PATCH', '/clinic', { body: { enforceTwoStep: false } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      error_description: expect.stringContaining('unknown field "enforceTwoStep"'),
    });
    expect((await idp.stores.clinics.get(idp.clinic.id))?.enforceTwoStep).toBe(true);
  });
});

describe('staff', () => {
  it('POST creates a staff member without a password, with a welcome link; GET reads it', async () => {
    const input = newStaff({ email: '  Sam.NEW@Maple.test ' });
    const created = await api<Staff>(idp, token, 'POST', '/staff', { body: input });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      clinicId: idp.clinic.id,
      email: 'sam.new@maple.test',
      role: 'staff',
      active: true,
      passwordSet: false,
    });
    expect(created.headers.get('location')).toBe(`${idp.audience}/staff/${created.body.id}`);
    expect(created.body.welcomeLink?.url).toMatch(new RegExp(`^${idp.issuer}/welcome/`));
    const read = await api<Staff>(idp, token, 'GET', '/staff/{id}', { params: { id: created.body.id } });
    expect(read.body).toEqual({ ...created.body, welcomeLink: undefined });
    expect(await auditTypes()).toContainEqual({
      type: 'staff.created',
      details: { client: idp.maple.clientId, role: 'staff' },
    });
    const stored = await idp.stores.staff.get(created.body.id);
    // A well-formed record at the IdP's cost (same sign-in timing as anyone), its salt starting
    // with the bytes `unset-` (base64 `dW5zZXQt`).
    expect(stored?.passwordHash).toMatch(
      /^\$argon2id\$v=19\$m=256,t=1,p=1\$dW5zZXQt[A-Za-z0-9+/]+\$[A-Za-z0-9+/]{43}$/,
    );
  });

  it('POST and PATCH carry the optional profile (given and family name, locale) to the OIDC claims', async () => {
    const created = await api<Staff>(idp, token, 'POST', '/staff', {
      body: newStaff({ givenName: ' Sam ', familyName: 'Rivera', locale: 'fr-ca' }),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ givenName: 'Sam', familyName: 'Rivera', locale: 'fr-CA' });
    const patched = await api<Staff>(idp, token, 'PATCH', '/staff/{id}', {
      params: { id: created.body.id },
      body: { locale: 'en-CA' },
    });
    expect(patched.body).toMatchObject({ givenName: 'Sam', familyName: 'Rivera', locale: 'en-CA' });
    expect(await idp.stores.staff.get(created.body.id)).toMatchObject({
      givenName: 'Sam',
      familyName: 'Rivera',
      locale: 'en-CA',
    });
    // Staff without them are listed without the fields.
    const owner = await api<Staff>(idp, token, 'GET', '/staff/{id}', {
      params: { id: idp.staff.frontDesk.id },
    });
    expect(owner.body).not.toHaveProperty('locale');
  });

  it('POST refuses a taken email (409 email_taken), in any clinic', async () => {
    const res = await api(idp, token, 'POST', '/staff', {
      body: newStaff({ email: idp.staff.relaxed.email }),
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('email_taken');
  });

  it('GET /staff lists only the caller clinic, with search and paging', async () => {
    const all = await api<{ items: Staff[]; total: number }>(idp, token, 'GET', '/staff');
    expect(all.body.total).toBe(3);
    expect(all.body.items.map((s) => s.email).sort()).toEqual(
      ['desk@maple.test', 'owner@maple.test', 'pat@maple.test'].sort(),
    );
    const search = await api<{ items: Staff[]; total: number }>(idp, token, 'GET', '/staff', {
      query: 'search=DESK',
    });
    expect(search.body.items.map((s) => s.email)).toEqual(['desk@maple.test']);
    const page = await api<{ items: Staff[]; total: number; offset: number; limit: number }>(
      idp,
      token,
      'GET',
      '/staff',
      { query: 'offset=1&limit=1' },
    );
    expect(page.body).toMatchObject({ total: 3, offset: 1, limit: 1 });
    expect(page.body.items).toHaveLength(1);
    // A regex in the search is taken literally; another clinic's staff never appear.
    const literal = await api<{ total: number }>(idp, token, 'GET', '/staff', { query: 'search=.*' });
    expect(literal.body.total).toBe(0);
    const rob = await api<{ total: number }>(idp, token, 'GET', '/staff', { query: 'search=rob' });
    expect(rob.body.total).toBe(0);
  });

  it('PATCH changes name and email; a role change revokes trusted devices (audited)', async () => {
    const staff = (await idp.stores.staff.get(idp.staff.practitioner.id))!;
    const trusted = await idp.idp.twostep.devices.trust({ actorId: staff.id }, staff, 'Firefox');
    expect(trusted.ok).toBe(true);

    const named = await api<Staff>(idp, token, 'PATCH', '/staff/{id}', {
      params: { id: staff.id },
      body: { name: 'Pat P.', email: 'Pat.P@maple.test' },
    });
    expect(named.body).toMatchObject({ name: 'Pat P.', email: 'pat.p@maple.test', role: 'staff' });
    expect(await idp.stores.trustedDevices.list(staff.id, idp.clock.now())).toHaveLength(1);

    const promoted = await api<Staff>(idp, token, 'PATCH', '/staff/{id}', {
      params: { id: staff.id },
      body: { role: 'full_access' },
    });
    expect(promoted.body.role).toBe('full_access');
    expect(await idp.stores.trustedDevices.list(staff.id, idp.clock.now())).toHaveLength(0);
    const events = await auditTypes();
    expect(events).toContainEqual({
      type: 'staff.updated',
      details: { client: idp.maple.clientId, fields: 'name,email' },
    });
    expect(events).toContainEqual({
      type: 'staff.updated',
      details: { client: idp.maple.clientId, fields: 'role', role: 'full_access' },
    });
    expect(events).toContainEqual({ type: 'device.revoked', details: { count: 1, cause: 'role_changed' } });
  });

  it('keeps one active Full Access User: demoting or deactivating the last is a 409', async () => {
    const demote = await api(idp, token, 'PATCH', '/staff/{id}', {
      params: { id: idp.staff.owner.id },
      body: { role: 'staff' },
    });
    expect(demote.status).toBe(409);
    expect(demote.body.error).toBe('last_full_access');
    const deactivate = await api(idp, token, 'POST', '/staff/{id}/deactivate', {
      params: { id: idp.staff.owner.id },
    });
    expect(deactivate.status).toBe(409);
    expect((await idp.stores.staff.get(idp.staff.owner.id))?.active).toBe(true);
  });

  it('PATCH with an email taken by someone else is a 409', async () => {
    const res = await api(idp, token, 'PATCH', '/staff/{id}', {
      params: { id: idp.staff.practitioner.id },
      body: { email: idp.staff.frontDesk.email },
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('email_taken');
  });

  it('GET /staff/{id}/two-step gives the 2-Step state', async () => {
    const owner = await api(idp, token, 'GET', '/staff/{id}/two-step', {
      params: { id: idp.staff.owner.id },
    });
    expect(owner.body).toEqual({
      staffId: idp.staff.owner.id,
      enrolled: true,
      methods: ['totp', 'recovery'],
      enforced: true,
      pausedUntil: null,
      throttle: 'open',
      retryAt: null,
    });
    const pat = await api(idp, token, 'GET', '/staff/{id}/two-step', {
      params: { id: idp.staff.practitioner.id },
    });
    expect(pat.body).toMatchObject({ enrolled: false, methods: [] });
  });

  it('POST /staff/{id}/welcome-link: staff with a password get none (409), deactivated none (404)', async () => {
    const owner = await api(idp, token, 'POST', '/staff/{id}/welcome-link', {
      params: { id: idp.staff.owner.id },
    });
    expect(owner.status).toBe(409);
    expect(owner.body.error).toBe('password_already_set');
    const newcomer = await api<Staff>(idp, token, 'POST', '/staff', { body: newStaff() });
    const link = await api(idp, token, 'POST', '/staff/{id}/welcome-link', {
      params: { id: newcomer.body.id },
    });
    expect(link.status).toBe(200);
    expect(link.body.url).toMatch(/\/welcome\//);
    await api(idp, token, 'POST', '/staff/{id}/deactivate', { params: { id: newcomer.body.id } });
    const none = await api(idp, token, 'POST', '/staff/{id}/welcome-link', {
      params: { id: newcomer.body.id },
      body: {},
    });
    expect(none.status).toBe(404);
  });
});

describe('refusals', () => {
  it('no token: 401 with a bare Bearer challenge', async () => {
    const res = await api(idp, null, 'GET', '/clinic');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('unauthorized');
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="${idp.audience}"`);
  });

  it('a bad, malformed or foreign token: 401 invalid_token', async () => {
    const bad = await api(idp, 'not-a-real-token', 'GET', '/clinic');
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('invalid_token');
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer realm=".*", error="invalid_token"/);
    const basic = await api(idp, null, 'GET', '/staff', { authorization: 'Basic Zm9vOmJhcg==' });
    expect(basic.status).toBe(401);
    expect(basic.body.error).toBe('invalid_token');
  });

  it('a revoked token stops working at once', async () => {
    const res = await fetch(`${idp.issuer}/token/revocation`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${idp.maple.clientId}:${idp.maple.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }),
    });
    expect(res.status).toBe(200);
    expect((await api(idp, token, 'GET', '/clinic')).status).toBe(401);
  });

  it('a token without twostep:admin: 403 insufficient_scope', async () => {
    const scopeless = await adminToken(idp, idp.maple, '');
    const res = await api(idp, scopeless, 'GET', '/staff');
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('insufficient_scope');
    expect(res.headers.get('www-authenticate')).toContain('scope="twostep:admin"');
  });

  it("another clinic's staff do not exist (404), for every staff route", async () => {
    const birch = await adminToken(idp, idp.birch);
    const id = idp.staff.owner.id;
    for (const [method, template] of [
      ['GET', '/staff/{id}'],
      ['PATCH', '/staff/{id}'],
      ['POST', '/staff/{id}/deactivate'],
      ['POST', '/staff/{id}/welcome-link'],
      ['GET', '/staff/{id}/two-step'],
    ] as const) {
      const res = await api(idp, birch, method, template, {
        params: { id },
        ...(method === 'PATCH' ? { body: { name: 'Taken Over' } } : {}),
      });
      expect(res.status, `${method} ${template}`).toBe(404);
      expect(res.body.error).toBe('not_found');
    }
    expect((await idp.stores.staff.get(id))?.name).toBe('Olivia Owner');
    const list = await api<{ items: Staff[] }>(idp, birch, 'GET', '/staff');
    expect(list.body.items.map((s) => s.email)).toEqual(['rob@birch.test']);
  });

  it.each([
    ['a missing field', newStaff({ role: undefined }), 'role: required'],
    ['an unknown field', newStaff({ phone: '+16135550100' }), 'unknown field "phone"'],
    ['a bad email', newStaff({ email: 'not an email' }), 'email: expected an email address'],
    ['an unknown role', newStaff({ role: 'admin' }), 'role: expected one of full_access, staff'],
    ['an empty name', newStaff({ name: '   ' }), 'name: 1 to 200 characters'],
    ['an empty given name', newStaff({ givenName: '' }), 'givenName: 1 to 200 characters'],
    ['a malformed locale', newStaff({ locale: 'not a tag' }), 'locale: expected a BCP 47 language tag'],
    ['a locale that is no string', newStaff({ locale: ['fr'] }), 'locale: expected a BCP 47 language tag'],
    ['a long name', newStaff({ name: 'x'.repeat(201) }), 'name: 1 to 200 characters'],
    [
      'control characters',
      newStaff({ name: 'Sam\u0000Physio' }),
      'name: must not contain control characters',
    ],
    ['an operator as email', newStaff({ email: { $ne: null } }), 'email: expected a string'],
    ['an operator as name', newStaff({ name: { $gt: '' } }), 'name: expected a string'],
    ['a $where field', { ...newStaff(), $where: 'sleep(1000)' }, 'unknown field "$where"'],
    [
      '__proto__',
      JSON.parse(`{"__proto__":{"admin":true},"name":"A","email":"a@b.test","role":"staff"}`),
      'unknown field "__proto__"',
    ],
    ['an array body', [newStaff()], 'body: expected a JSON object'],
  ])('POST /staff with %s: 400', async (_label, body, message) => {
    const res = await api(idp, token, 'POST', '/staff', { body });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      error_description: expect.stringContaining(message),
    });
    expect((await idp.stores.staff.list(idp.clinic.id)).total).toBe(3);
  });

  it('bodies: not JSON 400, not application/json 415, too large 413, PATCH with nothing 400', async () => {
    const notJson = await api(idp, token, 'POST', '/staff', { rawBody: '{"name":' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error_description).toBe('body: not valid JSON');
    const form = await api(idp, token, 'POST', '/staff', {
      rawBody: 'name=a&email=a@b.test&role=staff',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expect(form.body.error).toBe('unsupported_media_type');
    const large = await api(idp, token, 'POST', '/staff', { body: newStaff({ name: 'x'.repeat(20_000) }) });
    expect(large.status).toBe(413);
    const empty = await api(idp, token, 'PATCH', '/staff/{id}', {
      params: { id: idp.staff.practitioner.id },
      body: {},
    });
    expect(empty.status).toBe(400);
    const actionBody = await api(idp, token, 'POST', '/staff/{id}/deactivate', {
      params: { id: idp.staff.practitioner.id },
      body: { active: true },
    });
    expect(actionBody.status).toBe(400);
    expect((await idp.stores.staff.get(idp.staff.practitioner.id))?.active).toBe(true);
  });

  it.each([
    ['search[$ne]=x', 'unknown parameter'],
    ['search=a&search=b', 'search: expected one string'],
    ['limit=0', 'limit: expected 1 to 100'],
    ['limit=1e3', 'limit: expected an integer'],
    ['offset=-1', 'offset: expected an integer'],
    ['sort=name', 'unknown parameter "sort"'],
    [`search=${'a'.repeat(101)}`, 'search: at most 100 characters'],
  ])('GET /staff?%s: 400', async (query, message) => {
    const res = await api(idp, token, 'GET', '/staff', { query });
    expect(res.status).toBe(400);
    expect(res.body.error_description).toContain(message);
  });

  it.each([['{"$ne":null}'], ['$where'], ['a'.repeat(65)], ['..%2F..%2Fclinic']])(
    'a staff id like %s: 400',
    async (id) => {
      const res = await api(idp, token, 'GET', '/staff/{id}', { params: { id } });
      expect(res.status).toBe(400);
      expect(res.body.error_description).toContain('id: expected');
    },
  );
});

describe('the spec', () => {
  afterAll(() => {
    // Every documented operation was called and its success answer validated.
    const ok = new Set([...seen].map((s) => s.replace(/ [0-9]+$/, (m) => (m.startsWith(' 2') ? ' 2xx' : m))));
    const missing = operations().filter((op) => !ok.has(`${op} 2xx`));
    expect(missing).toEqual([]);
  });
  it('has the operations the router serves', () => {
    expect(operations()).toHaveLength(9);
  });
});
