import { constantTimeEqual, hmacSha256 } from '@twostep/core';

/**
 * Synchronizer tokens without server state: HMAC(cookie key, uid + purpose).
 * The interaction uid is itself bound to the browser by oidc-provider's signed,
 * path-scoped `_interaction` cookie, so a token from another interaction (an
 * attacker's own) is useless against a victim's. Every cookie key verifies, so
 * keys can rotate.
 */
export function createCsrf(keys: readonly string[]) {
  const sign = (key: string, uid: string, purpose: string) => hmacSha256(key, `csrf\n${uid}\n${purpose}`);
  return {
    token(uid: string, purpose: string): string {
      return sign(keys[0]!, uid, purpose);
    },
    verify(uid: string, purpose: string, token: unknown): boolean {
      if (typeof token !== 'string' || token.length === 0 || token.length > 128) return false;
      return keys.some((key) => constantTimeEqual(sign(key, uid, purpose), token));
    },
  };
}

export type Csrf = ReturnType<typeof createCsrf>;
