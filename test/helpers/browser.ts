/**
 * A minimal browser for HTML-form flows: a cookie jar (path-aware), redirects
 * followed by hand, and form helpers for the IdP's pages. Stops when a redirect
 * leaves the IdP's origin (e.g. to the app's redirect_uri) and reports it.
 */

export interface Page {
  status: number;
  url: string;
  headers: Headers;
  body: string;
  /** Set when the last redirect left the origin being browsed (e.g. the redirect_uri). */
  leftTo?: URL;
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  httpOnly: boolean;
  secure: boolean;
  sameSite: string | undefined;
  maxAge: number | undefined;
}

export class Browser {
  readonly cookies: StoredCookie[] = [];
  /** How requests are sent (a test behind its own TLS proxy passes one that trusts the proxy's certificate). */
  fetch: typeof fetch = (input, init) => fetch(input, init);
  userAgent =
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
  /** Sent as `Accept-Language` when set (e.g. `fr-CA,fr;q=0.9`). */
  acceptLanguage: string | undefined;

  cookie(name: string): StoredCookie | undefined {
    return this.cookies.find((c) => c.name === name);
  }

  setCookie(name: string, value: string, path = '/'): void {
    this.removeCookie(name, path);
    this.cookies.push({
      name,
      value,
      path,
      httpOnly: false,
      secure: false,
      sameSite: undefined,
      maxAge: undefined,
    });
  }

  removeCookie(name: string, path?: string): void {
    for (let i = this.cookies.length - 1; i >= 0; i--) {
      const c = this.cookies[i]!;
      if (c.name === name && (path === undefined || c.path === path)) this.cookies.splice(i, 1);
    }
  }

  private store(line: string): void {
    const { name, value, attr, path, maxAge } = parseSetCookie(line);
    const expires = attr.get('expires');
    this.removeCookie(name, path);
    const expired = (maxAge !== undefined && maxAge <= 0) || (expires && Date.parse(expires) <= Date.now());
    if (expired || value === '') return;
    this.cookies.push({
      name,
      value,
      path,
      httpOnly: attr.has('httponly'),
      secure: attr.has('secure'),
      sameSite: attr.get('samesite'),
      maxAge,
    });
  }

  private header(url: URL): string {
    return this.cookies
      .filter(
        (c) =>
          url.pathname === c.path ||
          url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) ||
          c.path === '/',
      )
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** One request, no redirect following. */
  async request(method: string, url: string | URL, body?: string, contentType?: string): Promise<Page> {
    const target = new URL(url);
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: 'text/html' };
    if (this.acceptLanguage) headers['accept-language'] = this.acceptLanguage;
    const cookie = this.header(target);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = contentType ?? 'application/x-www-form-urlencoded';
    const response = await this.fetch(target, { method, headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.store(line);
    return {
      status: response.status,
      url: target.href,
      headers: response.headers,
      body: await response.text(),
    };
  }

  /** Follows redirects on the same origin; stops at a page or when a redirect leaves the origin. */
  async follow(first: Page): Promise<Page> {
    let page = first;
    for (let hops = 0; hops < 20; hops++) {
      const location = page.headers.get('location');
      if (page.status < 300 || page.status >= 400 || !location) return page;
      const next = new URL(location, page.url);
      if (next.origin !== new URL(page.url).origin) return { ...page, leftTo: next };
      page = await this.request('GET', next);
    }
    throw new Error('too many redirects');
  }

  async get(url: string | URL): Promise<Page> {
    return this.follow(await this.request('GET', url));
  }

  async post(url: string | URL, fields: Record<string, string>): Promise<Page> {
    return this.follow(await this.request('POST', url, new URLSearchParams(fields).toString()));
  }

  /**
   * Submits the form of `page` whose action ends with `actionSuffix`, with its
   * CSRF token and `fields`.
   */
  async submit(page: Page, actionSuffix: string, fields: Record<string, string> = {}): Promise<Page> {
    const form = findForm(page, actionSuffix);
    return this.post(new URL(form.action, page.url), { csrf: form.csrf, ...fields });
  }
}

/**
 * One `Set-Cookie` line: `name=value` split at the first `=` (`eq` is its index, -1 when there is none),
 * the attributes by lower-cased name, the path (`/` by default) and Max-Age (seconds) when given.
 */
export function parseSetCookie(line: string): {
  eq: number;
  name: string;
  value: string;
  attr: Map<string, string>;
  path: string;
  maxAge: number | undefined;
} {
  const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
  const eq = pair.indexOf('=');
  const name = pair.slice(0, eq);
  const value = pair.slice(eq + 1);
  const attr = new Map(
    attributes.map((a): [string, string] => {
      const i = a.indexOf('=');
      return i < 0 ? [a.toLowerCase(), ''] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
    }),
  );
  const path = attr.get('path') || '/';
  const maxAge = attr.has('max-age') ? Number(attr.get('max-age')) : undefined;
  return { eq, name, value, attr, path, maxAge };
}

export function findForm(page: Page, actionSuffix: string): { action: string; csrf: string } {
  const forms = [
    ...page.body.matchAll(
      /<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)">/g,
    ),
  ];
  const match = forms.find((m) => m[1]!.endsWith(actionSuffix));
  if (!match) {
    throw new Error(
      `no form ending in ${actionSuffix} on ${page.url} (status ${page.status}):\n${page.body.slice(0, 2000)}`,
    );
  }
  return { action: match[1]!.replace(/&amp;/g, '&'), csrf: match[2]! };
}

/** Text of the element with `data-testid`. */
export function testId(page: Page, id: string): string | undefined {
  const match = new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(page.body);
  return match?.[1];
}

/** The text inside role="alert", if any. */
export function alertText(page: Page): string | undefined {
  return /role="alert"[^>]*>([^<]*)</.exec(page.body)?.[1];
}

/** After a refused code (followed): the code page's alert, or undefined if `page` is not the code page showing one. */
export function shownRefusal(page: Page): string | undefined {
  return page.status === 200 && /\/verify\?method=/.test(page.url) ? alertText(page) : undefined;
}

/** How many pages had each status, e.g. `{ 400: 5, 429: 25 }`. */
export function statusCounts(pages: Page[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const p of pages) counts[p.status] = (counts[p.status] ?? 0) + 1;
  return counts;
}

/** Where a refused code redirects (Post/Redirect/Get): the code page of the same interaction. */
export const codePageLocation = /\/interaction\/[^/]+\/verify\?method=/;

/** A refused code: a 303 back to the code page, never to the app. */
export function isCodeRefusal(page: Page): boolean {
  return page.status === 303 && codePageLocation.test(page.headers.get('location') ?? '');
}

/** Where a refused password redirects (Post/Redirect/Get): the password step's own page (a success goes elsewhere). */
export const passwordPageLocation = /\/interaction\/[^/?]+\/password$/;

/** A refused password (unknown email or wrong password alike): a 303 back to the password page. */
export function isPasswordRefusal(page: Page): boolean {
  return page.status === 303 && passwordPageLocation.test(page.headers.get('location') ?? '');
}

/** After a refused password (followed): the password page's alert, or undefined if `page` is not that page. */
export function shownPasswordRefusal(page: Page): string | undefined {
  return page.status === 200 && /\/interaction\/[^/?]+\/password$/.test(page.url)
    ? alertText(page)
    : undefined;
}

/** Where an enrollment form answers (Post/Redirect/Get): its own setup page of the same interaction. */
export const enrollPageLocation = /\/interaction\/[^/?]+\/enroll\/(totp|sms)$/;

/** An enrollment form's answer (a refusal, or "code sent"): a 303 back to its setup page. */
export function isEnrollAnswer(page: Page): boolean {
  return page.status === 303 && enrollPageLocation.test(page.headers.get('location') ?? '');
}

/**
 * Like `statusCounts`, but a refused code or password (a 303 back to the code or password page)
 * counts as `refused`, apart from any other 303 (e.g. a sign-in going on), e.g. `{ refused: 5, 429: 25 }`.
 */
export function outcomeCounts(pages: Page[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of pages) {
    const key = isCodeRefusal(p) || isPasswordRefusal(p) ? 'refused' : String(p.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/**
 * Posts the form of `page` whose action ends with `actionSuffix` `n` times at once (same cookies,
 * same CSRF token), `fields(i)` for the i-th request; no redirect following.
 */
export function postAtOnce(
  browser: Browser,
  page: Page,
  actionSuffix: string,
  n: number,
  fields: (i: number) => Record<string, string>,
): Promise<Page[]> {
  const form = findForm(page, actionSuffix);
  const url = new URL(form.action, page.url);
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      browser.request('POST', url, new URLSearchParams({ csrf: form.csrf, ...fields(i) }).toString()),
    ),
  );
}
