/**
 * Concurrency over HTTP against the test IdP (rate limits raised so only the
 * one-time-use rules decide): one authenticator code posted at once to the code
 * form of 200 separate interactions of one user, and one refresh token sent at
 * once in 200 refresh grants → exactly one success each.
 */
import type { Connection } from 'mongoose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMongo, createOidcAdapter, syncIndexes } from '../../packages/store-mongoose/src/index.ts';
import { type Browser, type Page, shownRefusal } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { dropTestDatabase, getMongoUri, mongoAvailable, testDatabaseName } from '../helpers/mongo.ts';
import { redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { auditOf, NO_RATE_LIMITS, parallel, passwordStep } from './fixtures.ts';

const N = 200;

let idp: TestIdp;
let rp: Rp;
beforeAll(async () => {
  idp = await startTestIdp({ rateLimits: NO_RATE_LIMITS });
  rp = await relyingParty(idp);
});
afterAll(() => idp?.close());

/** `n` interactions of the owner, each at its code page; opened 20 at a time. */
async function codePages(n: number) {
  const out: Awaited<ReturnType<typeof passwordStep>>[] = [];
  for (let i = 0; i < n; i += 20) {
    out.push(...(await parallel(Math.min(20, n - i), () => passwordStep(idp, rp))));
  }
  for (const o of out) expect(o.page.body).toContain('Verification code');
  return out;
}

describe(`${N} parallel HTTP submissions`, () => {
  it('one authenticator code in 200 interactions of one user → exactly one sign-in', {
    timeout: 60_000,
  }, async () => {
    const sessions = await codePages(N);
    const code = idp.nextTotpCode(idp.staff.owner.totpSecret!);
    const before = (await auditOf(idp.stores, idp.clinic.id)).length;
    const pages: Page[] = await parallel(N, (i) =>
      sessions[i]!.browser.submit(sessions[i]!.page, '/verify', { method: 'totp', code }),
    );
    const won = pages.filter((p) => p.leftTo?.searchParams.has('code'));
    expect(won).toHaveLength(1);
    // Losers: "already used", or (when more than the 5 free attempts were in flight at once) held
    // at the throttle gate unchecked with a 429 — neither counted below.
    for (const p of pages.filter((p) => !p.leftTo)) {
      if (p.status === 429) expect(p.body).toContain('Try again after');
      else expect(shownRefusal(p)).toContain('already used');
    }
    const events = (await auditOf(idp.stores, idp.clinic.id)).slice(before);
    expect(events.filter((e) => e.type === 'sign_in.succeeded')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'second_factor.failed')).toHaveLength(0);
    expect((await idp.stores.throttles.get(`second-factor:${idp.staff.owner.id}`)).failures).toBe(0);
    expect((await idp.idp.twostep.audit.verify(idp.clinic.id)).ok).toBe(true);
    expect(idp.logs.filter((l) => l.level === 'error')).toEqual([]);

    // The winner's code is redeemable; a loser can still finish with the next code.
    const index = pages.indexOf(won[0]!);
    await redeem(rp, sessions[index]!.request, won[0]!);
    const loser = sessions[(index + 1) % N]!;
    const retry = await loser.browser.submit(pages[(index + 1) % N]!, '/verify', {
      method: 'totp',
      code: idp.nextTotpCode(idp.staff.owner.totpSecret!),
    });
    await redeem(rp, loser.request, retry);
  });

  it(`one authorization code, then one refresh token, each in ${N} parallel grants → one token set each`, () =>
    refreshRace(idp, rp));
});

/** A finished sign-in of the owner: the authorization request and the page that carries the code. */
async function signedIn(idp: TestIdp, rp: Rp) {
  const { browser, request, page } = await passwordStep(idp, rp);
  const done = await (browser as Browser).submit(page, '/verify', {
    method: 'totp',
    code: idp.nextTotpCode(idp.staff.owner.totpSecret!),
  });
  return { request, done };
}

const errorOf = (o: PromiseSettledResult<unknown>) =>
  o.status === 'rejected' ? (o.reason as { error?: string }).error : 'ok';

async function refreshRace(idp: TestIdp, rp: Rp) {
  // One authorization code, redeemed 200 times at once: one token set.
  const first = await signedIn(idp, rp);
  const redeemed = await Promise.allSettled(
    Array.from({ length: N }, () => redeem(rp, first.request, first.done)),
  );
  const codeWins = redeemed.filter((o) => o.status === 'fulfilled');
  expect(codeWins).toHaveLength(1);
  expect(new Set(redeemed.filter((o) => o.status === 'rejected').map(errorOf))).toEqual(
    new Set(['invalid_grant']),
  );
  const winner = (codeWins[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof redeem>>>).value;
  // A reuse of a used code revokes what it issued (RFC 6749 §4.1.2). Whether a loser of the race
  // read the code before or after the winner consumed it is timing, so the race alone may or may
  // not revoke; one more reuse, certainly after it, must: the winner's tokens are then dead.
  await expect(redeem(rp, first.request, first.done)).rejects.toMatchObject({ error: 'invalid_grant' });
  expect((await oidc.tokenIntrospection(rp.config, winner.access_token)).active).toBe(false);
  expect((await oidc.tokenIntrospection(rp.config, winner.refresh_token!)).active).toBe(false);

  // One refresh token, sent in 200 refresh grants at once: one new token set.
  const second = await signedIn(idp, rp);
  const refreshToken = (await redeem(rp, second.request, second.done)).refresh_token!;
  expect(refreshToken).toBeDefined();
  const outcomes = await Promise.allSettled(
    Array.from({ length: N }, () => oidc.refreshTokenGrant(rp.config, refreshToken)),
  );
  const ok = outcomes.filter((o) => o.status === 'fulfilled');
  expect(ok).toHaveLength(1);
  expect(new Set(outcomes.filter((o) => o.status === 'rejected').map(errorOf))).toEqual(
    new Set(['invalid_grant']),
  );
  // Reuse of a rotated refresh token revokes the grant (oidc-provider's reuse detection), but
  // only for a loser that read the token after the winner consumed it, and the winner may save
  // its new token after that revocation ran: whether the new token survives the race itself
  // depends on timing, so it is not asserted. One more reuse, certainly after the race, must
  // revoke the whole grant, the winner's new tokens included.
  const fresh = (ok[0] as PromiseFulfilledResult<oidc.TokenEndpointResponse>).value;
  await expect(oidc.refreshTokenGrant(rp.config, refreshToken)).rejects.toMatchObject({
    error: 'invalid_grant',
  });
  expect((await oidc.tokenIntrospection(rp.config, fresh.refresh_token!)).active).toBe(false);
  expect((await oidc.tokenIntrospection(rp.config, fresh.access_token)).active).toBe(false);
}

describe.skipIf(!mongoAvailable())('with the mongoose oidc-provider adapter', () => {
  let connection: Connection | undefined;
  let mongoIdp: TestIdp | undefined;
  afterAll(async () => {
    await mongoIdp?.close();
    await dropTestDatabase(connection);
  });
  it(`one authorization code, then one refresh token, each in ${N} parallel grants → one token set each`, {
    timeout: 60_000,
  }, async () => {
    connection = await connectMongo(getMongoUri(), { dbName: testDatabaseName('rel_refresh') });
    await syncIndexes(connection, { ttlIndexes: false });
    mongoIdp = await startTestIdp({ rateLimits: NO_RATE_LIMITS, adapter: createOidcAdapter(connection) });
    await refreshRace(mongoIdp, await relyingParty(mongoIdp));
  });
});
