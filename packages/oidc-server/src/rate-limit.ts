import { type Clock, type CounterStore, sha256 } from '@twostep/core';

/**
 * Fixed-window counters in `stores.counters` (shared by every process). Each
 * call counts one attempt; over the limit means refused. Subjects are hashed
 * so the store holds no emails or addresses in clear.
 */
export function createRateLimiter(counters: CounterStore, clock: Clock, windowSeconds: number) {
  return {
    /** Counts one attempt for `bucket`/`subject`; false when the limit is exceeded. */
    async hit(bucket: string, subject: string, limit: number): Promise<boolean> {
      const now = clock.now();
      const windowMs = windowSeconds * 1000;
      const start = Math.floor(now.getTime() / windowMs) * windowMs;
      const key = `rl:${bucket}:${sha256(subject)}:${start}`;
      const count = await counters.increment(key, new Date(start + windowMs), now);
      return count <= limit;
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

/**
 * Per-IP and per-account limits on the routes that take or send a code (core's back-off counts
 * wrong codes on top). Both are counted, the IP first; false when either is over its limit.
 */
export async function withinCodeLimits(
  limiter: RateLimiter,
  limits: { codePerIp: number; codePerAccount: number },
  ip: string | undefined,
  staffId: string,
): Promise<boolean> {
  const ipOk = await limiter.hit('code-ip', ip ?? 'unknown', limits.codePerIp);
  const accountOk = await limiter.hit('code-account', staffId, limits.codePerAccount);
  return ipOk && accountOk;
}
