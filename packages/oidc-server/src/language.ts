/**
 * The language switch on every page: `GET /language?lang=fr-CA&return=/path` keeps the choice in
 * the `twostep_lang` cookie and goes back to the page. It works without scripts and changes no
 * account data (so a link, not a CSRF-checked form); `return` must be a path of this site.
 */
import { type Request, type Response, Router } from 'express';
import { html, type Html } from './pages/html.ts';
import {
  bestLocale,
  currentLocale,
  LANG_COOKIE,
  LANGUAGE_NAMES,
  SUPPORTED_LOCALES,
  t,
} from './messages/index.ts';
import { switchUrl } from './messages/locale.ts';

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;
const RETURN_BASE = 'http://return.invalid';

/** `value` when it is a path of this site under `basePath` (dot segments resolved), else the account page. */
export function sameSitePath(value: unknown, basePath: string): string {
  const fallback = `${basePath}/account`;
  if (typeof value !== 'string' || value.length > 1024 || !value.startsWith('/')) return fallback;
  let url: URL;
  try {
    url = new URL(value, RETURN_BASE);
  } catch {
    return fallback;
  }
  const path = `${url.pathname}${url.search}`;
  if (url.origin !== RETURN_BASE || path.startsWith('//')) return fallback;
  return basePath === '' || url.pathname === basePath || url.pathname.startsWith(`${basePath}/`)
    ? path
    : fallback;
}

export function languageRouter(options: { basePath: string; secureCookies: boolean }): Router {
  const router = Router();
  router.get('/language', (req: Request, res: Response) => {
    const lang = typeof req.query.lang === 'string' ? req.query.lang : '';
    const locale = bestLocale([lang]);
    // Only an exact supported tag is kept (the cookie is read back as the person's explicit choice).
    if (locale && locale.toLowerCase() === lang.toLowerCase()) {
      res.cookie(LANG_COOKIE, locale, {
        path: options.basePath || '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: options.secureCookies,
        maxAge: ONE_YEAR_MS,
      });
    }
    res.set('Cache-Control', 'no-store').redirect(303, sameSitePath(req.query.return, options.basePath));
  });
  return router;
}

/** Links to the page in each other language, each named in its own language. */
export function languageSwitch(): Html {
  const current = currentLocale();
  const links = SUPPORTED_LOCALES.filter((locale) => locale !== current).flatMap((locale) => {
    const href = switchUrl(locale);
    return href
      ? [html`<a href="${href}" lang="${locale}" hreflang="${locale}">${LANGUAGE_NAMES[locale]}</a>`]
      : [];
  });
  return links.length ? html`<nav class="lang" aria-label="${t('lang.label')}">${links}</nav>` : html``;
}
