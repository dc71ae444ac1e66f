/**
 * Every URL the IdP builds (discovery, redirects, links) comes from the configured issuer, never from
 * the request: `pinIssuerHost` overwrites the Host header (and drops X-Forwarded-Host) before Express
 * or oidc-provider read it, so `Host: evil.example` changes nothing.
 *
 * `requireSecureTransport`: with an https issuer, a request that arrives as plain http (a TLS proxy
 * in front that is not trusted, or someone skipping the proxy) gets a page naming the setting to
 * change, and a log line, instead of oidc-provider's bare 500 "Cannot send secure cookie over
 * unencrypted connection".
 */
import type { Logger } from '@twostep/core';
import type { RequestHandler } from 'express';
import { t } from './messages/index.ts';
import { errorPage } from './pages/misc.ts';

export function pinIssuerHost(issuerUrl: URL): RequestHandler {
  return (req, _res, next) => {
    req.headers.host = issuerUrl.host;
    delete req.headers['x-forwarded-host'];
    next();
  };
}

/** How often the log line repeats while the problem lasts. */
const LOG_EVERY_MS = 60_000;

export function requireSecureTransport(
  issuerUrl: URL,
  siteName: string,
  logger: Logger,
  now: () => number = Date.now,
): RequestHandler {
  let lastLogged = Number.NEGATIVE_INFINITY;
  return (req, res, next) => {
    if (issuerUrl.protocol !== 'https:' || req.secure) {
      next();
      return;
    }
    if (now() - lastLogged >= LOG_EVERY_MS) {
      lastLogged = now();
      logger.error(
        'a request arrived over plain http but the issuer is https: if a TLS proxy forwards to this ' +
          'server, set trustProxy (TWOSTEP_TRUST_PROXY) to its address or hop count, and make it send ' +
          'X-Forwarded-Proto; otherwise reach the server through https',
        { code: 'insecure_transport', issuer: issuerUrl.href, fromProxy: 'x-forwarded-proto' in req.headers },
      );
    }
    res
      .status(400)
      .type('html')
      .set('Cache-Control', 'no-store')
      .send(errorPage({ nonce: String(res.locals.cspNonce), siteName }, t('error.insecureTransport')));
  };
}
