import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader, EncryptJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { MemorySessionStore, requireAuth, type SessionData, TwostepError, twostep } from '../src/index.ts';
import { ACR_1FA } from './fixtures/idp.ts';
import { Browser, getOnce, parseWwwAuthenticate, type Rig, SECRET, startRig } from './helpers.ts';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig.close();
});

async function signIn(browser = new Browser(), path = '/schedule') {
  rig.idp.nextLogin = { sub: 'alice', acr: ACR_1FA, amr: ['pwd'] };
  const page = await browser.follow(`${rig.rp}${path}`);
  return { browser, page };
}

describe('sign-in', () => {
  it('sends a browser to the IdP and back to the page it asked for', async () => {
    const { browser, page } = await signIn();
    expect(page.status).toBe(200);
    expect(page.url).toBe(`${rig.rp}/schedule`);
    expect(JSON.parse(page.body)).toMatchObject({
      page: 'schedule',
      sub: 'alice',
      acr: ACR_1FA,
      amr: ['pwd'],
    });
    expect(browser.trail[1]).toMatch(new RegExp(`^${rig.idp.issuer}/auth\\?`));
    const authorize = new URL(browser.trail[1]!);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.has('prompt')).toBe(false);
    expect(authorize.searchParams.has('acr_values')).toBe(false);
    // The session is a compact JWE (dir + A256GCM).
    const cookie = browser.cookie(rig.rp, 'twostep')!;
    expect(cookie.split('.')).toHaveLength(5);
    expect(decodeProtectedHeader(cookie)).toMatchObject({ alg: 'dir', enc: 'A256GCM' });
  });

  it('fetches userinfo once at sign-in: name and email reach req.twostep.claims', async () => {
    const before = rig.idp.userinfoRequests;
    const { browser } = await signIn(new Browser(), '/profile');
    // The test IdP keeps profile claims out of the ID Token (oidc-provider's conformIdTokenClaims).
    const profile = JSON.parse((await browser.get(`${rig.rp}/profile`)).body);
    expect(profile).toMatchObject({
      sub: 'alice',
      name: 'Staff alice',
      email: 'alice@clinic.test',
      email_verified: true,
      acr: ACR_1FA,
    });
    await browser.get(`${rig.rp}/schedule`);
    expect(rig.idp.userinfoRequests - before).toBe(1);
  });

  it('asks userinfo nothing when only openid is requested', async () => {
    const bare = await startRig({ scopes: ['openid'] });
    try {
      bare.idp.nextLogin = { sub: 'bob', acr: ACR_1FA, amr: ['pwd'] };
      const browser = new Browser();
      await browser.follow(`${bare.rp}/profile`);
      const claims = JSON.parse((await browser.get(`${bare.rp}/profile`)).body);
      expect(claims.sub).toBe('bob');
      expect(claims.name).toBeUndefined();
      expect(bare.idp.userinfoRequests).toBe(0);
    } finally {
      await bare.close();
    }
  });

  it('sets the session cookie HttpOnly and SameSite=Lax (no Secure on http://127.0.0.1)', async () => {
    const browser = new Browser();
    const first = await browser.get(`${rig.rp}/auth/login`);
    expect(first.status).toBe(303);
    const setCookie = first.headers.getSetCookie().find((c) => c.startsWith('twostep='))!;
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/);
  });

  it('answers an API call without a session with 401 and a bare Bearer challenge', async () => {
    const res = await new Browser().get(`${rig.rp}/schedule`, { accept: 'application/json' });
    expect(res.status).toBe(401);
    expect(parseWwwAuthenticate(res.headers.get('www-authenticate')!)).toEqual([
      { scheme: 'Bearer', params: { realm: 'twostep' } },
    ]);
  });

  it('treats a fetch() from a page (Sec-Fetch-Mode: cors) as an API call, not a navigation', async () => {
    const res = await new Browser().get(`${rig.rp}/schedule`, {
      accept: 'text/html',
      'sec-fetch-mode': 'cors',
    });
    expect(res.status).toBe(401);
  });

  it('refuses a tampered session cookie: it is no session at all', async () => {
    const { browser } = await signIn();
    const cookie = browser.cookie(rig.rp, 'twostep')!;
    const parts = cookie.split('.');
    const ciphertext = parts[3]!;
    // Flip one character of the ciphertext.
    parts[3] = (ciphertext[0] === 'A' ? 'B' : 'A') + ciphertext.slice(1);
    browser.setCookie(rig.rp, 'twostep', parts.join('.'));
    const res = await browser.get(`${rig.rp}/schedule`, { accept: 'application/json' });
    expect(res.status).toBe(401);
    // ...and the bad cookie is cleared.
    expect(browser.cookie(rig.rp, 'twostep')).toBeUndefined();
  });

  it('refuses a forged session cookie encrypted with another key under the real kid', async () => {
    const { browser } = await signIn();
    const { kid } = decodeProtectedHeader(browser.cookie(rig.rp, 'twostep')!);
    const now = Date.now();
    const forged = await new EncryptJWT({
      data: {
        sid: 'x',
        createdAt: now,
        touchedAt: now,
        pending: [],
        user: { claims: { sub: 'mallory', acr: 'urn:twostep:loa:2fa', auth_time: Math.floor(now / 1000) } },
      },
    })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: kid! })
      .setExpirationTime('1h')
      .encrypt(randomBytes(32));
    browser.setCookie(rig.rp, 'twostep', forged);
    const res = await browser.get(`${rig.rp}/patients/1/chart`, { accept: 'application/json' });
    expect(res.status).toBe(401);
    const nav = await browser.get(`${rig.rp}/schedule`);
    expect(nav.location).toMatch(new RegExp(`^${rig.idp.issuer}/auth`));
  });

  it('refuses a replayed callback: the state is single-use', async () => {
    const browser = new Browser();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_1FA, amr: ['pwd'] };
    const callback = await browser.redirectTo(`${rig.rp}/schedule`, `${rig.rp}/auth/callback`);
    const cookieBefore = browser.cookie(rig.rp, 'twostep')!;

    const done = await browser.get(callback);
    expect(done.status).toBe(303);
    expect(done.location).toBe(`${rig.rp}/schedule`);

    // Same browser, same callback: the state was consumed.
    const replay = await browser.get(callback);
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('already used or has expired');

    // An attacker replaying it with the pre-callback cookie: the IdP refuses the used code.
    const attacker = new Browser();
    attacker.setCookie(rig.rp, 'twostep', cookieBefore);
    const stolen = await attacker.get(callback);
    expect(stolen.status).toBe(400);
    const check = await attacker.get(`${rig.rp}/schedule`, { accept: 'application/json' });
    expect(check.status).toBe(401);
  });

  it('answers only GET on the callback: a HEAD (link checker, prefetch) passes on and uses up nothing', async () => {
    const browser = new Browser();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_1FA, amr: ['pwd'] };
    const callback = await browser.redirectTo(`${rig.rp}/schedule`, `${rig.rp}/auth/callback`);
    const head = await browser.request('HEAD', callback);
    expect(head.status).toBe(404); // the app's own 404: the middleware let it through
    const done = await browser.get(callback);
    expect(done.status).toBe(303);
    expect(done.location).toBe(`${rig.rp}/schedule`);
  });

  it('refuses a callback whose state is not in this browser (login CSRF)', async () => {
    const victim = new Browser();
    const res = await victim.get(`${rig.rp}/auth/callback?code=abc&state=attacker-state`);
    expect(res.status).toBe(400);
  });

  it.each([
    '//evil.example/x',
    '/\\evil.example',
    'https://evil.example/',
    '/\tevil',
    'javascript:alert(1)',
    '/ok\r\nLocation: https://evil.example',
  ])('ignores an unsafe returnTo %j and lands on /', async (returnTo) => {
    const browser = new Browser();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_1FA, amr: ['pwd'] };
    const page = await browser.follow(`${rig.rp}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
    const last = browser.trail.at(-1)!;
    expect(new URL(last).origin).toBe(rig.rp);
    expect(last).toBe(`${rig.rp}/`);
    expect(page.status).toBe(200);
  });

  it('keeps an encoded backslash as a same-origin path', async () => {
    const browser = new Browser();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_1FA, amr: ['pwd'] };
    await browser.follow(`${rig.rp}/auth/login?returnTo=${encodeURIComponent('/%5Cevil.example')}`);
    expect(browser.trail.at(-1)).toBe(`${rig.rp}/%5Cevil.example`);
  });

  it('honours a safe returnTo with a query', async () => {
    const browser = new Browser();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_1FA, amr: ['pwd'] };
    await browser.follow(`${rig.rp}/auth/login?returnTo=${encodeURIComponent('/schedule?day=mon')}`);
    expect(browser.trail.at(-1)).toBe(`${rig.rp}/schedule?day=mon`);
  });

  it('logs out locally and at the IdP (RP-initiated logout with id_token_hint)', async () => {
    const { browser } = await signIn();
    const res = await browser.signOut(rig.rp);
    expect(res.status).toBe(303);
    const endSession = new URL(res.location!);
    expect(endSession.origin).toBe(rig.idp.issuer);
    expect(endSession.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${rig.rp}/signed-out`);
    expect(browser.cookie(rig.rp, 'twostep')).toBeUndefined();
    const after = await browser.get(`${rig.rp}/schedule`, { accept: 'application/json' });
    expect(after.status).toBe(401);
  });

  it('ends the session after the idle timeout and after the absolute lifetime', async () => {
    const { browser } = await signIn();
    rig.clock.now += 31 * 60 * 1000; // default idle timeout is 30 min
    expect((await browser.get(`${rig.rp}/schedule`, { accept: 'application/json' })).status).toBe(401);

    const again = await signIn();
    // Active every 25 min (inside the idle timeout) for 11 h 40 min: still signed in...
    for (let i = 0; i < 28; i++) {
      rig.clock.now += 25 * 60 * 1000;
      expect((await again.browser.get(`${rig.rp}/schedule`, { accept: 'application/json' })).status).toBe(
        200,
      );
    }
    // ...but not past the 12 h absolute lifetime.
    rig.clock.now += 25 * 60 * 1000;
    expect((await again.browser.get(`${rig.rp}/schedule`, { accept: 'application/json' })).status).toBe(401);
    rig.clock.now = Date.now();
  });
});

describe('session store and public client', () => {
  it('keeps the session server-side with MemorySessionStore, rotating the id at sign-in', async () => {
    const store = new MemorySessionStore();
    const storeRig = await startRig({ session: { secret: SECRET, store } });
    try {
      const browser = new Browser();
      const first = await browser.get(`${storeRig.rp}/auth/login`);
      expect(first.status).toBe(303);
      expect(store.size).toBe(1);
      const before = browser.cookie(storeRig.rp, 'twostep')!;
      storeRig.idp.nextLogin = { sub: 'bob', acr: ACR_1FA, amr: ['pwd'] };
      await browser.follow(first.location!);
      const after = browser.cookie(storeRig.rp, 'twostep')!;
      expect(after).not.toBe(before);
      expect(after.length).toBeLessThan(300); // only an encrypted id
      expect(store.size).toBe(1); // the pre-sign-in entry was destroyed
      const res = await browser.get(`${storeRig.rp}/schedule`, { accept: 'application/json' });
      expect(JSON.parse(res.body)).toMatchObject({ sub: 'bob' });
      await browser.signOut(storeRig.rp);
      expect(store.size).toBe(0);
      // The old id, replayed, is worthless.
      browser.setCookie(storeRig.rp, 'twostep', after);
      expect((await browser.get(`${storeRig.rp}/schedule`, { accept: 'application/json' })).status).toBe(401);
    } finally {
      await storeRig.close();
    }
  });

  it('fails closed with 503 session_store_failed while the store is down, on guarded and own routes', async () => {
    const memory = new MemorySessionStore();
    let down = false;
    const guard =
      <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> =>
        down ? Promise.reject(new Error('ECONNREFUSED')) : call(...args);
    const store = {
      get: guard((id: string) => memory.get(id)),
      set: guard((id: string, data: SessionData, ttl: number) => memory.set(id, data, ttl)),
      destroy: guard((id: string) => memory.destroy(id)),
    };
    const storeRig = await startRig({ session: { secret: SECRET, store } });
    try {
      const browser = new Browser();
      storeRig.idp.nextLogin = { sub: 'bob', acr: ACR_1FA, amr: ['pwd'] };
      await browser.follow(`${storeRig.rp}/schedule`);
      down = true;
      for (const [method, path] of [
        ['GET', '/schedule'],
        ['GET', '/early/schedule'], // a guard before app.use(mw), opening the session itself
        ['GET', '/auth/login'],
        ['POST', '/auth/logout'],
      ] as const) {
        const res = await browser.request(method, `${storeRig.rp}${path}`, { accept: 'application/json' });
        expect(res.status, `${method} ${path}`).toBe(503);
        expect(res.body).not.toContain('schedule');
      }
      down = false;
      const res = await browser.get(`${storeRig.rp}/schedule`, { accept: 'application/json' });
      expect(JSON.parse(res.body)).toMatchObject({ sub: 'bob' });
    } finally {
      await storeRig.close();
    }
  });

  it('reads cookies made with a previous secret during rotation, and not after it is dropped', async () => {
    const { browser } = await signIn();
    const cookie = browser.cookie(rig.rp, 'twostep')!;
    const NEW = 'the-new-session-secret-after-rotation-0123456789';
    const rotating = await startRig({ session: { secret: [NEW, SECRET] }, now: () => rig.clock.now });
    const rotated = await startRig({ session: { secret: NEW }, now: () => rig.clock.now });
    try {
      const b1 = new Browser();
      b1.setCookie(rotating.rp, 'twostep', cookie);
      const ok = await b1.get(`${rotating.rp}/schedule`, { accept: 'application/json' });
      expect(JSON.parse(ok.body)).toMatchObject({ sub: 'alice' });
      const b2 = new Browser();
      b2.setCookie(rotated.rp, 'twostep', cookie);
      expect((await b2.get(`${rotated.rp}/schedule`, { accept: 'application/json' })).status).toBe(401);
    } finally {
      await rotating.close();
      await rotated.close();
    }
  });

  it('signs in a public client with PKCE only', async () => {
    const publicRig = await startRig({ clientId: 'public-app', clientSecret: undefined });
    try {
      publicRig.idp.nextLogin = { sub: 'carol', acr: ACR_1FA, amr: ['pwd'] };
      const page = await new Browser().follow(`${publicRig.rp}/schedule`);
      expect(JSON.parse(page.body)).toMatchObject({ sub: 'carol' });
    } finally {
      await publicRig.close();
    }
  });
});

describe('options', () => {
  const valid = {
    issuer: 'https://id.clinic.example',
    clientId: 'app',
    clientSecret: 's',
    redirectUri: 'https://app.clinic.example/auth/callback',
    session: { secret: SECRET },
  };
  const pathOf = (options: unknown): string | undefined => {
    try {
      twostep(options as Parameters<typeof twostep>[0]);
    } catch (err) {
      expect(err).toBeInstanceOf(TwostepError);
      expect((err as TwostepError).code).toBe('invalid_option');
      return (err as TwostepError).path;
    }
    return undefined;
  };

  it('names the wrong option', () => {
    expect(pathOf(valid)).toBeUndefined();
    expect(pathOf({ ...valid, issuer: 'http://id.clinic.example' })).toBe('issuer');
    expect(pathOf({ ...valid, issuer: 'not a url' })).toBe('issuer');
    expect(pathOf({ ...valid, clientId: '' })).toBe('clientId');
    expect(pathOf({ ...valid, redirectUri: 'http://app.clinic.example/cb' })).toBe('redirectUri');
    expect(pathOf({ ...valid, scopes: ['profile'] })).toBe('scopes');
    expect(pathOf({ ...valid, session: { secret: 'short' } })).toBe('session.secret');
    expect(pathOf({ ...valid, session: { secret: [SECRET, 'short'] } })).toBe('session.secret[1]');
    expect(pathOf({ ...valid, session: { secret: SECRET, secure: false } })).toBe('session.secure');
    expect(pathOf({ ...valid, session: { secret: SECRET, idleTimeout: -1 } })).toBe('session.idleTimeout');
    expect(pathOf({ ...valid, clockTolerance: Number.NaN })).toBe('clockTolerance');
    expect(pathOf({ ...valid, routes: { login: '/auth/callback' } })).toBe('routes');
    expect(pathOf({ ...valid, refusalPage: '<h1>No</h1>' })).toBe('refusalPage');
  });

  it('refuses to guard a route when twostep() is not mounted: not_mounted (500), the handler never runs', async () => {
    const app = express();
    let reached = false;
    app.get('/schedule', requireAuth(), (_req, res) => {
      reached = true;
      res.send('schedule');
    });
    const res = await getOnce(app, '/schedule');
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ code: 'not_mounted' });
    expect(reached).toBe(false);
  });

  it('allows http only for a local issuer, and does not contact the IdP until needed', async () => {
    const mw = twostep({ ...valid, issuer: 'http://127.0.0.1:9', redirectUri: 'http://localhost:3000/cb' });
    await expect(mw.ready()).rejects.toMatchObject({ code: 'discovery_failed', status: 503 });
  });
});
