import type { Request, RequestHandler, Response } from 'express';
import { createRemoteJWKSet, errors as joseErrors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { bearerChallenge } from './challenge.ts';
import { type AccessTokenClaims, unmetRequirement } from './claims.ts';
import { type BearerFailureReason, TwostepError } from './errors.ts';
import { isLocalHttp, TWOSTEP_ACR_VALUES } from './options.ts';
import { asyncHandler } from './step-up.ts';

/**
 * Options of {@link requireBearer}.
 *
 * @example
 * ```ts
 * const opts: RequireBearerOptions = { issuer: 'https://id.clinic.example', audience: 'https://api.clinic.example', maxAge: 600 };
 * ```
 */
export interface RequireBearerOptions {
  /** The IdP's issuer identifier; its discovery document gives the `jwks_uri`. */
  issuer: string | URL;
  /** This API's resource identifier: the token's `aud` must contain it. */
  audience: string | readonly string[];
  /** Minimum acr (see `acrValues`). No acr check when omitted. */
  acr?: string | undefined;
  /** Maximum seconds since the user's last interactive verification (`auth_time`). */
  maxAge?: number | undefined;
  /** Scopes the token must all carry (`scope` claim); missing ones answer 403 `insufficient_scope`. */
  scopes?: readonly string[] | undefined;
  /** Seconds of clock skew tolerated. Default 30. */
  clockTolerance?: number | undefined;
  /** Known acr values, weakest first. Default twostep's. */
  acrValues?: readonly string[] | undefined;
  /** `realm` of the challenge. Default `'twostep'`. */
  realm?: string | undefined;
  /** Clock in ms since the epoch; default `Date.now`. */
  now?: (() => number) | undefined;
  /** Where to read the IdP metadata from; default: fetch `<issuer>/.well-known/openid-configuration`. */
  metadata?: (() => Promise<{ issuer: string; jwks_uri?: string | undefined }>) | undefined;
}

/**
 * `req.twostepBearer`, set by {@link requireBearer} once a token passed.
 *
 * @example
 * ```ts
 * app.get('/api/me', guard, (req, res) => res.json({ sub: req.twostepBearer?.claims.sub }));
 * ```
 */
export interface BearerContext {
  token: string;
  claims: AccessTokenClaims;
}

// Token problems the client can fix by getting a new token; anything else is our (or the IdP's) fault.
const tokenErrors = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JWS_INVALID',
  'ERR_JWT_INVALID',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
]);

/**
 * Protects an API with JWT access tokens (RFC 9068, `typ: at+jwt`): checks the signature against the
 * IdP's JWKS (cached; refetched when an unknown `kid` appears), `iss`, `aud`, `exp`, then `acr`,
 * `auth_time` and scopes. Answers RFC 6750 challenges (`Bearer realm="…"` when no token,
 * `invalid_token`, `insufficient_scope`) and RFC 9470 `insufficient_user_authentication`.
 *
 * @example
 * ```ts
 * const guard = requireBearer({
 *   issuer: 'https://id.clinic.example',
 *   audience: 'https://api.clinic.example',
 *   acr: 'urn:twostep:loa:2fa',
 *   maxAge: 600,
 * });
 * app.get('/api/patients/:id', guard, (req, res) => res.json(load(req.params.id, req.twostepBearer!.claims.sub)));
 * ```
 */
export function requireBearer(options: RequireBearerOptions): RequestHandler {
  const issuer = new URL(options.issuer);
  if (issuer.protocol !== 'https:' && !isLocalHttp(issuer))
    throw new TwostepError('invalid_option', 'requireBearer option `issuer` must use https', {
      path: 'issuer',
    });
  const audience = typeof options.audience === 'string' ? [options.audience] : [...options.audience];
  if (audience.length === 0 || !audience.every((a) => typeof a === 'string' && a !== ''))
    throw new TwostepError('invalid_option', 'requireBearer option `audience` is required', {
      path: 'audience',
    });
  if (options.maxAge !== undefined && !(Number.isInteger(options.maxAge) && options.maxAge >= 0))
    throw new TwostepError('invalid_option', 'requireBearer option `maxAge` must be whole seconds', {
      path: 'maxAge',
    });
  const realm = options.realm ?? 'twostep';
  const clockTolerance = options.clockTolerance ?? 30;
  const acrValues = options.acrValues ?? TWOSTEP_ACR_VALUES;
  const now = options.now ?? Date.now;
  const readMetadata = options.metadata ?? (() => fetchMetadata(issuer));

  let keys: Promise<{ issuer: string; jwks: JWTVerifyGetKey }> | undefined;
  const keySet = () => {
    keys ??= readMetadata().then(
      (metadata) => {
        if (metadata.jwks_uri === undefined) throw new Error('the IdP metadata has no jwks_uri');
        return { issuer: metadata.issuer, jwks: createRemoteJWKSet(new URL(metadata.jwks_uri)) };
      },
      (cause: unknown) => {
        keys = undefined;
        throw new TwostepError('discovery_failed', `could not read ${issuer.href} metadata`, { cause });
      },
    );
    return keys;
  };

  const refuse = (
    res: Response,
    reason: Exclude<BearerFailureReason, 'missing_token'>,
    description: string,
  ) => {
    const status = reason === 'invalid_request' ? 400 : reason === 'insufficient_scope' ? 403 : 401;
    const unmetAuth = reason === 'insufficient_user_authentication';
    res
      .status(status)
      .set(
        'WWW-Authenticate',
        bearerChallenge({
          realm: unmetAuth ? undefined : realm,
          error: reason,
          errorDescription: description,
          scope: reason === 'insufficient_scope' ? options.scopes?.join(' ') : undefined,
          acrValues: unmetAuth && options.acr !== undefined ? [options.acr] : undefined,
          maxAge: unmetAuth ? options.maxAge : undefined,
        }),
      )
      .json({ error: reason, error_description: description });
  };

  return asyncHandler(async (req: Request, res: Response, next) => {
    const header = req.headers.authorization;
    const match = header === undefined ? null : /^Bearer +([\w\-.~+/]+=*) *$/i.exec(header);
    if (header === undefined || !/^Bearer(\s|$)/i.test(header)) {
      // No credentials for us: RFC 6750 §3.1 says answer without an error code.
      res.status(401).set('WWW-Authenticate', bearerChallenge({ realm })).json({ error: 'missing_token' });
      return;
    }
    if (match === null) return refuse(res, 'invalid_request', 'Malformed Authorization header');
    const token = match[1]!;

    const { issuer: expectedIssuer, jwks } = await keySet();
    let claims: AccessTokenClaims;
    try {
      const result = await jwtVerify<AccessTokenClaims>(token, jwks, {
        issuer: expectedIssuer,
        audience,
        typ: 'at+jwt',
        clockTolerance,
        currentDate: new Date(now()),
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      claims = result.payload;
    } catch (err) {
      if (err instanceof joseErrors.JOSEError && tokenErrors.has(err.code)) {
        return refuse(
          res,
          'invalid_token',
          err.code === 'ERR_JWT_EXPIRED' ? 'The access token expired' : 'The access token is invalid',
        );
      }
      throw err;
    }

    const granted = new Set(typeof claims.scope === 'string' ? claims.scope.split(' ') : []);
    const missing = (options.scopes ?? []).filter((s) => !granted.has(s));
    if (missing.length > 0) return refuse(res, 'insufficient_scope', `Missing scope: ${missing.join(' ')}`);

    const unmet = unmetRequirement(
      claims,
      { acr: options.acr, maxAge: options.maxAge },
      { nowSeconds: Math.floor(now() / 1000), clockTolerance, acrValues },
    );
    if (unmet !== undefined)
      return refuse(
        res,
        'insufficient_user_authentication',
        unmet === 'acr'
          ? 'A different authentication level is required'
          : 'More recent authentication is required',
      );

    req.twostepBearer = { token, claims };
    next();
  });
}

async function fetchMetadata(issuer: URL): Promise<{ issuer: string; jwks_uri?: string }> {
  const url = new URL(`${issuer.pathname.replace(/\/$/, '')}/.well-known/openid-configuration`, issuer);
  const response = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'error' });
  if (!response.ok) throw new Error(`${url.href} answered ${response.status}`);
  const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // OIDC Discovery §4.3: the document must name the issuer we asked about.
  if (metadata.issuer !== issuer.href && metadata.issuer !== issuer.href.replace(/\/$/, ''))
    throw new Error(`issuer mismatch: ${String(metadata.issuer)}`);
  if (typeof metadata.jwks_uri !== 'string') throw new Error('no jwks_uri');
  return { issuer: metadata.issuer as string, jwks_uri: metadata.jwks_uri };
}
