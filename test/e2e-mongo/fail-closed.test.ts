/**
 * Fail closed: an IdP process whose MongoDB becomes unreachable (its
 * connection goes through a relay that is then shut: the port is closed)
 * answers sign-ins with the 503 page and issues no token; a process pointed at
 * the closed port refuses to start.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import type { TestIdp } from '../helpers/idp.ts';
import { getMongoUri, mongoAvailable } from '../helpers/mongo.ts';
import { begin, redeem, relyingParty, type Rp } from '../helpers/oidc-client.ts';
import { submitPassword } from '../helpers/sign-in.ts';
import {
  type Balancer,
  type IdpProcess,
  idpProcessExitCode,
  killAllIdpProcesses,
  type SharedDatabase,
  seedSharedDatabase,
  startBalancer,
  startIdpProcess,
  startTcpRelay,
  type TcpRelay,
} from './support.ts';

describe.skipIf(!mongoAvailable())('MongoDB unreachable: fail closed', () => {
  let db: SharedDatabase;
  let balancer: Balancer;
  let relay: TcpRelay;
  let proc: IdpProcess;
  let idp: TestIdp;
  let rp: Rp;

  beforeAll(async () => {
    db = await seedSharedDatabase('fail_closed');
    balancer = await startBalancer();
    relay = await startTcpRelay(getMongoUri());
    proc = await startIdpProcess(
      db.processConfig(balancer.url, 'cut', { mongoUri: relay.uri, serverSelectionTimeoutMS: 1000 }),
      db.dir,
    );
    balancer.targets.push(proc.url);
    idp = { ...db.seed, issuer: balancer.url, url: balancer.url };
    rp = await relyingParty(idp);
  });
  afterAll(async () => {
    await killAllIdpProcesses();
    await relay?.cut();
    await balancer?.close();
    await db?.drop();
  });
  afterEach((context) => {
    if (context.task.result?.state === 'fail' && proc)
      console.error(`--- ${proc.label}\n${proc.output.slice(-30).join('\n')}`);
  });

  it('a sign-in under way gets the 503 page and no token; new sign-ins too', async () => {
    // Before the cut: one sign-in reaches the redirect with a code, another waits at the password page.
    const done = new Browser();
    const finished = await begin(done, rp);
    const back = await submitPassword(done, finished.page, idp.staff.relaxed);
    expect(back.leftTo?.searchParams.get('code')).toBeTruthy();
    const browser = new Browser();
    const { page } = await begin(browser, rp);
    expect(page.body).toContain('name="password"');
    const auditBefore = await db.seed.stores.audit.list(idp.clinic.id);

    await relay.cut();

    const result = await submitPassword(browser, page, idp.staff.owner);
    expect(result.status).toBe(503);
    expect(result.body).toContain('temporarily unavailable');
    expect(result.leftTo).toBeUndefined();

    // A sign-in for a relaxed clinic (password only) gets nothing either.
    const relaxed = await submitPassword(browser, page, idp.staff.relaxed);
    expect(relaxed.status).toBe(503);
    expect(relaxed.leftTo).toBeUndefined();

    // A new authorization request: oidc-provider cannot store the interaction; the same 503 page.
    const fresh = await begin(new Browser(), rp);
    expect(fresh.page.leftTo).toBeUndefined();
    expect(fresh.page.status).toBe(503);
    expect(fresh.page.body).toContain('temporarily unavailable');

    // The code issued before the cut cannot be redeemed while the database is gone: the token
    // endpoint says why (the store is unavailable), not just any failure.
    // (openid-client reads an OAuth error body only on a 4xx: the 503 is the error's `cause`).
    const refused = await redeem(rp, finished.request, back).then(
      () => expect.fail('a token was issued while the database was down'),
      (error: { cause?: unknown }) => error.cause,
    );
    expect(refused).toBeInstanceOf(Response);
    expect((refused as Response).status).toBe(503);
    expect(await (refused as Response).json()).toMatchObject({ error: 'temporarily_unavailable' });

    // Nothing was recorded while down (the relay is gone, so read through the test's own connection).
    expect(await db.seed.stores.audit.list(idp.clinic.id)).toEqual(auditBefore);
  });

  it('a process pointed at a closed port does not start', async () => {
    const { code, output } = await idpProcessExitCode(
      db.processConfig(balancer.url, 'closed', { mongoUri: relay.uri, serverSelectionTimeoutMS: 500 }),
      db.dir,
    );
    expect(code).toBe(3);
    expect(output.join('\n')).toContain('store_unavailable');
  });
});
