/**
 * New-browser sign-in alerts: a completed sign-in from a browser that has neither this person's
 * "seen" marker nor their remembered-device cookie emails them; the same browser again does not;
 * an account's very first sign-in does not (nothing to compare with).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';
import { begin, type Rp, relyingParty } from '../helpers/oidc-client.ts';
import { signInWithTotp } from '../helpers/sign-in.ts';

let idp: TestIdp;
let rp: Rp;
beforeAll(async () => {
  idp = await startTestIdp();
  rp = await relyingParty(idp);
});
afterAll(() => idp.close());

const alerts = () => idp.notifier.sent.filter((n) => n.kind === 'new_device_sign_in');

async function signInFrom(browser: Browser): Promise<void> {
  // prompt=login: a browser still signed in goes through the whole sign-in again.
  const { page } = await begin(browser, rp, { prompt: 'login' });
  const done = await signInWithTotp(browser, page, idp, idp.staff.owner);
  expect(done.leftTo?.searchParams.get('code')).toBeTruthy();
}

describe('new-browser sign-in alert', () => {
  it('first sign-in of the account: no alert; then only a browser not seen before gets one', async () => {
    const laptop = new Browser();
    await signInFrom(laptop);
    expect(alerts()).toHaveLength(0);
    expect(laptop.cookie('twostep_seen')?.httpOnly).toBe(true);

    await signInFrom(laptop);
    expect(alerts()).toHaveLength(0);

    const phone = new Browser();
    phone.userAgent =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
    await signInFrom(phone);
    await vi.waitFor(() => expect(alerts()).toHaveLength(1), { timeout: 10_000 });
    expect(alerts()[0]!.to.email).toBe(idp.staff.owner.email);
    expect(alerts()[0]!.params.device).toBe('Mobile Safari on iOS');

    // Seen now; a forged or copied-from-someone-else marker does not count.
    await signInFrom(phone);
    const stranger = new Browser();
    stranger.setCookie('twostep_seen', 'A'.repeat(43), '/interaction');
    await signInFrom(stranger);
    await vi.waitFor(() => expect(alerts()).toHaveLength(2), { timeout: 10_000 });
  });
});
