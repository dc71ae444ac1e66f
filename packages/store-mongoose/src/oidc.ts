/**
 * An oidc-provider `Adapter` on mongoose: one collection per model name
 * (`oidc_session`, `oidc_access_token`, …), documents `{ _id: id, payload,
 * expiresAt }`. Expiry is checked on every read, so FerretDB (no TTL indexes)
 * behaves correctly; with `syncIndexes(connection, { ttlIndexes: true })`
 * MongoDB also deletes expired documents.
 *
 * oidc-provider is not imported here (the import arrows forbid it); its
 * `Adapter` interface is typed locally and is structurally the same.
 */
import type { Connection, Model } from 'mongoose';
import { guarded, isString } from './errors.ts';
import { type OidcDoc, oidcModel } from './models.ts';
import { Q } from './stores/common.ts';

/** What oidc-provider stores (its `AdapterPayload`): JSON-safe fields. */
export interface OidcAdapterPayload {
  [key: string]: unknown;
  /** Seconds since the epoch when consumed (set by `consume`). */
  consumed?: unknown;
  grantId?: string;
  uid?: string;
  userCode?: string;
}

/** oidc-provider's `Adapter` interface. */
export interface OidcAdapter {
  upsert(id: string, payload: OidcAdapterPayload, expiresIn: number): Promise<void>;
  find(id: string): Promise<OidcAdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<OidcAdapterPayload | undefined>;
  findByUid(uid: string): Promise<OidcAdapterPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/** What oidc-provider's `adapter` option takes: a class constructed with the model name. */
export type OidcAdapterConstructor = new (name: string) => OidcAdapter;

export interface OidcAdapterOptions {
  /** The clock, in milliseconds (tests). Default `Date.now`. */
  now?: () => number;
}

const isLive = (doc: OidcDoc, nowMs: number): boolean =>
  doc.expiresAt === null || doc.expiresAt.getTime() > nowMs;

/**
 * The adapter for one oidc-provider model. Usually created through
 * {@link createOidcAdapter}, which binds the connection.
 */
export class MongooseOidcAdapter implements OidcAdapter {
  readonly name: string;
  readonly #model: Model<OidcDoc>;
  readonly #now: () => number;
  readonly #ops: OidcAdapter;

  constructor(name: string, connection: Connection, options: OidcAdapterOptions = {}) {
    this.name = name;
    this.#model = oidcModel(connection, name);
    this.#now = options.now ?? Date.now;
    this.#ops = guarded(`oidc.${name}`, this.#operations());
  }

  upsert(id: string, payload: OidcAdapterPayload, expiresIn: number): Promise<void> {
    return this.#ops.upsert(id, payload, expiresIn);
  }
  find(id: string): Promise<OidcAdapterPayload | undefined> {
    return this.#ops.find(id);
  }
  findByUserCode(userCode: string): Promise<OidcAdapterPayload | undefined> {
    return this.#ops.findByUserCode(userCode);
  }
  findByUid(uid: string): Promise<OidcAdapterPayload | undefined> {
    return this.#ops.findByUid(uid);
  }
  consume(id: string): Promise<void> {
    return this.#ops.consume(id);
  }
  destroy(id: string): Promise<void> {
    return this.#ops.destroy(id);
  }
  revokeByGrantId(grantId: string): Promise<void> {
    return this.#ops.revokeByGrantId(grantId);
  }

  #operations(): OidcAdapter {
    const model = this.#model;
    const now = this.#now;
    const live = async (filter: Record<string, string>): Promise<OidcAdapterPayload | undefined> => {
      const doc = await model.findOne(filter, null, Q).lean<OidcDoc>();
      return doc !== null && isLive(doc, now()) ? { ...doc.payload } : undefined;
    };
    return {
      async upsert(id, payload, expiresIn) {
        if (!isString(id)) throw new TypeError('id must be a string');
        const expiresAt =
          typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0
            ? new Date(now() + expiresIn * 1000)
            : null;
        await model.replaceOne(
          { _id: id },
          { _id: id, payload: { ...payload }, expiresAt },
          { ...Q, upsert: true },
        );
      },
      find: (id) => (isString(id) ? live({ _id: id }) : Promise.resolve(undefined)),
      findByUid: (uid) => (isString(uid) ? live({ 'payload.uid': uid }) : Promise.resolve(undefined)),
      findByUserCode: (userCode) =>
        isString(userCode) ? live({ 'payload.userCode': userCode }) : Promise.resolve(undefined),
      async consume(id) {
        if (!isString(id)) return;
        await model.updateOne({ _id: id }, { $set: { 'payload.consumed': Math.floor(now() / 1000) } }, Q);
      },
      async destroy(id) {
        if (!isString(id)) return;
        await model.deleteOne({ _id: id }, Q);
      },
      async revokeByGrantId(grantId) {
        if (!isString(grantId)) return;
        await model.deleteMany({ 'payload.grantId': grantId }, Q);
      },
    };
  }
}

/**
 * The `adapter` option of oidc-provider, bound to `connection`.
 *
 * @example
 * ```ts
 * const provider = new Provider(issuer, { adapter: createOidcAdapter(connection), ... });
 * ```
 */
export function createOidcAdapter(
  connection: Connection,
  options: OidcAdapterOptions = {},
): OidcAdapterConstructor {
  return class BoundMongooseOidcAdapter extends MongooseOidcAdapter {
    constructor(name: string) {
      super(name, connection, options);
    }
  };
}
