// Refresh-token grants per second at the twostep IdP's token endpoint, over real HTTP, and per CPU
// (÷ os.availableParallelism()). Each of CONCURRENCY clients signs in once (password + TOTP, loa:2fa),
// then refreshes in a loop with the rotated refresh token it got back (rotation is on: every grant
// consumes one refresh token and issues a new one, an ID token and an access token).
//
//   node --conditions=@twostep/source bench/tokens.ts [seconds]
//
// Rows: a refresh with an opaque access token, and one with `resource` (a JWT access token for the
// resource server, RS256-signed, carrying acr/amr/auth_time). The IdP runs in a worker thread.
import { availableParallelism } from 'node:os';
import { TOTP, totp } from '@twostep/core';
import type { Row } from './row.ts';
import { CONCURRENCY, fastNow, signIn, startBenchIdp } from './signin.ts';

const PARAMS = { algorithm: TOTP.algorithm, digits: TOTP.digits, period: TOTP.period } as const;
const RESOURCE = 'https://api.clinic.test';

export type { Row };

/** Runs each row for `seconds` (default 5); returns the table rows. */
export async function runTokenBench(seconds = 5): Promise<Row[]> {
  const idp = await startBenchIdp({ resourceServer: RESOURCE });
  try {
    const { info, epoch } = idp;
    const basic = `Basic ${Buffer.from(`${info.clientId}:${info.clientSecret}`).toString('base64')}`;
    // CONCURRENCY sessions without a resource (opaque access tokens), CONCURRENCY with (JWT access tokens).
    const sessions = async (offset: number, resource: string | undefined) =>
      Promise.all(
        info.totpStaff.slice(offset, offset + CONCURRENCY).map(async (staff) => {
          const tokens = await signIn(
            info,
            staff.email,
            () => totp(staff.secret, Math.floor(fastNow(epoch) / 1000), PARAMS),
            resource,
          );
          if (tokens.refresh_token === undefined) throw new Error('no refresh token issued');
          return tokens.refresh_token;
        }),
      );
    const plainTokens = await sessions(0, undefined);
    const resourceTokens = await sessions(CONCURRENCY, RESOURCE);

    const refresh = async (token: string, resource: boolean): Promise<string> => {
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token });
      const response = await fetch(`${info.issuer}/token`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      const json = (await response.json()) as {
        refresh_token?: string;
        access_token?: string;
        error?: string;
      };
      if (!response.ok || json.refresh_token === undefined || json.access_token === undefined)
        throw new Error(`refresh failed: ${response.status} ${json.error ?? ''}`);
      if ((json.access_token.split('.').length === 3) !== resource)
        throw new Error(`expected ${resource ? 'a JWT' : 'an opaque'} access token`);
      return json.refresh_token;
    };

    const run = async (ms: number, resource: boolean) => {
      const refreshTokens = resource ? resourceTokens : plainTokens;
      let count = 0;
      const start = performance.now();
      const end = start + ms;
      await Promise.all(
        refreshTokens.map(async (_, i) => {
          while (performance.now() < end) {
            refreshTokens[i] = await refresh(refreshTokens[i]!, resource);
            count++;
          }
        }),
      );
      return count / ((performance.now() - start) / 1000);
    };

    await run(500, false); // warm-up
    await run(500, true);
    const opaque = await run(seconds * 1000, false);
    const jwt = await run(seconds * 1000, true);
    const cpus = availableParallelism();
    const note = `${CONCURRENCY} parallel clients, rotation on; IdP on 1 worker thread`;
    return [
      { scenario: 'refresh grant (opaque access token)', value: round(opaque), unit: 'grants/s', note },
      {
        scenario: 'refresh grant, per CPU',
        value: round(opaque / cpus),
        unit: 'grants/s/CPU',
        note: `÷ availableParallelism() = ${cpus}`,
      },
      {
        scenario: 'refresh grant with resource (JWT access token)',
        value: round(jwt),
        unit: 'grants/s',
        note: `${note}; RS256 access token with acr/amr/auth_time`,
      },
      {
        scenario: 'refresh grant with resource, per CPU',
        value: round(jwt / cpus),
        unit: 'grants/s/CPU',
        note: `÷ availableParallelism() = ${cpus}`,
      },
    ];
  } finally {
    await idp.stop();
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

if (import.meta.main) {
  console.table(await runTokenBench(Number(process.argv[2] ?? 5)));
}
