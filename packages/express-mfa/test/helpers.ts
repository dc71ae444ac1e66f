import { request as httpRequest } from 'node:http';
import express from 'express';
import * as oidc from 'openid-client';
import {
  requireAuth,
  requireStepUp,
  type TwostepMiddleware,
  type TwostepOptions,
  twostep,
} from '../src/index.ts';
import { API_AUDIENCE, startIdp, type TestIdp } from './fixtures/idp.ts';
import { listen, type Listening } from './fixtures/listen.ts';

export const SECRET = 'test-session-secret-that-is-long-enough-0123456789';

export interface Page {
  status: number;
  url: string;
  location: string | undefined;
  headers: Headers;
  body: string;
}

/**
 * One HTTP request with node:http. (fetch would do, but undici forces `Sec-Fetch-Mode: cors`,
 * and a browser navigation sends `navigate`.) The request line is sent as given, so tests can
 * send paths like `//evil.example`.
 */
export function send(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Headers; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const out = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
              out.append(name, v);
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: out,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A minimal browser: a cookie jar per origin and redirects followed by hand. */
export class Browser {
  readonly jar = new Map<string, Map<string, string>>();
  /** URLs visited by the last `follow()`, in order. */
  trail: string[] = [];

  async get(
    url: string,
    headers: Record<string, string> = {
      accept: 'text/html,application/xhtml+xml',
      'sec-fetch-mode': 'navigate',
    },
  ): Promise<Page> {
    return this.request('GET', url, headers);
  }

  async request(
    method: string,
    url: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<Page> {
    const origin = new URL(url).origin;
    const cookies = this.jar.get(origin);
    const cookie = cookies && [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await send(method, url, { ...headers, ...(cookie ? { cookie } : {}) }, body);
    for (const line of response.headers.getSetCookie()) this.store(origin, line);
    const location = response.headers.get('location') ?? undefined;
    return {
      status: response.status,
      url,
      location: location === undefined ? undefined : new URL(location, url).href,
      headers: response.headers,
      body: response.body,
    };
  }

  /** Signs out as a person would: the app's "Sign out?" page, then its form (with the CSRF token). */
  async signOut(rp: string): Promise<Page> {
    const ask = await this.get(`${rp}/auth/logout`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(ask.body)?.[1];
    if (csrf === undefined) throw new Error(`no sign-out form: ${ask.status} ${ask.body.slice(0, 300)}`);
    return this.request(
      'POST',
      `${rp}/auth/logout`,
      { 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({ csrf }).toString(),
    );
  }

  /** GETs `url` and follows redirects (at most `max`), like a navigation. */
  async follow(url: string, max = 12): Promise<Page> {
    this.trail = [];
    let page = await this.get(url);
    this.trail.push(url);
    while (page.status >= 300 && page.status < 400 && page.location !== undefined) {
      if (this.trail.length > max) throw new Error(`redirect loop: ${this.trail.join(' -> ')}`);
      this.trail.push(page.location);
      page = await this.get(page.location);
      page = await this.submitAutoPostForm(page);
    }
    return page;
  }

  /** GETs `url` and follows redirects up to (not into) the first one that starts with `stop`; returns that URL. */
  async redirectTo(url: string, stop: string, max = 12): Promise<string> {
    let page = await this.get(url);
    for (let i = 0; !page.location?.startsWith(stop); i++) {
      if (page.location === undefined || i >= max) throw new Error(`no redirect to ${stop}: ${page.status}`);
      page = await this.get(page.location);
    }
    return page.location;
  }

  /** Like a browser running the IdP's self-submitting form (oidc-provider uses one to end a session). */
  private async submitAutoPostForm(page: Page): Promise<Page> {
    if (page.status !== 200 || !page.body.includes('document.forms[0].submit()')) return page;
    const action = /<form method="post" action="([^"]+)"/.exec(page.body)?.[1];
    if (action === undefined) return page;
    const fields = new URLSearchParams();
    for (const m of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g))
      fields.append(m[1]!, m[2]!);
    const url = new URL(action, page.url).href;
    this.trail.push(url);
    return this.request(
      'POST',
      url,
      {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
        'sec-fetch-mode': 'navigate',
      },
      fields.toString(),
    );
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(origin)?.get(name);
  }

  setCookie(origin: string, name: string, value: string): void {
    if (!this.jar.has(origin)) this.jar.set(origin, new Map());
    this.jar.get(origin)!.set(name, value);
  }

  private store(origin: string, line: string): void {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (!this.jar.has(origin)) this.jar.set(origin, new Map());
    const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
    if (expired) this.jar.get(origin)!.delete(name);
    else this.jar.get(origin)!.set(name, value);
  }
}

/**
 * Strict parser for `WWW-Authenticate` (RFC 9110 §11.6.1 / RFC 7235): challenges of the form
 * `scheme [ token68 / #auth-param ]`, auth-param = token BWS "=" BWS ( token / quoted-string ),
 * quoted-pair escapes. Throws on anything malformed or on a repeated parameter.
 */
export function parseWwwAuthenticate(header: string): { scheme: string; params: Record<string, string> }[] {
  const tchar = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
  let i = 0;
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  const fail = (why: string): never => {
    throw new Error(`bad WWW-Authenticate at ${i}: ${why} in ${JSON.stringify(header)}`);
  };
  const ows = () => {
    while (header[i] === ' ' || header[i] === '\t') i++;
  };
  const token = (): string => {
    const start = i;
    while (i < header.length && tchar.test(header[i]!)) i++;
    if (i === start) fail('expected a token');
    return header.slice(start, i);
  };
  const quoted = (): string => {
    if (header[i] !== '"') fail('expected "');
    i++;
    let out = '';
    for (;;) {
      const c = header[i];
      if (c === undefined) return fail('unterminated quoted-string');
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const next = header[i + 1];
        if (next === undefined || !/[\t\x20-\x7e\x80-\xff]/.test(next)) fail('bad quoted-pair');
        out += next;
        i += 2;
        continue;
      }
      if (!/[\t\x20\x21\x23-\x5b\x5d-\x7e\x80-\xff]/.test(c)) fail('bad qdtext');
      out += c;
      i++;
    }
  };

  ows();
  while (i < header.length) {
    const scheme = token();
    const params: Record<string, string> = {};
    challenges.push({ scheme, params });
    if (i >= header.length) break;
    if (header[i] === ',') {
      i++;
      ows();
      continue;
    }
    if (header[i] !== ' ') fail('expected SP after scheme');
    ows();
    // #auth-param: name=value pairs separated by commas, until the next challenge's scheme.
    for (;;) {
      const save = i;
      const name = token().toLowerCase();
      ows();
      if (header[i] !== '=') {
        // A new challenge starts here (its scheme), if we already have params.
        if (Object.keys(params).length === 0) fail('expected =');
        i = save;
        break;
      }
      i++;
      ows();
      const value = header[i] === '"' ? quoted() : token();
      if (name in params) fail(`repeated parameter ${name}`);
      params[name] = value;
      ows();
      if (i >= header.length) break;
      if (header[i] !== ',') fail('expected , between parameters');
      i++;
      ows();
      if (i >= header.length) fail('trailing comma');
    }
  }
  if (challenges.length === 0) fail('empty');
  return challenges;
}

export interface Rig {
  idp: TestIdp;
  rp: string;
  mw: TwostepMiddleware;
  /** The RP's clock (ms); tests move it forward. */
  clock: { now: number };
  close(): Promise<void>;
}

/** Starts the test IdP and a clinic app that uses the middleware, on Express 5 unless told otherwise. */
export async function startRig(
  overrides: Partial<TwostepOptions> = {},
  framework: typeof express = express,
): Promise<Rig> {
  const rpServer = await listen();
  const idpServer = await listen();
  const redirectUri = `${rpServer.url}/auth/callback`;
  const idp = await startIdp(
    [
      {
        client_id: 'clinic-app',
        client_secret: 'clinic-app-secret-0123456789abcdef',
        redirect_uris: [redirectUri],
        post_logout_redirect_uris: [`${rpServer.url}/signed-out`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      {
        client_id: 'public-app',
        token_endpoint_auth_method: 'none',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      {
        client_id: 'api-client',
        client_secret: 'api-client-secret-0123456789abcdef',
        redirect_uris: ['http://127.0.0.1/cb'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    idpServer,
  );
  const clock = { now: Date.now() };
  const mw = twostep({
    issuer: idp.issuer,
    clientId: 'clinic-app',
    clientSecret: 'clinic-app-secret-0123456789abcdef',
    redirectUri,
    postLogoutRedirectUri: `${rpServer.url}/signed-out`,
    session: { secret: SECRET },
    now: () => clock.now,
    ...overrides,
  });
  rpServer.use(clinicApp(mw, framework));
  return {
    idp,
    rp: rpServer.url,
    mw,
    clock,
    close: async () => {
      await rpServer.close();
      await idp.close();
    },
  };
}

function clinicApp(mw: TwostepMiddleware, framework: typeof express): express.Express {
  const app = framework();
  const who = (req: express.Request) => ({
    sub: req.twostep.sub,
    acr: req.twostep.acr,
    amr: req.twostep.amr,
    authTime: req.twostep.authTime,
  });
  // Before app.use(mw): the instance's own guards open the session themselves.
  app.get('/early/schedule', mw.requireAuth(), (req, res) => {
    res.json({ page: 'early schedule', ...who(req) });
  });
  app.get('/early/chart', mw.requireStepUp({ maxAge: 600 }), (req, res) => {
    res.json({ page: 'early chart', ...who(req) });
  });
  app.use(mw);
  app.get('/', (_req, res) => {
    res.type('html').send('home');
  });
  app.get('/signed-out', (_req, res) => {
    res.type('html').send('signed out');
  });
  app.get('/schedule', requireAuth(), (req, res) => {
    res.json({ page: 'schedule', ...who(req) });
  });
  app.get('/profile', requireAuth(), (req, res) => {
    res.json(req.twostep.claims);
  });
  app.get('/patients/:id/chart', requireStepUp({ maxAge: 600 }), (req, res) => {
    res.json({ page: 'chart', id: req.params.id, ...who(req) });
  });
  app.get('/billing', mw.requireStepUp({ maxAge: 60 }), (req, res) => {
    res.json({ page: 'billing', ...who(req) });
  });
  app.get(
    '/api/chart',
    mw.requireBearer({ audience: API_AUDIENCE, acr: 'urn:twostep:loa:2fa', maxAge: 600 }),
    (req, res) => {
      res.json({ sub: req.twostepBearer?.claims.sub, acr: req.twostepBearer?.claims.acr });
    },
  );
  app.get(
    '/api/notes',
    mw.requireBearer({ audience: API_AUDIENCE, scopes: ['patients:write'] }),
    (_req, res) => {
      res.json({ ok: true });
    },
  );
  return app;
}

/**
 * Serves `app` on 127.0.0.1 for one GET of `path`, behind an error handler that answers with the
 * error's status and `{ code }`.
 */
export async function getOnce(app: express.Express, path: string): Promise<Page> {
  app.use(((err, _req, res, _next) => {
    res.status(err.status ?? 500).json({ code: err.code });
  }) as express.ErrorRequestHandler);
  const server = await listen();
  server.use(app);
  try {
    return await new Browser().get(`${server.url}${path}`);
  } finally {
    await server.close();
  }
}

/** Gets a JWT access token for the test API as an ordinary OAuth client would (code flow + PKCE). */
export async function accessToken(idp: TestIdp, browser = new Browser()): Promise<string> {
  const config = await oidc.discovery(
    new URL(idp.issuer),
    'api-client',
    'api-client-secret-0123456789abcdef',
    undefined,
    {
      execute: [oidc.allowInsecureRequests],
    },
  );
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: 'http://127.0.0.1/cb',
    scope: 'openid patients:read',
    resource: API_AUDIENCE,
    state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  // Follow the IdP's redirects until it sends us to the (not listening) redirect URI.
  let page = await browser.get(url.href);
  while (page.location !== undefined && !page.location.startsWith('http://127.0.0.1/cb')) {
    page = await browser.get(page.location);
  }
  if (page.location === undefined) throw new Error(`no redirect back: ${page.status} ${page.body}`);
  const tokens = await oidc.authorizationCodeGrant(
    config,
    new URL(page.location),
    {
      expectedState: state,
      pkceCodeVerifier: verifier,
    },
    { resource: API_AUDIENCE },
  );
  return tokens.access_token;
}

export type { Listening };
