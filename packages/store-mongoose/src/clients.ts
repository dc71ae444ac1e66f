/**
 * OIDC clients in the database: the documents oidc-provider's `Client` model reads through the
 * adapter (`oidc_client`, `{ _id: client_id, payload: metadata }`). oidc-provider looks a client up
 * on every use and re-validates it when its metadata changed, so what this registry writes takes
 * effect at every IdP process on the next request. A disabled client stays in the collection (for
 * the record, and `enable`) but the adapter no longer finds it.
 */
import type { Connection } from 'mongoose';
import { guarded, isDuplicateKeyError } from './errors.ts';
import { type OidcDoc, oidcModel } from './models.ts';
import { Q } from './stores/common.ts';

export interface StoredClient {
  /** oidc-provider client metadata (`client_id`, `redirect_uris`, …). */
  metadata: Record<string, unknown>;
  disabled: boolean;
}

export interface OidcClientRegistry {
  /** False when a client with this `client_id` exists already. */
  create(metadata: Record<string, unknown> & { client_id: string }): Promise<boolean>;
  get(clientId: string): Promise<StoredClient | undefined>;
  /** Every stored client, by `client_id`. */
  list(): Promise<StoredClient[]>;
  /** Sets and removes metadata fields in one update. False when there is no such client. */
  update(clientId: string, set: Record<string, unknown>, unset?: string[]): Promise<boolean>;
  /** False when there is no such client. */
  setDisabled(clientId: string, disabled: boolean): Promise<boolean>;
  /**
   * Sets metadata field `field` to `to` only while it still is `from` (one conditional update: a
   * secret changed meanwhile, e.g. `client update --new-secret`, is not overwritten). False otherwise.
   */
  replaceField(clientId: string, field: string, from: string, to: string): Promise<boolean>;
}

const stored = (doc: OidcDoc): StoredClient => ({
  metadata: { ...doc.payload },
  disabled: doc.disabled === true,
});

export function createClientRegistry(connection: Connection): OidcClientRegistry {
  const model = oidcModel(connection, 'Client');
  return guarded('oidc.Client', {
    async create(metadata) {
      try {
        await model.create([{ _id: metadata.client_id, payload: { ...metadata }, expiresAt: null }]);
        return true;
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    },
    async get(clientId) {
      if (typeof clientId !== 'string') return undefined;
      const doc = await model.findOne({ _id: clientId }, null, Q).lean<OidcDoc>();
      return doc ? stored(doc) : undefined;
    },
    async list() {
      const docs = await model.find({}, null, Q).sort({ _id: 1 }).lean<OidcDoc[]>();
      return docs.map(stored);
    },
    async update(clientId, set, unset = []) {
      const $set = Object.fromEntries(Object.entries(set).map(([k, v]) => [`payload.${k}`, v]));
      const $unset = Object.fromEntries(unset.map((k) => [`payload.${k}`, 1]));
      const result = await model.updateOne(
        { _id: clientId },
        { ...(Object.keys($set).length ? { $set } : {}), ...(unset.length ? { $unset } : {}) },
        Q,
      );
      return result.matchedCount === 1;
    },
    async replaceField(clientId, field, from, to) {
      const result = await model.updateOne(
        { _id: clientId, [`payload.${field}`]: from },
        { $set: { [`payload.${field}`]: to } },
        Q,
      );
      return result.modifiedCount === 1;
    },
    async setDisabled(clientId, disabled) {
      const result = await model.updateOne(
        { _id: clientId },
        disabled ? { $set: { disabled: true } } : { $unset: { disabled: 1 } },
        Q,
      );
      return result.matchedCount === 1;
    },
  });
}
