/**
 * A browser for flows that cross origins (a relying-party app and the IdP): one path-aware cookie
 * jar per origin, requests over node:http (undici's fetch forces `Sec-Fetch-Mode: cors`, a browser
 * navigation sends `navigate`), redirects followed by hand, every request logged (`hits`) so a
 * test can count what reached the IdP, and the IdP's CSRF-protected forms submitted like a person.
 *
 * @example
 * ```ts
 * const browser = new NavBrowser();
 * const page = await browser.navigate(`${app}/schedule`); // app → IdP password page
 * const code = await browser.submit(page, '/password', { email, password });
 * ```
 */
import { send } from '../../packages/express-mfa/test/helpers.ts';
import { findForm, parseSetCookie } from './browser.ts';

export interface NavPage {
  status: number;
  url: string;
  headers: Headers;
  body: string;
  /** The absolute redirect target, when the response was a redirect. */
  location?: string;
}

export interface Hit {
  method: string;
  url: string;
  status: number;
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  expiresAt: number | undefined;
}

/** Headers a browser sends on a top-level navigation (link, address bar, redirect, form post). */
export const NAVIGATION_HEADERS: Readonly<Record<string, string>> = {
  accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  'user-agent':
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15',
};

const pathMatches = (cookiePath: string, requestPath: string): boolean =>
  requestPath === cookiePath ||
  (requestPath.startsWith(cookiePath) &&
    (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'));

export class NavBrowser {
  /** Every request made, in order. */
  readonly hits: Hit[] = [];
  /** URLs of the last `follow()`, in order. */
  trail: string[] = [];
  readonly #jars = new Map<string, StoredCookie[]>();

  /** Requests whose URL starts with `prefix` (an origin, or an origin + path). */
  hitsTo(prefix: string): Hit[] {
    return this.hits.filter((h) => h.url.startsWith(prefix));
  }

  cookie(origin: string, name: string): string | undefined {
    return this.#jar(origin).find((c) => c.name === name)?.value;
  }

  setCookie(origin: string, name: string, value: string, path = '/'): void {
    const jar = this.#jar(origin);
    this.#jars.set(
      origin,
      jar.filter((c) => !(c.name === name && c.path === path)),
    );
    this.#jar(origin).push({ name, value, path, expiresAt: undefined });
  }

  /** Forgets cookies of `origin` (all, or those `keep` does not spare). */
  clearCookies(origin: string, keep: (name: string) => boolean = () => false): void {
    this.#jars.set(
      origin,
      this.#jar(origin).filter((c) => keep(c.name)),
    );
  }

  /** One request, no redirect following. `url` is sent as given (paths like `//evil` included). */
  async request(
    method: string,
    url: string,
    options: { headers?: Record<string, string>; body?: string } = {},
  ): Promise<NavPage> {
    const target = new URL(url);
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const cookie = this.#header(target.origin, target.pathname);
    if (cookie) headers.cookie = cookie;
    const response = await send(method, url, headers, options.body);
    for (const line of response.headers.getSetCookie()) this.#store(target.origin, line);
    this.hits.push({ method, url, status: response.status });
    const location = response.headers.get('location');
    return {
      status: response.status,
      url,
      headers: response.headers,
      body: response.body,
      ...(location !== null && response.status >= 300 && response.status < 400
        ? { location: new URL(location, url).href }
        : {}),
    };
  }

  /** A top-level GET navigation, without following redirects. */
  get(url: string): Promise<NavPage> {
    return this.request('GET', url, { headers: { ...NAVIGATION_HEADERS } });
  }

  /**
   * Follows redirects from `start` (a URL to navigate to, or a response already received) across
   * origins, like a browser, until a non-redirect page or until `stop(url)` says to halt before
   * requesting that URL (the page returned then is the redirect, with `location`).
   */
  async follow(start: string | NavPage, options: { stop?: (url: URL) => boolean; max?: number } = {}) {
    const max = options.max ?? 15;
    let page: NavPage;
    if (typeof start === 'string') {
      this.trail = [start];
      page = await this.get(start);
    } else {
      this.trail = [start.url];
      page = start;
    }
    while (page.location !== undefined) {
      if (options.stop?.(new URL(page.location))) return page;
      if (this.trail.length > max) throw new Error(`redirect loop: ${this.trail.join('\n -> ')}`);
      this.trail.push(page.location);
      page = await this.get(page.location);
    }
    return page;
  }

  /** Navigates to `url` and follows every redirect. */
  navigate(url: string, options: { stop?: (url: URL) => boolean; max?: number } = {}) {
    return this.follow(url, options);
  }

  /** Submits the IdP form of `page` whose action ends with `actionSuffix` (with its CSRF token), then follows. */
  async submit(
    page: NavPage,
    actionSuffix: string,
    fields: Record<string, string> = {},
    options: { stop?: (url: URL) => boolean } = {},
  ): Promise<NavPage> {
    const form = findForm(page, actionSuffix);
    const url = new URL(form.action, page.url).href;
    const response = await this.request('POST', url, {
      headers: {
        ...NAVIGATION_HEADERS,
        'content-type': 'application/x-www-form-urlencoded',
        origin: new URL(page.url).origin,
      },
      body: new URLSearchParams({ csrf: form.csrf, ...fields }).toString(),
    });
    return this.follow(response, options);
  }

  #jar(origin: string): StoredCookie[] {
    let jar = this.#jars.get(origin);
    if (jar === undefined) {
      jar = [];
      this.#jars.set(origin, jar);
    }
    return jar;
  }

  #header(origin: string, path: string): string {
    const now = Date.now();
    return this.#jar(origin)
      .filter((c) => (c.expiresAt === undefined || c.expiresAt > now) && pathMatches(c.path, path))
      .sort((a, b) => b.path.length - a.path.length) // longest path first (RFC 6265 §5.4)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  #store(origin: string, line: string): void {
    const { eq, name, value, attr, path, maxAge } = parseSetCookie(line);
    if (eq <= 0) return;
    const expires = attr.has('expires') ? Date.parse(attr.get('expires')!) : undefined;
    const expiresAt = maxAge !== undefined ? Date.now() + maxAge * 1000 : expires;
    const jar = this.#jar(origin).filter((c) => !(c.name === name && c.path === path));
    this.#jars.set(origin, jar);
    if (value === '' || (expiresAt !== undefined && expiresAt <= Date.now())) return;
    jar.push({ name, value, path, expiresAt });
  }
}
