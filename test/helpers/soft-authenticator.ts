/**
 * A software WebAuthn authenticator (ES256, attestation "none") for tests without a browser: it
 * builds the same JSON a browser hands back from `navigator.credentials.create/get`, signed with
 * a real P-256 key, so the server verifies it with @simplewebauthn/server exactly as a real one.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();

const FLAG = { up: 0x01, uv: 0x04, be: 0x08, bs: 0x10, at: 0x40 } as const;

export interface SoftAuthenticatorOptions {
  rpId: string;
  origin: string;
  /** Counts signatures (default true); false always reports 0, like many platform authenticators. */
  counts?: boolean;
  /** Reports user verification (default true). */
  userVerified?: boolean;
  /** A synced passkey: backup-eligible and backed up (default true); false for a device-bound key. */
  synced?: boolean;
}

type Override = { rpId?: string; origin?: string };

export class SoftAuthenticator {
  readonly credentialId: Uint8Array;
  private readonly privateKey: KeyObject;
  private readonly cosePublicKey: Uint8Array;
  counter = 0;
  /**
   * The user handle a discoverable credential hands back with each assertion: the `user.id` of the
   * registration options (base64url), kept by `register`.
   */
  userHandle: string | null = null;

  private readonly options: SoftAuthenticatorOptions;

  constructor(options: SoftAuthenticatorOptions, from?: SoftAuthenticator) {
    this.options = options;
    if (from) {
      this.credentialId = from.credentialId;
      this.privateKey = from.privateKey;
      this.cosePublicKey = from.cosePublicKey;
      this.counter = from.counter;
      this.userHandle = from.userHandle;
      return;
    }
    this.credentialId = randomBytes(32);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    this.cosePublicKey = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
  }

  get id(): string {
    return b64(this.credentialId);
  }

  /** A copy holding the same key and counter: a cloned authenticator. */
  clone(): SoftAuthenticator {
    return new SoftAuthenticator(this.options, this);
  }

  private authData(flags: number, attested: Uint8Array | null, rpId = this.options.rpId): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.options.counts === false ? 0 : this.counter);
    const uv = this.options.userVerified === false ? 0 : FLAG.uv;
    const backup = this.options.synced === false ? 0 : FLAG.be | FLAG.bs;
    return Buffer.concat([
      sha256(rpId),
      Buffer.from([flags | uv | backup]),
      count,
      attested ?? Buffer.alloc(0),
    ]);
  }

  private clientData(type: string, challenge: string, origin = this.options.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** The answer to `navigator.credentials.create` for `challenge`; keeps `userId` as the user handle. */
  register(challenge: string, override: Override & { userId?: string } = {}) {
    if (override.userId !== undefined) this.userHandle = override.userId;
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, this.cosePublicKey]);
    const authData = this.authData(FLAG.up | FLAG.at, attested, override.rpId);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64(this.clientData('webauthn.create', challenge, override.origin)),
        attestationObject: b64(attestationObject),
        transports: ['internal' as const],
      },
      clientExtensionResults: {},
    };
  }

  /**
   * The answer to `navigator.credentials.get` for `challenge` (the counter moves on first), with
   * the user handle when there is one (`override.userHandle` replaces it, null leaves it out).
   */
  assert(challenge: string, override: Override & { userHandle?: string | null } = {}) {
    const userHandle = override.userHandle === undefined ? this.userHandle : override.userHandle;
    this.counter += 1;
    const authData = this.authData(FLAG.up, null, override.rpId);
    const clientData = this.clientData('webauthn.get', challenge, override.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), this.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64(clientData),
        authenticatorData: b64(authData),
        signature: b64(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      clientExtensionResults: {},
    };
  }
}
