/**
 * Client secrets at rest: a client stored in the database (`twostep client register`) keeps its secret
 * sealed with the secret box (`client_secret_sealed`, bound to the client id), not in the clear.
 * oidc-provider needs the secret itself to check client_secret_basic / _post, so the `Client` model's
 * adapter opens it on each lookup; every other model passes through untouched.
 */
import type { SecretBox } from '@twostep/core';
import type { AdapterClass } from './config.ts';

export const SEALED_CLIENT_SECRET = 'client_secret_sealed';

const context = (clientId: string) => `oidc-client:${clientId}`;

/** The stored form of a client's secret: `{ client_secret_sealed }`. */
export function sealClientSecret(
  secretBox: SecretBox,
  clientId: string,
  secret: string,
): { [SEALED_CLIENT_SECRET]: string } {
  return { [SEALED_CLIENT_SECRET]: secretBox.seal(secret, context(clientId)) };
}

/** The client's secret sealed again with the key in use, or null when it already is. */
export function resealClientSecret(secretBox: SecretBox, clientId: string, sealed: string): string | null {
  if (!secretBox.needsRotation(sealed)) return null;
  return secretBox.seal(secretBox.open(sealed, context(clientId)), context(clientId));
}

export function openingClientSecrets(Adapter: AdapterClass, secretBox: SecretBox): AdapterClass {
  return function SealedClientSecretAdapter(name: string) {
    const inner = new Adapter(name);
    if (name !== 'Client') return inner;
    const find = async (id: string) => {
      const payload = await inner.find(id);
      const sealed = payload?.[SEALED_CLIENT_SECRET];
      if (!payload || typeof sealed !== 'string') return payload;
      const { [SEALED_CLIENT_SECRET]: _sealed, ...metadata } = payload;
      // A secret that does not open (another key set) throws: the request fails, never passes.
      return { ...metadata, client_secret: secretBox.open(sealed, context(id)) };
    };
    return new Proxy(inner, {
      get(target, prop) {
        if (prop === 'find') return find;
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  } as unknown as AdapterClass;
}
