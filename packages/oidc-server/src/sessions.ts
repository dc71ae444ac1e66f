/**
 * Ending every session of a staff member, as far as the IdP reaches: its own sign-in session
 * (refused by the login prompt when it began before the end) and the apps, told by OpenID
 * Connect Back-Channel Logout 1.0 (a signed logout token POSTed to each registered client's
 * `backchannel_logout_uri`, through oidc-provider's own `Client#backchannelLogout`).
 */
import type { Logger, SessionListener, Stores } from '@twostep/core';
import type Provider from 'oidc-provider';

/**
 * True when the staff member's sessions were ended at or after a sign-in at `authTime` (epoch
 * seconds; missing counts as before). A sign-in in the same second as the end is asked again.
 */
export async function signedInBeforeEnd(
  stores: Stores,
  staffId: string,
  authTime: number | undefined,
): Promise<boolean> {
  const endedAt = await stores.sessions.endedAt(staffId);
  return endedAt !== null && (authTime === undefined || authTime <= Math.floor(endedAt.getTime() / 1000));
}

/**
 * Sends a logout token about `sub` (no `sid`: every session of that person) to every client with
 * a `backchannel_logout_uri`, all at once, and waits for the answers (oidc-provider's HTTP timeout,
 * 2.5 s by default), so the apps have ended the sessions when the page that asked for it returns.
 * A client that does not answer 200 is logged; the others are not held up.
 */
export function backchannelLogoutListener(
  provider: () => Provider,
  clientIds: readonly string[],
  logger: Logger,
): SessionListener {
  return {
    async sessionsEnded(staff) {
      const op = provider();
      await Promise.all(
        clientIds.map(async (clientId) => {
          try {
            const client = await op.Client.find(clientId);
            if (!client?.backchannelLogoutUri) return;
            // Not in @types/oidc-provider; oidc-provider 9's end_session calls it the same way.
            const send = client.backchannelLogout as (sub: string, sid: string | undefined) => Promise<void>;
            await send.call(client, staff.id, undefined);
          } catch (error) {
            logger.error('back-channel logout failed', { clientId, error });
          }
        }),
      );
    },
  };
}
