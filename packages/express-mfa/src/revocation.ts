import { createRemoteJWKSet, errors as joseErrors, type JWTVerifyGetKey, jwtVerify } from 'jose';

/**
 * One ended sign-in, or every sign-in of a person up to an instant. Times are milliseconds since
 * the epoch.
 *
 * @example
 * ```ts
 * const signedOut: Revocation = { sid: session.sid, at: Date.now(), expiresAt: Date.now() + 12 * 3600_000 };
 * ```
 */
export interface Revocation {
  /** The middleware's own session id: this browser signed out. */
  sid?: string | undefined;
  /** The IdP's session id (`sid` claim): back-channel logout of one IdP session. */
  idpSid?: string | undefined;
  /**
   * The person (`sub`): every session of theirs signed in before `at` ends (one signed in at the very
   * same millisecond is taken for the new sign-in that follows a revocation, as with a stopped clock).
   */
  sub?: string | undefined;
  at: number;
  /** After this no session it could match is alive (the absolute lifetime): the entry may be dropped. */
  expiresAt: number;
}

/** What a session is checked by, on every request that carries a signed-in session. */
export interface RevocationCheck {
  sid: string;
  idpSid: string | undefined;
  sub: string;
  /** When this session signed in (ms). */
  signedInAt: number;
}

/**
 * Where sign-outs are recorded and looked up. The default, {@link MemoryRevocationList}, answers
 * synchronously from memory (no await on the hot path) but is per process: an app with several
 * processes passes a shared implementation, whose `isRevoked` may return a promise (one lookup per
 * signed-in request, see the README).
 *
 * @example
 * ```ts
 * const redisList: RevocationList = {
 *   async add(r) { await redis.set(`rev:${r.sid ?? r.idpSid ?? r.sub}`, String(r.at), 'PXAT', r.expiresAt); },
 *   async isRevoked(s) {
 *     const [sid, idp, sub] = await redis.mget(`rev:${s.sid}`, `rev:${s.idpSid}`, `rev:${s.sub}`);
 *     return sid !== null || idp !== null || (sub !== null && s.signedInAt < Number(sub));
 *   },
 * };
 * ```
 */
export interface RevocationList {
  add(revocation: Revocation): Promise<void>;
  isRevoked(session: RevocationCheck): boolean | Promise<boolean>;
}

/** Entries kept before expired ones are swept (on the next add). */
const SWEEP_ABOVE = 10_000;

/**
 * The default {@link RevocationList}: three maps in this process. Fine for one process (and for
 * tests); lost on restart, when every encrypted cookie signed out before the restart works again
 * until it expires — use a shared list where that matters.
 *
 * @example
 * ```ts
 * app.use(twostep({ ...options, session: { secret, revocations: new MemoryRevocationList() } }));
 * ```
 */
export class MemoryRevocationList implements RevocationList {
  readonly #sids = new Map<string, number>();
  readonly #idpSids = new Map<string, number>();
  /** sub → { at, expiresAt }: the latest `at` wins. */
  readonly #subs = new Map<string, { at: number; expiresAt: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async add(revocation: Revocation): Promise<void> {
    if (this.size > SWEEP_ABOVE) this.#sweep();
    const { sid, idpSid, sub, at, expiresAt } = revocation;
    if (sid !== undefined) this.#sids.set(sid, expiresAt);
    if (idpSid !== undefined) this.#idpSids.set(idpSid, expiresAt);
    if (sub !== undefined) {
      const previous = this.#subs.get(sub);
      this.#subs.set(sub, {
        at: Math.max(at, previous?.at ?? at),
        expiresAt: Math.max(expiresAt, previous?.expiresAt ?? expiresAt),
      });
    }
  }

  isRevoked(session: RevocationCheck): boolean {
    if (this.#sids.has(session.sid)) return true;
    if (session.idpSid !== undefined && this.#idpSids.has(session.idpSid)) return true;
    const bySub = this.#subs.get(session.sub);
    return bySub !== undefined && session.signedInAt < bySub.at;
  }

  /** Entries held (for tests and metrics). */
  get size(): number {
    return this.#sids.size + this.#idpSids.size + this.#subs.size;
  }

  #sweep(): void {
    const now = this.#now();
    for (const map of [this.#sids, this.#idpSids])
      for (const [key, expiresAt] of map) if (expiresAt <= now) map.delete(key);
    for (const [key, entry] of this.#subs) if (entry.expiresAt <= now) this.#subs.delete(key);
  }
}

const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** What a valid logout token says (OpenID Connect Back-Channel Logout 1.0 §2.4). */
export interface LogoutTokenClaims {
  sub: string | undefined;
  sid: string | undefined;
  /** Seconds since the epoch. */
  iat: number;
}

/**
 * Verifies logout tokens from the IdP: signature with the IdP's published keys (never `none` or
 * HMAC), `iss`, `aud` = our client id, `iat`, the back-channel-logout event, `sub` or `sid`, and no
 * `nonce` (so an ID token is never taken for one). `typ`, when present, must be `logout+jwt`.
 */
export function logoutTokenVerifier(options: {
  metadata: () => Promise<{ issuer: string; jwks_uri?: string | undefined }>;
  clientId: string;
  clockTolerance: number;
  now: () => number;
}): (token: string) => Promise<LogoutTokenClaims | undefined> {
  let keys: Promise<{ issuer: string; jwks: JWTVerifyGetKey }> | undefined;
  const keySet = () => {
    keys ??= options.metadata().then(
      (metadata) => {
        if (metadata.jwks_uri === undefined) throw new Error('the IdP metadata has no jwks_uri');
        return { issuer: metadata.issuer, jwks: createRemoteJWKSet(new URL(metadata.jwks_uri)) };
      },
      (cause: unknown) => {
        keys = undefined;
        throw cause;
      },
    );
    return keys;
  };
  return async (token) => {
    const { issuer, jwks } = await keySet();
    let payload: Record<string, unknown>;
    let typ: string | undefined;
    try {
      const result = await jwtVerify(token, jwks, {
        issuer,
        audience: options.clientId,
        algorithms: [
          'RS256',
          'RS384',
          'RS512',
          'PS256',
          'PS384',
          'PS512',
          'ES256',
          'ES384',
          'ES512',
          'EdDSA',
        ],
        clockTolerance: options.clockTolerance,
        currentDate: new Date(options.now()),
        requiredClaims: ['iat', 'jti'],
      });
      payload = result.payload;
      typ = result.protectedHeader.typ;
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return undefined;
      throw err;
    }
    if (typ !== undefined && typ.toLowerCase() !== 'logout+jwt') return undefined;
    const events = payload.events as Record<string, unknown> | undefined;
    if (typeof events !== 'object' || events === null || typeof events[BACKCHANNEL_LOGOUT_EVENT] !== 'object')
      return undefined;
    if ('nonce' in payload) return undefined;
    const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
    const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
    if (sub === undefined && sid === undefined) return undefined;
    const iat = payload.iat as number;
    // Issued in the future (beyond the tolerated skew): not from an honest IdP clock.
    if (iat > options.now() / 1000 + options.clockTolerance) return undefined;
    return { sub, sid, iat };
  };
}
