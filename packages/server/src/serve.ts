/**
 * `twostep serve`: the IdP (sign-in, account page, admin console, provisioning API) from a
 * `ServeConfig`. `startServer` is the one place that opens the database, loads keys, builds the IdP
 * and listens (oidc-server's `startServer`: `/healthz`, `/readyz`, `/metrics`, JSON logs, graceful
 * shutdown); it returns what is needed to stop it again.
 */
import {
  createMemoryStores,
  isTwostepError,
  type Logger,
  type Notifier,
  type SmsSender,
  type Stores,
} from '@twostep/core';
import {
  type AdapterClass,
  coreLogger,
  createIdp,
  createLog,
  createMetrics,
  createSmtpNotifier,
  createTwilioSmsSender,
  createWebhookSmsSender,
  developmentKeys,
  type Idp,
  type IdpClient,
  type IdpOptions,
  IdpConfigError,
  type KeySet,
  KeySetError,
  loadKeySet,
  type ReloadingIdp,
  reloadingIdp,
  ListenError,
  type Log,
  type RunningServer as Listener,
  renderNotification,
  type ResourceServerOptions,
  type StoredClientMetadata,
  startServer as listen,
} from '@twostep/oidc-server';
import { CliError } from './cli.ts';
import { releaseStartupMemory } from './idle-memory.ts';
import type { EmailDelivery, ServeConfig, SmsDelivery } from './serve-config.ts';

export interface RunningServer {
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** null without `management.port`. */
  managementUrl: string | null;
  /** The IdP serving new requests (a new one after each key reload). */
  idp(): Idp;
  /** Reads the key set again (SIGHUP); on failure the running keys stay. Never says a key. */
  reloadKeys(): { ok: true } | { ok: false; error: string };
  log: Log;
  /**
   * The graceful shutdown: `/readyz` 503 at once, no new connections, requests in flight finish
   * (`shutdownGraceMs`), then the IdP and the database connection close.
   */
  close(): Promise<void>;
}

export async function startServer(config: ServeConfig, logger?: Logger): Promise<RunningServer> {
  const log = createLog({ level: config.log.level, pretty: config.log.format === 'pretty' });
  const metrics = createMetrics();
  const cleanups: (() => Promise<void> | void)[] = [];
  let server: Listener | undefined;
  const close = async () => {
    await server?.shutdown();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  logger ??= coreLogger(log);
  try {
    let stores: Stores;
    let adapter: AdapterClass | undefined;
    let storedClients: IdpOptions['storedClients'];
    if (config.store.kind === 'mongodb') {
      // mongoose and the MongoDB driver only when the store is MongoDB (about 20 MB of a process).
      const {
        connectMongo,
        createClientRegistry,
        createMongooseStores,
        createOidcAdapter,
        migrate,
        syncIndexes,
      } = await import('@twostep/store-mongoose');
      const { uri, database, ttlIndexes } = config.store;
      const connection = await connectMongo(uri, database ? { dbName: database } : {});
      cleanups.push(() => connection.close());
      // Refuses a schema newer than this version knows; brings an older (or new) database up to it.
      // Both idempotent: every process may run them at start.
      const schema = await migrate(connection, { ttlIndexes }).catch((error: unknown) => {
        throw isTwostepError(error) && error.code === 'invalid_config' ? new CliError(error.message) : error;
      });
      if (schema.applied.length > 0)
        log.info({ from: schema.from, to: schema.to }, 'database schema migrated');
      await syncIndexes(connection, { ttlIndexes });
      stores = createMongooseStores(connection, { ttlIndexes });
      adapter = createOidcAdapter(connection);
      // Apps registered in the database hear about sign-outs too (back-channel logout).
      const registry = createClientRegistry(connection);
      storedClients = async () =>
        (await registry.list()).flatMap(({ metadata, disabled }): StoredClientMetadata[] =>
          !disabled && typeof metadata.client_id === 'string'
            ? [{ client_id: metadata.client_id, backchannel_logout_uri: metadata.backchannel_logout_uri }]
            : [],
        );
    } else {
      stores = createMemoryStores();
    }

    const notifier = createNotifier(config.email, logger);
    if ('close' in notifier) cleanups.push(() => (notifier as { close(): void }).close());

    const smsSender = createSmsSender(config.sms, logger);
    // Built again with the new keys on each reload (docs/keys.md); stores and adapter are shared.
    const build = (keys: Keys): Idp =>
      createIdp({
        issuer: config.issuer,
        stores,
        secretBox: keys.secretBox,
        hashKey: keys.hashKey,
        jwks: keys.jwks,
        cookieKeys: keys.cookieKeys,
        smsSender,
        notifier,
        logger,
        log,
        metrics,
        clients: config.clients as IdpClient[],
        resourceServers: config.resourceServers as Record<string, ResourceServerOptions>,
        ...(adapter ? { adapter } : {}),
        ...(storedClients ? { storedClients } : {}),
        ...(config.trustProxy === false ? {} : { trustProxy: config.trustProxy }),
        ...(config.siteName ? { siteName: config.siteName } : {}),
        ...(config.defaultLocale ? { defaultLocale: config.defaultLocale } : {}),
        ...(config.supportContact ? { supportContact: config.supportContact } : {}),
        core: config.region,
        ...(config.storeTimeoutMs ? { storeTimeoutMs: config.storeTimeoutMs } : {}),
        passwordHashing: {
          ...(config.passwords.hashConcurrency ? { concurrency: config.passwords.hashConcurrency } : {}),
          ...(config.passwords.queueTimeoutMs ? { queueTimeoutMs: config.passwords.queueTimeoutMs } : {}),
        },
      });
    let idp: ReloadingIdp;
    try {
      idp = reloadingIdp(() => loadKeys(config, logger), build);
    } catch (error) {
      // e.g. `clients[0].redirect_uris: expected at least one URI`: a setting from the config file.
      if (error instanceof IdpConfigError)
        throw new CliError(error.message.replace('invalid oidc-server config: ', ''));
      if (error instanceof KeySetError) throw new CliError(error.message);
      throw error;
    }
    cleanups.push(() => idp.close());

    server = await listen({
      port: config.port,
      host: config.host,
      management: config.management,
      // Production: metrics only on the management port (not on the public one); --dev: anywhere.
      metricsOnMainPort: config.dev && !config.management,
      log,
      metrics,
      ...(config.shutdownGraceMs === undefined ? {} : { graceMs: config.shutdownGraceMs }),
    }).catch((error: unknown) => {
      if (!(error instanceof ListenError)) throw error;
      const key =
        error.port === config.port
          ? 'listen.port (TWOSTEP_LISTEN_PORT)'
          : 'management.port (TWOSTEP_MANAGEMENT_PORT)';
      throw new CliError(`${error.message}: stop what uses it, or set ${key}`);
    });
    server.serve(idp.handler, idp.readiness);
    const hostShown = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${hostShown}:${server.port}`;
    const managementUrl =
      server.managementPort === null
        ? null
        : `http://${config.management!.host.includes(':') ? `[${config.management!.host}]` : config.management!.host}:${server.managementPort}`;
    if (!managementUrl && !config.dev)
      log.info('no management.port: /healthz and /readyz on the main port, /metrics off');
    const reloadKeys = () => {
      const result = idp.reload();
      metrics.keyReloads.inc({ outcome: result.ok ? 'ok' : 'failed' });
      metrics.keyReloadFailing.set(result.ok ? 0 : 1);
      return result;
    };
    releaseStartupMemory();
    return { url, managementUrl, idp: idp.current, reloadKeys, log, close };
  } catch (error) {
    await close();
    throw error;
  }
}

type Keys = Pick<KeySet, 'jwks' | 'cookieKeys' | 'secretBox'> & { hashKey: KeySet['hashKey'] | Uint8Array };

function loadKeys(config: ServeConfig, logger: Logger): Keys {
  if (config.keys.kind === 'devFile') return developmentKeys(config.keys.file, logger);
  return loadKeySet(config.keys.source);
}

function createSmsSender(delivery: SmsDelivery, logger: Logger): SmsSender {
  if (delivery.kind === 'twilio') return createTwilioSmsSender(delivery.twilio!);
  if (delivery.kind === 'webhook') return createWebhookSmsSender(delivery.webhook!);
  return {
    async send(message) {
      logger.warn(`sms.delivery log: text message to ${message.to}: ${message.body}`);
    },
  };
}

function createNotifier(delivery: EmailDelivery, logger: Logger): Notifier {
  if (delivery.kind === 'smtp') return createSmtpNotifier(delivery.smtp!);
  return {
    async notify(notification) {
      const { subject, text } = renderNotification(notification);
      logger.warn(`email.delivery log: email to ${notification.to.email}: ${subject}\n${text}`);
    },
  };
}
