import type { IncomingMessage } from 'node:http';
import { hasControlChar } from './return-url.ts';

/**
 * Parameters of a `Bearer` challenge (RFC 6750 §3, extended by RFC 9470 §3).
 *
 * @example
 * ```ts
 * const params: BearerChallenge = { error: 'insufficient_user_authentication', acrValues: ['urn:twostep:loa:2fa'] };
 * ```
 */
export interface BearerChallenge {
  realm?: string | undefined;
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'insufficient_user_authentication';
  errorDescription?: string | undefined;
  scope?: string | undefined;
  acrValues?: readonly string[] | undefined;
  maxAge?: number | undefined;
}

/** RFC 7230 quoted-string: backslash-escape `"` and `\`; strip what cannot appear in a header. */
function quote(value: string): string {
  const printable = [...value].filter((c) => c === '\t' || !hasControlChar(c)).join('');
  return `"${printable.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Formats a `WWW-Authenticate: Bearer …` value in the shape RFC 9470 §3 shows, e.g.
 * `Bearer error="insufficient_user_authentication", error_description="…", acr_values="…", max_age="600"`.
 *
 * @example
 * ```ts
 * res.set('WWW-Authenticate', bearerChallenge({ realm: 'twostep' })); // Bearer realm="twostep"
 * ```
 */
export function bearerChallenge(challenge: BearerChallenge): string {
  const params: string[] = [];
  if (challenge.realm !== undefined) params.push(`realm=${quote(challenge.realm)}`);
  if (challenge.error !== undefined) params.push(`error=${quote(challenge.error)}`);
  if (challenge.errorDescription !== undefined)
    params.push(`error_description=${quote(challenge.errorDescription)}`);
  if (challenge.scope !== undefined) params.push(`scope=${quote(challenge.scope)}`);
  if (challenge.acrValues !== undefined && challenge.acrValues.length > 0)
    params.push(`acr_values=${quote(challenge.acrValues.join(' '))}`);
  if (challenge.maxAge !== undefined) params.push(`max_age=${quote(String(Math.floor(challenge.maxAge)))}`);
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
}

/**
 * True when the request is a browser page navigation that may be redirected to the IdP: GET/HEAD,
 * no `Authorization` header, and either `Sec-Fetch-Mode: navigate` or (when the browser sends no
 * fetch metadata) an `Accept` naming `text/html` without `X-Requested-With`. Everything else is an
 * API call and gets a 401 challenge, because a script cannot follow a redirect to a login page.
 *
 * @example
 * ```ts
 * if (!isNavigation(req)) res.status(401).set('WWW-Authenticate', bearerChallenge({ realm })).end();
 * ```
 */
export function isNavigation(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (req.headers.authorization !== undefined) return false;
  const mode = req.headers['sec-fetch-mode'];
  if (mode !== undefined) return mode === 'navigate';
  if (req.headers['x-requested-with'] !== undefined) return false;
  return /(^|,)\s*text\/html\s*(;|,|$)/i.test(req.headers.accept ?? '');
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small self-contained HTML page (no scripts, no external resources). */
export function htmlPage(
  title: string,
  message: string,
  link?: { href: string; text: string },
  form?: { action: string; fields: Record<string, string>; button: string },
  lang = 'en',
): string {
  const action =
    link === undefined ? '' : `\n<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>`;
  const hidden = Object.entries(form?.fields ?? {})
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const button =
    form === undefined
      ? ''
      : `\n<form method="post" action="${escapeHtml(form.action)}">${hidden}<button type="submit">${escapeHtml(form.button)}</button></form>`;
  return `<!doctype html>
<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>${button}${action}
</main></body></html>
`;
}
