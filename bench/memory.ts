// Resident memory (RSS) of an idle twostep IdP process and after SESSIONS SSO sessions.
//
//   node --conditions=@twostep/source bench/memory.ts [sessions]
//
// The IdP of signin.ts (memory stores, oidc-provider state in an unlimited Map adapter) runs in a
// child process (memory-idp.ts); RSS is per process, so this process's load generator is not in it.
// Each session is a real sign-in over HTTP with a fresh cookie jar: password-only staff of a clinic
// not enforcing 2-Step, stopped at the redirect to the redirect_uri with a code (no token exchange).
// What a session leaves behind: the oidc-provider Session, Grant, Interaction and unredeemed
// AuthorizationCode entries, and the core's audit events for the sign-in. Memory is read after two
// full GCs in the child. Bytes per session = (RSS after − idle RSS) ÷ sessions, so they include the
// one-time costs of the first sign-ins (lazy loading, JIT code) and the V8 heap reserve and allocator
// pages the process keeps; the live JS heap per session (heapUsed) is in the note.
// The issue sets no goal here: the numbers are for capacity planning.
import type { Row } from './row.ts';
import { authorize, CONCURRENCY, HASH_SETTING } from './signin.ts';
import { type MemorySample, startIdpProcess } from './memory-idp.ts';

export type { Row };

/** Goal: resident memory of an idle IdP process, MB. */
export const GOAL_IDLE_RSS_MB = 100;
/** Accounts signed in round-robin: each sign-in is a new browser, so a new session. */
const ACCOUNTS = 50;

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

export async function runMemoryBench(sessions = 10_000): Promise<Row[]> {
  if (!(sessions > 0)) throw new Error('sessions must be positive');
  const idp = await startIdpProcess({
    totpAccounts: 0,
    plainAccounts: ACCOUNTS,
  });
  try {
    const { info } = idp;
    const idle = await idp.memory();
    let started = 0;
    const loop = async () => {
      while (started < sessions) {
        const staff = info.plainStaff[started++ % info.plainStaff.length]!;
        await authorize(info, staff.email, undefined);
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, loop));
    const seconds = (performance.now() - start) / 1000;
    const after = await idp.memory();
    const perSession = (after.rss - idle.rss) / sessions;
    const heapPerSession = (after.heapUsed - idle.heapUsed) / sessions;
    const heap = (s: MemorySample) =>
      `heapUsed ${mb(s.heapUsed)} of ${mb(s.heapTotal)}, external ${mb(s.external)}`;
    const cost = HASH_SETTING;
    return [
      {
        scenario: 'IdP process RSS, idle',
        value: round(idle.rss / 2 ** 20),
        unit: 'MB',
        note: `seeded (${ACCOUNTS} staff), listening, no sign-in yet; ${heap(idle)}; after GC; goal ≤ ${GOAL_IDLE_RSS_MB} MB`,
      },
      {
        scenario: `IdP process RSS after ${sessions.toLocaleString('en-US')} sessions`,
        value: round(after.rss / 2 ** 20),
        unit: 'MB',
        note: `${sessions.toLocaleString('en-US')} password-only sign-ins over HTTP, ${CONCURRENCY} parallel, ${round(sessions / seconds)}/s; ${cost}; ${heap(after)}; after GC`,
      },
      {
        scenario: 'memory per session (RSS)',
        value: Math.round(perSession),
        unit: 'bytes',
        note: `(RSS after − idle RSS) ÷ ${sessions.toLocaleString('en-US')}; live JS heap ${Math.round(heapPerSession).toLocaleString('en-US')} B/session (heapUsed after GC), the rest is V8 heap reserve and allocator pages; no goal in the issue`,
      },
    ];
  } finally {
    await idp.stop();
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

if (import.meta.main) {
  console.table(await runMemoryBench(Number(process.argv[2] ?? 10_000)));
}
