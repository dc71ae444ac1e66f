/**
 * "Back to <app>" on the account page. An app links to `/account?client_id=<its id>`; the id is kept
 * in a session cookie for the account pages (so it survives sign-in and every form), and the link
 * is built only from that client's registered metadata: its `client_uri`, else the origin of its
 * first redirect URI. Nothing in the request becomes a URL, so this is no open redirect; an unknown
 * or disabled client, or one without such a URI, shows no link.
 */
import type { NextFunction, Request, Response } from 'express';
import type Provider from 'oidc-provider';
import { readCookie } from '../interactions/context.ts';
import type { ConsoleDeps } from './context.ts';
import { CONSOLE_DEFAULTS } from './session.ts';

const COOKIE = 'twostep_from_app';
const CLIENT_ID = /^[\w.:-]{1,128}$/;

/** On GET /account: remembers the app the person came from (`?client_id=`). */
export function rememberApp(deps: ConsoleDeps) {
  return (req: Request, res: Response, next: NextFunction) => {
    const clientId = req.query.client_id;
    if (typeof clientId === 'string' && CLIENT_ID.test(clientId)) {
      res.cookie(COOKIE, clientId, {
        httpOnly: true,
        secure: deps.config.secureCookies,
        sameSite: 'lax',
        path: `${deps.config.basePath}/account`,
      });
    }
    next();
  };
}

/** The app to offer a way back to (the request's, or the client id given), or null. */
export async function backToApp(
  provider: Provider,
  from: Request | string,
): Promise<{ name: string; url: string } | null> {
  const fromQuery = typeof from === 'string' || from.method !== 'GET' ? undefined : from.query.client_id;
  const clientId =
    typeof from === 'string' ? from : typeof fromQuery === 'string' ? fromQuery : readCookie(from, COOKIE);
  if (!clientId || !CLIENT_ID.test(clientId) || clientId === CONSOLE_DEFAULTS.clientId) return null;
  const client = await provider.Client.find(clientId).catch(() => undefined);
  if (!client) return null;
  const url = webUrl(client.clientUri) ?? originOf(client.redirectUris?.[0]);
  return url ? { name: client.clientName ?? clientId, url } : null;
}

function webUrl(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

function originOf(redirectUri: string | undefined): string | null {
  const url = webUrl(redirectUri);
  return url ? `${new URL(url).origin}/` : null;
}
