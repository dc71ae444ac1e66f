/**
 * Ending every session of a staff member, as far as the IdP reaches: its own sign-in session
 * (refused by the login prompt when it began before the end) and the apps, told by OpenID
 * Connect Back-Channel Logout 1.0 (a signed logout token POSTed to each registered client's
 * `backchannel_logout_uri`, through oidc-provider's own `Client#backchannelLogout`).
 */
import type { Logger, SessionListener, Stores } from '@twostep/core';
import type Provider from 'oidc-provider';
import type { IdpConfig, StoredClientMetadata } from './config.ts';

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

/** A client's back-channel logout URI as oidc-provider sends to it, if it has a valid one. */
function backchannelUri(client: StoredClientMetadata): string | undefined {
  const uri = client.backchannel_logout_uri;
  return typeof uri === 'string' && URL.canParse(uri) ? new URL(uri).href : undefined;
}

/**
 * The apps that hear about sign-outs: the configured clients and the stored ones (`storedClients`,
 * read when needed, so a client registered in the database counts at once) with a back-channel
 * logout URI.
 */
export function backchannelTargets(config: Pick<IdpConfig, 'clients' | 'storedClients'>) {
  const configured = config.clients.filter((c) => backchannelUri(c) !== undefined);
  const configuredUris = new Set(configured.map((c) => backchannelUri(c)!));
  const stored = async () =>
    ((await config.storedClients?.()) ?? []).filter((c) => backchannelUri(c) !== undefined);
  return {
    async clientIds(): Promise<string[]> {
      return [...new Set([...configured, ...(await stored())].map((c) => c.client_id))];
    },
    /** True for the back-channel logout URI of a configured or stored client (exactly). */
    async isTarget(url: string): Promise<boolean> {
      if (configuredUris.has(url)) return true;
      return (await stored()).some((c) => backchannelUri(c) === url);
    },
  };
}

export type BackchannelTargets = ReturnType<typeof backchannelTargets>;

/**
 * Sends a logout token about `sub` (no `sid`: every session of that person) to every client with
 * a `backchannel_logout_uri`, all at once, and waits for the answers (oidc-provider's HTTP timeout,
 * 2.5 s by default), so the apps have ended the sessions when the page that asked for it returns.
 * A client that does not answer 200 is logged; the others are not held up. A disabled stored client
 * is not found by oidc-provider and is skipped.
 */
export function backchannelLogoutListener(
  provider: () => Provider,
  targets: BackchannelTargets,
  logger: Logger,
): SessionListener {
  return {
    async sessionsEnded(staff) {
      const op = provider();
      await Promise.all(
        (await targets.clientIds()).map(async (clientId) => {
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
