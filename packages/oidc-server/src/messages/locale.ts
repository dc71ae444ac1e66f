/**
 * Which language a request is answered in. Every IdP route runs inside `localeMiddleware`, whose
 * per-request state lives in AsyncLocalStorage, so `t()` keeps its signature; routes tell it what
 * they learn (`learnLocale`: the person, the app's `ui_locales`, the clinic). Resolution order,
 * first supported wins: the page's language switch (cookie) > the person's saved `locale` > the
 * app's `ui_locales` > `Accept-Language` > the clinic's default > the server's default.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { match } from '@formatjs/intl-localematcher';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export const SUPPORTED_LOCALES = ['en', 'fr-CA'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

/** The language switch's cookie (a supported locale); not HttpOnly-sensitive, changes no account data. */
export const LANG_COOKIE = 'twostep_lang';

/** Each language's own name (an endonym is the same in every language, so not in the catalog). */
export const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', 'fr-CA': 'Français' };

// `match` needs a well-formed default; this one ("no linguistic content") is never supported.
const NO_MATCH = 'zxx';

/** The supported locale closest to `tags` (most preferred first; `fr` and `fr-FR` give `fr-CA`), if any. */
export function bestLocale(tags: readonly (string | null | undefined)[]): Locale | undefined {
  const requested = tags.filter((tag): tag is string => typeof tag === 'string' && isWellFormed(tag));
  if (requested.length === 0) return undefined;
  const found = match(requested, SUPPORTED_LOCALES, NO_MATCH, { algorithm: 'best fit' });
  return (SUPPORTED_LOCALES as readonly string[]).includes(found) ? (found as Locale) : undefined;
}

function isWellFormed(tag: string): boolean {
  if (tag.length > 35 || tag === '*') return false;
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/** Where a language can come from, most important first. */
export interface LocaleSources {
  /** The language switch (cookie). */
  choice?: string;
  /** The staff member's saved `locale`. */
  person?: string;
  /** The app's `ui_locales` (space-separated, most preferred first). */
  app?: string;
  /** `Accept-Language`, most preferred first. */
  browser?: string[];
  /** The clinic's `defaultLocale`. */
  clinic?: string;
}

const ORDER = ['choice', 'person', 'app', 'browser', 'clinic'] as const;

/** The language `sources` resolve to, and which source decided (`server`: none did). */
export function resolveLocale(
  sources: LocaleSources,
  serverDefault: Locale,
): { locale: Locale; source: (typeof ORDER)[number] | 'server' } {
  for (const source of ORDER) {
    const value = sources[source];
    if (value === undefined) continue;
    const tags = source === 'browser' ? (value as string[]) : String(value).split(/\s+/);
    const locale = bestLocale(tags);
    if (locale) return { locale, source };
  }
  return { locale: serverDefault, source: 'server' };
}

interface LocaleState {
  sources: LocaleSources;
  serverDefault: Locale;
  /** Set by `withLocale`: a message for someone else (an email's recipient), not this request. */
  fixed?: Locale;
  /** Where the language switch sends the browser back to. */
  here?: string;
  /** The issuer's path ('' at the root), for the switch's address. */
  basePath: string;
  resolved?: Locale;
}

const storage = new AsyncLocalStorage<LocaleState>();

/** The language of what is being rendered now: `en` outside any request. */
export function currentLocale(): Locale {
  const state = storage.getStore();
  if (!state) return 'en';
  if (state.fixed) return state.fixed;
  state.resolved ??= resolveLocale(state.sources, state.serverDefault).locale;
  return state.resolved;
}

/** Runs `fn` with every `t()` in `locale` (the recipient's language for an email or text). */
export function withLocale<T>(locale: string | null | undefined, fn: () => T): T {
  const fixed = bestLocale([locale]) ?? storage.getStore()?.serverDefault ?? 'en';
  return storage.run({ sources: {}, serverDefault: fixed, fixed, basePath: '' }, fn);
}

/** A route tells the request's language what it learnt (the person, the app, the clinic). */
export function learnLocale(sources: Partial<Record<'person' | 'app' | 'clinic', string | undefined>>): void {
  const state = storage.getStore();
  if (!state) return;
  for (const [key, value] of Object.entries(sources)) {
    if (typeof value === 'string' && value !== '') state.sources[key as 'person'] = value;
  }
  state.resolved = undefined;
}

/** The page the language switch returns to (a path of this site, with its query). */
export function setReturnPath(path: string): void {
  const state = storage.getStore();
  if (state) state.here = path;
}

/** The language switch's address for `locale`, coming back to this page (undefined outside a request). */
export function switchUrl(locale: Locale): string | undefined {
  const state = storage.getStore();
  if (!state || state.fixed) return undefined;
  const query = new URLSearchParams({ lang: locale });
  if (state.here) query.set('return', state.here);
  return `${state.basePath}/language?${query}`;
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/**
 * Starts every request's language state: the switch's cookie, `Accept-Language` (parsed by
 * Express's `accepts`/negotiator) and the server's default. A GET page is where the switch returns.
 */
export function localeMiddleware(serverDefault: Locale, basePath: string): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const browser = req.get('accept-language') ? req.acceptsLanguages() : [];
    const choice = readCookie(req, LANG_COOKIE);
    const state: LocaleState = {
      sources: { ...(choice ? { choice } : {}), ...(browser.length ? { browser } : {}) },
      serverDefault,
      basePath,
      // The path only: a query may carry anything (a URL someone crafted), and the switch echoes it.
      ...(req.method === 'GET' ? { here: req.originalUrl.split('?')[0] } : {}),
    };
    res.locals.localeState = state;
    storage.run(state, next);
  };
}
