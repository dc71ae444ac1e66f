/**
 * Sign-out really ends the console session: it lives in the session store (memory, and MongoDB
 * when MONGODB_URI is set), so a copy of the cookie taken before sign-out is worthless after it.
 * Sign out everywhere, a reset and a pause end the person's sessions on every computer, and the
 * IdP's own sign-in there asks for the password again.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMongooseStores, createOidcAdapter, connectMongo, syncIndexes } from '@twostep/store-mongoose';
import type { Connection } from 'mongoose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { dropTestDatabase, getMongoUri, mongoAvailable, testDatabaseName } from '../helpers/mongo.ts';
import { csrfOf, postRaw, signIn } from './helpers.ts';

const variants = [
  { name: 'memory store', mongo: false },
  { name: 'MongoDB store', mongo: true },
];

describe.each(variants)('console sign-out ($name)', ({ mongo }) => {
  let idp: TestIdp;
  let connection: Connection | undefined;

  beforeEach(async (test) => {
    if (mongo && !mongoAvailable()) return test.skip();
    if (mongo) {
      connection = await connectMongo(getMongoUri(), { dbName: testDatabaseName('console_sign_out') });
      await syncIndexes(connection);
      idp = await startTestIdp({
        stores: createMongooseStores(connection),
        adapter: createOidcAdapter(connection),
      });
    } else {
      idp = await startTestIdp();
    }
  });
  afterEach(async () => {
    await idp?.close();
    if (connection) await dropTestDatabase(connection);
    connection = undefined;
  });

  /** A browser that only carries a copy of `cookie` (taken from another browser). */
  const withCopiedCookie = (cookie: string) => {
    const thief = new Browser();
    thief.setCookie('twostep_console', cookie);
    return thief;
  };

  const expectSignedOut = async (browser: Browser, path = '/admin') => {
    const page = await browser.request('GET', `${idp.url}${path}`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toMatch(/^\/console\/login\?/);
  };

  it('a console cookie copied before sign-out is refused afterwards (and POSTs with it do nothing)', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner, '/admin');
    const copied = browser.cookie('twostep_console')!.value;
    const csrf = csrfOf(page);
    // The copy works while the session lives.
    expect((await withCopiedCookie(copied).request('GET', `${idp.url}/admin`)).status).toBe(200);

    const out = await postRaw(browser, idp, '/console/logout', { csrf });
    expect(out.status).toBe(303);
    await expectSignedOut(withCopiedCookie(copied));
    // An admin action with the copied cookie and the old CSRF token changes nothing.
    const thief = withCopiedCookie(copied);
    const action = await postRaw(thief, idp, `/admin/staff/${idp.staff.practitioner.id}/reset`, {
      csrf,
      reason: 'stolen cookie',
    });
    expect(action.status).toBe(303);
    expect(action.headers.get('location')).toMatch(/^\/console\/login\?return=%2Fadmin/);
    expect(await idp.stores.audit.list(idp.clinic.id, { types: ['two_step.reset'] })).toEqual([]);
  });

  it('the IdP\'s "Sign out?" question is answered for the account page\'s own sign-out only', async () => {
    const { browser, page } = await signIn(idp, idp.staff.owner);
    // A link to the IdP's sign-out from elsewhere (no mark): the question, nothing sent by itself.
    const linked = await browser.get(`${idp.url}/session/end?client_id=twostep-console`);
    expect(linked.body).toContain('Do you want to sign out?');
    expect(linked.body).not.toContain("i.name='logout'");
    // The account page's own (CSRF-checked) sign-out: the same page answers "yes" by itself.
    const out = await browser.post(`${idp.url}/console/logout`, { csrf: csrfOf(page) });
    expect(out.body).toContain("i.name='logout';i.value='yes'");
    expect(out.body).toMatch(/<script nonce="[^"]+">/);
    // Used once.
    expect(browser.cookie('twostep_console_signout')).toBeUndefined();
  });

  it('sign-out needs the CSRF token: without it the session stays', async () => {
    const { browser } = await signIn(idp, idp.staff.owner);
    const forged = await postRaw(browser, idp, '/console/logout', {});
    expect(forged.status).toBe(403);
    expect((await browser.request('GET', `${idp.url}/account`)).status).toBe(200);
  });

  it('sign out everywhere ends the console on every computer, and the IdP there asks for the password again', async () => {
    const home = await signIn(idp, idp.staff.owner);
    const desk = await signIn(idp, idp.staff.owner);
    const copied = desk.browser.cookie('twostep_console')!.value;

    const out = await postRaw(home.browser, idp, '/account/sign-out-everywhere', { csrf: csrfOf(home.page) });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toMatch(/^\/session\/end\?client_id=twostep-console/);
    await expectSignedOut(home.browser, '/account');
    await expectSignedOut(desk.browser, '/account');
    await expectSignedOut(withCopiedCookie(copied), '/account');
    // The front-desk computer still has the IdP's sign-in cookie: it no longer signs anyone in.
    const again = await desk.browser.get(`${idp.url}/account`);
    expect(again.body).toContain('name="password"');
    const [event] = await idp.stores.audit.list(idp.clinic.id, { types: ['sessions.ended'] });
    expect(event).toMatchObject({
      actorId: idp.staff.owner.id,
      targetId: idp.staff.owner.id,
      details: { cause: 'user' },
    });
  });

  it("a Full Access User's reset and pause end the colleague's console sessions", async () => {
    const admin = await signIn(idp, idp.staff.owner, `/admin/staff/${idp.staff.frontDesk.id}`);
    const colleague = await signIn(idp, idp.staff.frontDesk);
    const path = `/admin/staff/${idp.staff.frontDesk.id}`;

    const paused = await postRaw(admin.browser, idp, `${path}/pause`, {
      csrf: csrfOf(admin.page),
      reason: 'lost phone',
    });
    expect(paused.status).toBe(303);
    await expectSignedOut(colleague.browser, '/account');

    const again = await signIn(idp, idp.staff.frontDesk);
    expect(again.page.status).toBe(200);
    const reset = await postRaw(admin.browser, idp, `${path}/reset`, {
      csrf: csrfOf(admin.page),
      reason: 'new phone',
    });
    expect(reset.status).toBe(303);
    await expectSignedOut(again.browser, '/account');
    // The admin's own session is untouched.
    expect((await admin.browser.request('GET', `${idp.url}/admin`)).status).toBe(200);
  });
});

describe('sign out everywhere reaches apps registered in the database', () => {
  it('a stored client with a backchannel_logout_uri (on 127.0.0.1, past the SSRF guard) gets a logout token about the person', async () => {
    const received: string[] = [];
    const app = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        received.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const uri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/auth/backchannel-logout`;
    const stored = { client_id: 'stored-app', backchannel_logout_uri: uri };
    const idp = await startTestIdp({ storedClients: async () => [stored] });
    try {
      const Client = idp.idp.provider.Client as unknown as {
        adapter: { upsert(id: string, payload: object): Promise<void> };
      };
      await Client.adapter.upsert(stored.client_id, {
        ...stored,
        client_secret: 'stored-app-secret-0123456789abcdef',
        redirect_uris: ['http://127.0.0.1:9/cb'],
      });
      const { browser, page } = await signIn(idp, idp.staff.owner);
      const out = await postRaw(browser, idp, '/account/sign-out-everywhere', { csrf: csrfOf(page) });
      expect(out.status).toBe(303);
      expect(received).toHaveLength(1);
      const payload = JSON.parse(Buffer.from(received[0]!.split('.')[1]!, 'base64url').toString());
      expect(payload).toMatchObject({
        iss: idp.issuer,
        aud: 'stored-app',
        sub: idp.staff.owner.id,
        events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      });
      expect(payload.sid).toBeUndefined();
      expect(idp.logs.filter((l) => l.level === 'error')).toEqual([]);
    } finally {
      await idp.close();
      app.close();
    }
  });
});
