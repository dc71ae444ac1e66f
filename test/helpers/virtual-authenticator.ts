/**
 * Chromium's virtual WebAuthn authenticator, driven over CDP (the `WebAuthn` domain) through
 * playwright-core: a real browser ceremony (RP ID, origin, user verification, signature counter)
 * with no hardware. The IdP's issuer must be `http://localhost:<port>` (`issuerHost: 'localhost'`
 * in `startTestIdp`, `host: 'localhost'` for the demo): an IP address cannot be an RP ID.
 *
 * @example
 * ```ts
 * const key = await VirtualAuthenticator.attach(page);
 * // … click "Create passkey" on the account page …
 * expect(await key.credentials()).toHaveLength(1);
 * ```
 */
import type { CDPSession, Page } from 'playwright-core';

/** A credential as `WebAuthn.getCredentials` returns it (and `WebAuthn.addCredential` takes it). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  /** PKCS#8, base64. */
  privateKey: string;
  userHandle?: string;
  signCount: number;
  backupEligibility?: boolean;
  backupState?: boolean;
}

/** A credential's id as the server stores it (base64url; CDP gives base64). */
export const credentialIdOf = (credential: VirtualCredential): string =>
  Buffer.from(credential.credentialId, 'base64').toString('base64url');

export interface VirtualAuthenticatorOptions {
  /** Backup-eligible credentials (a synced passkey); default false (device-bound). */
  backupEligible?: boolean;
}

export class VirtualAuthenticator {
  private readonly cdp: CDPSession;
  readonly id: string;

  private constructor(cdp: CDPSession, id: string) {
    this.cdp = cdp;
    this.id = id;
  }

  /** A platform authenticator with user verification and resident keys, added to `page`'s browser. */
  static async attach(page: Page, options: VirtualAuthenticatorOptions = {}): Promise<VirtualAuthenticator> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const backup = options.backupEligible ?? false;
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
        defaultBackupEligibility: backup,
        defaultBackupState: backup,
      },
    });
    return new VirtualAuthenticator(cdp, authenticatorId);
  }

  async credentials(): Promise<VirtualCredential[]> {
    const { credentials } = await this.cdp.send('WebAuthn.getCredentials', { authenticatorId: this.id });
    return credentials as VirtualCredential[];
  }

  /** Puts a credential (e.g. another authenticator's, copied) on this authenticator. */
  async addCredential(credential: VirtualCredential): Promise<void> {
    await this.cdp.send('WebAuthn.addCredential', { authenticatorId: this.id, credential });
  }

  /** Removes this authenticator (the browser then has none, unless another was attached). */
  async detach(): Promise<void> {
    await this.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: this.id });
  }
}

/**
 * Makes `page` a browser without passkey autofill (conditional UI), from its next navigation on:
 * the virtual authenticator answers the password page's autofill request at once (where a person
 * would pick the passkey from the email field's list), which signs in before a test can type a
 * password or click "Sign in with a passkey".
 */
export async function withoutPasskeyAutofill(page: Page): Promise<void> {
  await page.addInitScript(
    "Object.defineProperty(PublicKeyCredential, 'isConditionalMediationAvailable', { value: () => Promise.resolve(false) });",
  );
}
