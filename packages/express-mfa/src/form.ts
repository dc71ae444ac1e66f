import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/** The largest form body our own POST routes read (a logout token is ~1 KB). */
const FORM_LIMIT_BYTES = 16 * 1024;

/**
 * The urlencoded body of one of our own POST routes: parsed already by the app's body parser, or
 * read here (at most 16 KB). `undefined` when it is not a form or too large.
 */
export async function readForm(req: Request): Promise<URLSearchParams | undefined> {
  const parsed: unknown = req.body;
  if (typeof parsed === 'object' && parsed !== null && !Buffer.isBuffer(parsed)) {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') form.set(key, value);
    return form;
  }
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > FORM_LIMIT_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * CSRF tokens for the sign-out form: an HMAC of the session id under a key derived from the session
 * secret(s), so nothing is stored; the first secret signs, every secret verifies (rotation).
 */
export function csrfTokens(secrets: readonly string[]) {
  const keys = secrets.map((secret) =>
    Buffer.from(hkdfSync('sha256', secret, 'twostep/express-mfa', 'csrf v1', 32)),
  );
  const sign = (key: Buffer, sid: string) => createHmac('sha256', key).update(sid).digest();
  return {
    token: (sid: string): string => sign(keys[0]!, sid).toString('base64url'),
    verify(sid: string, token: unknown): boolean {
      if (typeof token !== 'string' || token.length !== 43) return false;
      const given = Buffer.from(token, 'base64url');
      return keys.some((key) => {
        const expected = sign(key, sid);
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
    },
  };
}

export type CsrfTokens = ReturnType<typeof csrfTokens>;
