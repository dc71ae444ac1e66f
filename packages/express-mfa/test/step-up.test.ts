import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CallbackRefusal, MemorySessionStore, type SessionData } from '../src/index.ts';
import { ACR_1FA, ACR_2FA } from './fixtures/idp.ts';
import { Browser, parseWwwAuthenticate, type Rig, SECRET, startRig } from './helpers.ts';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig.close();
});
beforeEach(() => {
  rig.clock.now = Date.now();
});

const seconds = () => Math.floor(Date.now() / 1000);
const json = { accept: 'application/json' };

/** A browser signed in as `sub` with a password only. */
async function signedIn(sub = 'alice'): Promise<Browser> {
  const browser = new Browser();
  rig.idp.nextLogin = { sub, acr: ACR_1FA, amr: ['pwd'] };
  const page = await browser.follow(`${rig.rp}/schedule`);
  expect(page.status).toBe(200);
  return browser;
}

describe('requireStepUp (browser)', () => {
  it('redirects to the IdP with acr_values and max_age, then returns to the saved URL', async () => {
    const browser = await signedIn();
    const cookieBefore = browser.cookie(rig.rp, 'twostep');
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] };
    const logins = rig.idp.logins;

    const page = await browser.follow(`${rig.rp}/patients/42/chart?tab=notes`);

    const authorize = new URL(browser.trail[1]!);
    expect(authorize.origin + authorize.pathname).toBe(`${rig.idp.issuer}/auth`);
    expect(authorize.searchParams.get('acr_values')).toBe(ACR_2FA);
    expect(authorize.searchParams.get('max_age')).toBe('600');
    expect(authorize.searchParams.has('prompt')).toBe(false);
    expect(rig.idp.logins).toBe(logins + 1);
    expect(page.url).toBe(`${rig.rp}/patients/42/chart?tab=notes`);
    expect(JSON.parse(page.body)).toMatchObject({ page: 'chart', id: '42', sub: 'alice', acr: ACR_2FA });
    // A new session (new id inside a new cookie) after the step-up.
    expect(browser.cookie(rig.rp, 'twostep')).not.toBe(cookieBefore);

    // Satisfied now: no more trips to the IdP.
    const again = await browser.follow(`${rig.rp}/patients/7/chart`);
    expect(browser.trail).toHaveLength(1);
    expect(JSON.parse(again.body)).toMatchObject({ id: '7' });
  });

  it('asks again once maxAge has passed', async () => {
    const browser = await signedIn();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] };
    await browser.follow(`${rig.rp}/patients/1/chart`);
    expect(browser.trail.length).toBeGreaterThan(1);

    rig.clock.now += 500 * 1000; // within 600 s (+30 s tolerance)
    await browser.follow(`${rig.rp}/patients/1/chart`);
    expect(browser.trail).toHaveLength(1);

    rig.clock.now += 200 * 1000; // 700 s after the verification
    const res = await browser.get(`${rig.rp}/patients/1/chart`);
    expect(res.status).toBe(303);
    expect(new URL(res.location!).searchParams.get('max_age')).toBe('600');
  });

  it('sends a stricter route (maxAge 60) back to the IdP when the chart (600) is still fine', async () => {
    const browser = await signedIn();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'], authTime: seconds() - 300 };
    const chart = await browser.follow(`${rig.rp}/patients/1/chart`);
    expect(chart.status).toBe(200);
    const billing = await browser.get(`${rig.rp}/billing`);
    expect(billing.status).toBe(303);
    expect(new URL(billing.location!).searchParams.get('max_age')).toBe('60');
  });

  it('refuses an IdP answer with an auth_time older than maxAge (403, no loop)', async () => {
    const browser = await signedIn();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'], authTime: seconds() - 700 };
    const logins = rig.idp.logins;
    const page = await browser.follow(`${rig.rp}/patients/1/chart`);
    expect(page.status).toBe(403);
    expect(page.body).toContain('Please verify again');
    expect(rig.idp.logins).toBe(logins + 1);
    expect(browser.trail.at(-1)).toMatch(/\/auth\/callback\?/);
  });

  it('refuses a 1fa answer (2-Step paused) with a 403 page that says why, and does not loop', async () => {
    const browser = await signedIn();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_1FA, amr: ['pwd'] };
    const logins = rig.idp.logins;
    const page = await browser.follow(`${rig.rp}/patients/1/chart`);
    expect(page.status).toBe(403);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.body).toContain('2-Step Verification required');
    expect(page.body).toContain('paused');
    expect(page.body).toContain(`needed ${ACR_2FA}, got ${ACR_1FA}`);
    expect(rig.idp.logins).toBe(logins + 1);
    expect(browser.trail.at(-1)).toMatch(/\/auth\/callback\?/);
    // Still signed in with the password session.
    const schedule = await browser.get(`${rig.rp}/schedule`, json);
    expect(JSON.parse(schedule.body)).toMatchObject({ sub: 'alice', acr: ACR_1FA });
  });

  it('shows a 403 page for error=unmet_authentication_requirements', async () => {
    const browser = await signedIn();
    rig.idp.nextLogin = {
      error: 'unmet_authentication_requirements',
      errorDescription: '2-Step Verification is paused for this account',
    };
    const page = await browser.follow(`${rig.rp}/patients/1/chart`);
    expect(page.status).toBe(403);
    expect(page.body).toContain('2-Step Verification is paused for this account');
    expect(browser.trail.at(-1)).toMatch(/error=unmet_authentication_requirements/);
  });

  it('refuses a step-up that comes back as a different person', async () => {
    const browser = await signedIn('alice');
    rig.idp.nextLogin = { sub: 'mallory', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] };
    const page = await browser.follow(`${rig.rp}/patients/1/chart`);
    expect(page.status).toBe(403);
    expect(page.body).toContain('Different account');
    const schedule = await browser.get(`${rig.rp}/schedule`, json);
    expect(JSON.parse(schedule.body)).toMatchObject({ sub: 'alice', acr: ACR_1FA });
  });

  it('signs in and steps up in one trip when nobody is signed in', async () => {
    const browser = new Browser();
    rig.idp.nextLogin = { sub: 'dana', acr: ACR_2FA, amr: ['pwd', 'sms', 'mfa'] };
    const page = await browser.follow(`${rig.rp}/patients/9/chart`);
    expect(JSON.parse(page.body)).toMatchObject({ sub: 'dana', amr: ['pwd', 'sms', 'mfa'] });
  });
});

describe('refusalPage option', () => {
  it("renders a refusal in the app's layout with the reason, the status and no-store already set", async () => {
    const seen: CallbackRefusal[] = [];
    const custom = await startRig({
      refusalPage: async (refusal, req, res) => {
        seen.push(refusal);
        await new Promise((resolve) => setTimeout(resolve, 5)); // e.g. reading the viewer's name
        res.type('html').send(`<main class="clinic">${refusal.title} on ${req.path}</main>`);
      },
    });
    try {
      const browser = new Browser();
      custom.idp.nextLogin = { sub: 'alice', acr: ACR_1FA, amr: ['pwd'] };
      const page = await browser.follow(`${custom.rp}/patients/1/chart`);
      expect(page.status).toBe(403);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.body).toBe('<main class="clinic">2-Step Verification required on /auth/callback</main>');
      expect(seen).toEqual([
        {
          reason: 'acr_not_met',
          status: 403,
          title: '2-Step Verification required',
          message: expect.stringContaining('paused'),
          detail: `needed ${ACR_2FA}, got ${ACR_1FA}`,
          acr: ACR_2FA,
          locale: 'en',
        },
      ]);
    } finally {
      await custom.close();
    }
  });

  it('sends a failing refusalPage to the error handler: the refusal stands, nothing is signed in', async () => {
    const failing = await startRig({
      refusalPage: () => {
        throw new Error('template missing');
      },
    });
    try {
      const browser = new Browser();
      failing.idp.nextLogin = { sub: 'alice', acr: ACR_1FA, amr: ['pwd'] };
      const page = await browser.follow(`${failing.rp}/patients/1/chart`);
      expect(page.status).toBe(403); // Express's error handler keeps the status already set
      expect(page.body).toContain('template missing'); // its page (NODE_ENV=test shows the error)
      expect((await browser.get(`${failing.rp}/schedule`, json)).status).toBe(401);
    } finally {
      await failing.close();
    }
  });
});

describe('requireStepUp (API)', () => {
  it('answers 401 with the RFC 9470 challenge', async () => {
    const browser = await signedIn();
    const res = await browser.get(`${rig.rp}/patients/1/chart`, json);
    expect(res.status).toBe(401);
    const header = res.headers.get('www-authenticate')!;
    expect(header).toBe(
      `Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="${ACR_2FA}", max_age="600"`,
    );
    expect(parseWwwAuthenticate(header)).toEqual([
      {
        scheme: 'Bearer',
        params: {
          error: 'insufficient_user_authentication',
          error_description: 'A different authentication level is required',
          acr_values: ACR_2FA,
          max_age: '600',
        },
      },
    ]);
  });

  it('says "more recent" when only the age is wrong, and treats any Authorization header as an API call', async () => {
    const browser = await signedIn();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] };
    await browser.follow(`${rig.rp}/patients/1/chart`);
    rig.clock.now += 700 * 1000;
    const res = await browser.get(`${rig.rp}/patients/1/chart`, {
      accept: 'text/html',
      'sec-fetch-mode': 'navigate',
      authorization: 'Bearer abc',
    });
    expect(res.status).toBe(401);
    const [challenge] = parseWwwAuthenticate(res.headers.get('www-authenticate')!);
    expect(challenge?.params.error_description).toBe('More recent authentication is required');
  });

  it('treats a POST as an API call even from a browser', async () => {
    const browser = await signedIn();
    const res = await browser.request('POST', `${rig.rp}/patients/1/chart`, { accept: 'text/html' });
    // No POST route: the guard never runs, Express answers 404 — the point is no redirect loop on forms.
    expect(res.status).not.toBe(303);
  });
});

// Routes placed before app.use(mw), behind the instance's own guards (mw.requireAuth(),
// mw.requireStepUp()): the guard opens the session itself, with the same checks as the middleware.
describe('guards mounted before app.use(mw)', () => {
  it('steps up through the IdP and back to the route, then lets the person through without it', async () => {
    const browser = new Browser();
    rig.idp.nextLogin = { sub: 'alice', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] };
    const page = await browser.follow(`${rig.rp}/early/chart?tab=notes`);
    const authorize = new URL(browser.trail[1]!);
    expect(authorize.searchParams.get('acr_values')).toBe(ACR_2FA);
    expect(authorize.searchParams.get('max_age')).toBe('600');
    expect(page.url).toBe(`${rig.rp}/early/chart?tab=notes`);
    expect(JSON.parse(page.body)).toMatchObject({ page: 'early chart', sub: 'alice', acr: ACR_2FA });

    const logins = rig.idp.logins;
    const again = await browser.follow(`${rig.rp}/early/chart`);
    expect(browser.trail).toHaveLength(1);
    expect(again.status).toBe(200);
    expect(rig.idp.logins).toBe(logins);
  });

  it('sends a password-only session to the IdP, and answers an API call with the RFC 9470 challenge', async () => {
    const browser = new Browser();
    rig.idp.nextLogin = { sub: 'bob', acr: ACR_1FA, amr: ['pwd'] };
    expect((await browser.follow(`${rig.rp}/early/schedule`)).status).toBe(200);

    const navigation = await browser.get(`${rig.rp}/early/chart`);
    expect(navigation.status).toBe(303);
    expect(new URL(navigation.location!).searchParams.get('acr_values')).toBe(ACR_2FA);

    const api = await browser.get(`${rig.rp}/early/chart`, json);
    expect(api.status).toBe(401);
    const [challenge] = parseWwwAuthenticate(api.headers.get('www-authenticate')!);
    expect(challenge!.params.error).toBe('insufficient_user_authentication');
  });

  it('answers an API call without a session with 401, and never runs the handler', async () => {
    const res = await new Browser().get(`${rig.rp}/early/schedule`, json);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({ error: 'login_required', error_description: 'Sign-in required' });
  });

  it('refuses a copy of a signed-out cookie', async () => {
    const browser = new Browser();
    rig.idp.nextLogin = { sub: 'carol', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] };
    expect((await browser.follow(`${rig.rp}/early/chart`)).status).toBe(200);
    const copy = browser.cookie(rig.rp, 'twostep')!;
    await browser.signOut(rig.rp);

    browser.setCookie(rig.rp, 'twostep', copy);
    expect((await browser.get(`${rig.rp}/early/chart`, json)).status).toBe(401);
    expect((await browser.get(`${rig.rp}/early/schedule`, json)).status).toBe(401);
  });
});

describe('opening the session once per request', () => {
  it('reads the store once whether the guard comes before app.use(mw) or after it', async () => {
    const memory = new MemorySessionStore();
    let reads = 0;
    const store = {
      get: (id: string): Promise<SessionData | undefined> => {
        reads++;
        return memory.get(id);
      },
      set: memory.set.bind(memory),
      destroy: memory.destroy.bind(memory),
    };
    const storeRig = await startRig({ session: { secret: SECRET, store } });
    try {
      const browser = new Browser();
      storeRig.idp.nextLogin = { sub: 'dan', acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] };
      expect((await browser.follow(`${storeRig.rp}/early/chart`)).status).toBe(200);
      for (const path of ['/early/chart', '/billing', '/early/schedule', '/schedule']) {
        reads = 0;
        const res = await browser.get(`${storeRig.rp}${path}`, json);
        expect(res.status, path).toBe(200);
        expect(reads, path).toBe(1);
      }
    } finally {
      await storeRig.close();
    }
  });
});
