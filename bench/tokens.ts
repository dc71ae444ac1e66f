// Refresh-token grants at the twostep IdP's token endpoint, over real HTTP: server CPU time per grant
// (the IdP runs in a process of its own) and grants per second. Each of CONCURRENCY clients signs in
// once (password + TOTP, loa:2fa), then refreshes in a loop with the rotated refresh token it got back
// (rotation is on: every grant consumes one refresh token and issues a new one, an ID token and an
// access token).
//
//   node --conditions=@twostep/source bench/tokens.ts [seconds]
//
// Rows: a client with RS256 ID tokens (the default) and the same app registered with ES256 ID tokens
// (`id_token_signed_response_alg`), both with opaque access tokens; and RS256 with `resource` (a JWT
// access token for the resource server, also RS256, carrying acr/amr/auth_time).
// Goal: a refresh grant with rotation costs at most GOAL_REFRESH_CPU_MS of server CPU.
import { TOTP, totp } from '@twostep/core';
import { startIdpProcess } from './memory-idp.ts';
import type { Row } from './row.ts';
import { type BenchIdpInfo, CONCURRENCY, fastNow, signIn } from './signin.ts';

const PARAMS = { algorithm: TOTP.algorithm, digits: TOTP.digits, period: TOTP.period } as const;
const RESOURCE = 'https://api.clinic.test';
/** Goal: server CPU per refresh grant with rotation, ms. */
export const GOAL_REFRESH_CPU_MS = 0.8;

export type { Row };

type Kind = 'rs256' | 'es256' | 'resource';

/** Runs each row for `seconds` (default 5); returns the table rows. */
export async function runTokenBench(seconds = 5): Promise<Row[]> {
  const idp = await startIdpProcess({ resourceServer: RESOURCE });
  try {
    const { info, epoch } = idp;
    const clientOf = (kind: Kind): BenchIdpInfo =>
      kind === 'es256' ? { ...info, clientId: info.es256ClientId } : info;
    const basic = (kind: Kind) =>
      `Basic ${Buffer.from(`${clientOf(kind).clientId}:${info.clientSecret}`).toString('base64')}`;
    // CONCURRENCY sessions per kind, each of its own staff member.
    const kinds: Kind[] = ['rs256', 'es256', 'resource'];
    const tokens = {} as Record<Kind, string[]>;
    // Seeding enrolled each authenticator with a code of the current step, which is then used: wait for
    // the next step (at most 3 s with the bench's 10× clock) so the first sign-ins' codes are new.
    const step = () => Math.floor(fastNow(epoch) / 1000 / 30);
    const seeded = step();
    while (step() === seeded) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const [k, kind] of kinds.entries()) {
      tokens[kind] = await Promise.all(
        info.totpStaff.slice(k * CONCURRENCY, (k + 1) * CONCURRENCY).map(async (staff) => {
          const response = await signIn(
            clientOf(kind),
            staff.email,
            () => totp(staff.secret, Math.floor(fastNow(epoch) / 1000), PARAMS),
            kind === 'resource' ? RESOURCE : undefined,
          );
          if (response.refresh_token === undefined) throw new Error('no refresh token issued');
          return response.refresh_token;
        }),
      );
    }

    const refresh = async (token: string, kind: Kind): Promise<string> => {
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token });
      const response = await fetch(`${info.issuer}/token`, {
        method: 'POST',
        headers: { authorization: basic(kind), 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      const json = (await response.json()) as {
        refresh_token?: string;
        access_token?: string;
        id_token?: string;
        error?: string;
      };
      if (!response.ok || json.refresh_token === undefined || json.access_token === undefined)
        throw new Error(`refresh failed: ${response.status} ${json.error ?? ''}`);
      if ((json.access_token.split('.').length === 3) !== (kind === 'resource'))
        throw new Error(`expected ${kind === 'resource' ? 'a JWT' : 'an opaque'} access token`);
      const alg = JSON.parse(Buffer.from(json.id_token!.split('.')[0]!, 'base64url').toString()).alg;
      if (alg !== (kind === 'es256' ? 'ES256' : 'RS256')) throw new Error(`unexpected ID token alg ${alg}`);
      return json.refresh_token;
    };

    const run = async (ms: number, kind: Kind) => {
      const refreshTokens = tokens[kind];
      let count = 0;
      const cpuBefore = (await idp.usage()).cpuMicros;
      const start = performance.now();
      const end = start + ms;
      await Promise.all(
        refreshTokens.map(async (_, i) => {
          while (performance.now() < end) {
            refreshTokens[i] = await refresh(refreshTokens[i]!, kind);
            count++;
          }
        }),
      );
      const elapsed = performance.now() - start;
      const cpuMs = ((await idp.usage()).cpuMicros - cpuBefore) / 1000;
      return { count, perSec: count / (elapsed / 1000), cpuMs };
    };

    for (const kind of kinds) await run(500, kind); // warm-up
    // Alternating rounds, so that background load hits each kind alike.
    const rounds = 3;
    const totals = Object.fromEntries(kinds.map((k) => [k, { count: 0, cpuMs: 0, perSec: [] as number[] }]));
    for (let r = 0; r < rounds; r++) {
      for (const kind of kinds) {
        const m = await run((seconds * 1000) / rounds, kind);
        totals[kind]!.count += m.count;
        totals[kind]!.cpuMs += m.cpuMs;
        totals[kind]!.perSec.push(m.perSec);
      }
    }
    const note = `${CONCURRENCY} parallel clients, rotation on; IdP in its own process`;
    const rows: Row[] = [];
    const label: Record<Kind, string> = {
      rs256: 'refresh grant, RS256 ID token (the default)',
      es256: 'refresh grant, ES256 ID token (client option)',
      resource: 'refresh grant with resource, RS256 ID token + RS256 JWT access token',
    };
    for (const kind of kinds) {
      const t = totals[kind]!;
      const perGrant = t.cpuMs / t.count;
      rows.push({
        scenario: `server CPU per ${label[kind]}`,
        value: Math.round(perGrant * 1000) / 1000,
        unit: 'ms',
        note: `${note}; ${Math.round(1000 / perGrant)} grants per CPU-second; ${Math.round(Math.max(...t.perSec))} grants/s best round; ${kind === 'resource' ? 'two RSA signatures per grant: no goal here (an API with signingAlg ES256 is the lever)' : `goal ≤ ${GOAL_REFRESH_CPU_MS} ms`}`,
      });
    }
    return rows;
  } finally {
    await idp.stop();
  }
}

if (import.meta.main) {
  console.table(await runTokenBench(Number(process.argv[2] ?? 5)));
}
