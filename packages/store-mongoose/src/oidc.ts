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

/** oidc-provider's `InvalidGrant`, duck-typed (what its error handler reads): a 400 `invalid_grant`. */
function alreadyConsumed(): Error {
  return Object.assign(new Error('invalid_grant'), {
    name: 'InvalidGrant',
    expose: true,
    statusCode: 400,
    status: 400,
    error: 'invalid_grant',
    error_description: 'grant request is invalid',
    error_detail: 'already consumed',
  });
}

const isLive = (doc: OidcDoc, nowMs: number): boolean =>
  doc.disabled !== true && (doc.expiresAt === null || doc.expiresAt.getTime() > nowMs);

/**
 * The adapter for one oidc-provider model. Usually created through
 * {@link createOidcAdapter}, which binds the connection.
 */
export class MongooseOidcAdapter implements OidcAdapter {
  readonly name: string;
  readonly #model: Model<OidcDoc>;
  readonly #now: () => number;
  readonly #ops: OidcAdapter;
  readonly #consumeOnce: { consumeOnce(id: unknown): Promise<boolean> };

  constructor(name: string, connection: Connection, options: OidcAdapterOptions = {}) {
    this.name = name;
    this.#model = oidcModel(connection, name);
    this.#now = options.now ?? Date.now;
    this.#ops = guarded(`oidc.${name}`, this.#operations());
    const model = this.#model;
    const now = this.#now;
    this.#consumeOnce = guarded(`oidc.${name}`, {
      /** False when the document was already consumed, or is gone (destroyed or revoked since it was read). */
      async consumeOnce(id: unknown): Promise<boolean> {
        if (!isString(id)) return false;
        const consumed = Math.floor(now() / 1000);
        // `null` matches a missing field: no operator in the filter.
        const result = await model.updateOne(
          { _id: id, 'payload.consumed': null },
          { $set: { 'payload.consumed': consumed } },
          Q,
        );
        return result.matchedCount === 1;
      },
    });
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
  /**
   * Marks the payload consumed, once: oidc-provider checks `consumed` and then calls this, so
   * two concurrent redemptions of one authorization code or refresh token could both pass its
   * check. Only the first call here succeeds; a later one (already consumed, or the document
   * destroyed meanwhile by oidc-provider's reuse detection) throws oidc-provider's `invalid_grant`,
   * so exactly one of several concurrent grants gets tokens.
   */
  async consume(id: string): Promise<void> {
    if (!(await this.#consumeOnce.consumeOnce(id))) throw alreadyConsumed();
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
