/**
 * `twostep serve`: the IdP (sign-in, account page, admin console, provisioning API) from a
 * `ServeConfig`. `startServer` is the one place that opens the database, loads keys, builds the IdP
 * and listens; it returns what is needed to stop it again.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  consoleLogger,
  createMemoryStores,
  type Logger,
  type Notifier,
  type SmsSender,
  type Stores,
} from '@twostep/core';
import {
  type AdapterClass,
  createIdp,
  createSmtpNotifier,
  createTwilioSmsSender,
  createWebhookSmsSender,
  developmentKeys,
  type DevelopmentKeys,
  type Idp,
  type IdpClient,
  IdpConfigError,
  renderNotification,
  type ResourceServerOptions,
} from '@twostep/oidc-server';
import { connectMongo, createMongooseStores, createOidcAdapter, syncIndexes } from '@twostep/store-mongoose';
import { CliError } from './cli.ts';
import type { EmailDelivery, ServeConfig, SmsDelivery } from './serve-config.ts';

export interface RunningServer {
  /** Where it listens, e.g. `http://127.0.0.1:8080`. */
  url: string;
  idp: Idp;
  server: Server;
  /** Stops listening (open connections too), then closes the database. */
  close(): Promise<void>;
}

export async function startServer(
  config: ServeConfig,
  logger: Logger = consoleLogger,
): Promise<RunningServer> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    let stores: Stores;
    let adapter: AdapterClass | undefined;
    if (config.store.kind === 'mongodb') {
      const { uri, database, ttlIndexes } = config.store;
      const connection = await connectMongo(uri, database ? { dbName: database } : {});
      cleanups.push(() => connection.close());
      // Idempotent; every process may run it at start.
      await syncIndexes(connection, { ttlIndexes });
      stores = createMongooseStores(connection, { ttlIndexes });
      adapter = createOidcAdapter(connection);
    } else {
      stores = createMemoryStores();
    }

    const keys = loadKeys(config, logger);
    const notifier = createNotifier(config.email, logger);
    if ('close' in notifier) cleanups.push(() => (notifier as { close(): void }).close());

    let idp: Idp;
    try {
      idp = createIdp({
        issuer: config.issuer,
        stores,
        secretBox: keys.secretBox,
        hashKey: keys.hashKey,
        jwks: keys.jwks,
        cookieKeys: keys.cookieKeys,
        smsSender: createSmsSender(config.sms, logger),
        notifier,
        logger,
        clients: config.clients as IdpClient[],
        resourceServers: config.resourceServers as Record<string, ResourceServerOptions>,
        ...(adapter ? { adapter } : {}),
        ...(config.trustProxy === false ? {} : { trustProxy: config.trustProxy }),
        ...(config.siteName ? { siteName: config.siteName } : {}),
        ...(config.storeTimeoutMs ? { storeTimeoutMs: config.storeTimeoutMs } : {}),
      });
    } catch (error) {
      // e.g. `clients[0].redirect_uris: expected at least one URI`: a setting from the config file.
      if (error instanceof IdpConfigError)
        throw new CliError(error.message.replace('invalid oidc-server config: ', ''));
      throw error;
    }
    cleanups.push(() => idp.close());

    const { server, url } = await listen(idp.app, config.host, config.port);
    cleanups.push(() => stopListening(server));
    return { url, idp, server, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Binds `host:port`; a port in use is a clear error, not a stack trace. */
async function listen(
  app: (req: never, res: never) => void,
  host: string,
  port: number,
): Promise<{ server: Server; url: string }> {
  const server = createServer(app as Parameters<typeof createServer>[0] & object);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new CliError(
              `cannot listen on ${host}:${port} (${error.code}): stop what uses it, or set listen.port (TWOSTEP_LISTEN_PORT)`,
            )
          : error,
      );
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${shown}:${address.port}` };
}

async function stopListening(server: Server): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function loadKeys(config: ServeConfig, logger: Logger): DevelopmentKeys {
  if (config.keys.kind === 'devFile') return developmentKeys(config.keys.file, logger);
  throw new CliError(
    `keys.dir (TWOSTEP_KEYS_DIR): loading a key set from ${config.keys.dir} is not available in this version yet; run with --dev meanwhile`,
  );
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
