/**
 * `@twostep/store-mongoose`: every store port of `@twostep/core`, and an
 * oidc-provider adapter, on MongoDB via mongoose.
 */
export type { OidcClientRegistry, StoredClient } from './clients.ts';
export { createClientRegistry } from './clients.ts';
export type { ConnectMongoOptions } from './connect.ts';
export { connectMongo } from './connect.ts';
export { isDuplicateKeyError, toStoreError } from './errors.ts';
export type { SyncIndexesOptions } from './models.ts';
export { OIDC_MODEL_NAMES, oidcCollectionName, syncIndexes } from './models.ts';
export type {
  OidcAdapter,
  OidcAdapterConstructor,
  OidcAdapterOptions,
  OidcAdapterPayload,
} from './oidc.ts';
export { createOidcAdapter, MongooseOidcAdapter } from './oidc.ts';
export type { MongooseStores, MongooseStoresOptions } from './stores/index.ts';
export { createMongooseStores } from './stores/index.ts';
export type { Migration, MigrationReport } from './schema.ts';
export { checkSchema, MIGRATIONS, migrate, SCHEMA_VERSION, schemaVersion } from './schema.ts';
