/**
 * A TCP relay to the MongoDB server of a URI, on 127.0.0.1: tests connect through `uri` and then
 * take the database away. `down()` resets every relayed connection (RST, as when the server's host
 * goes away) and refuses new ones; `hang()` keeps connections open but forwards nothing (a database
 * that stops answering); `up()` relays again (connections that hung are reset: the driver reconnects);
 * `cut()` is `down()` for good (the port closes).
 *
 * (With a plain FIN instead of RST, a query the driver sent at that very moment sometimes never
 * settled, even past socketTimeoutMS.)
 */
import { type AddressInfo, createServer, connect as tcpConnect, type Socket } from 'node:net';

export interface TcpRelay {
  uri: string;
  down(): void;
  hang(): void;
  up(): void;
  /** Closes the listening port and every relayed connection: the database is unreachable. */
  cut(): Promise<void>;
}

export async function startTcpRelay(mongoUri: string): Promise<TcpRelay> {
  const upstream = new URL(mongoUri);
  const sockets = new Set<Socket>();
  let state: 'up' | 'down' | 'hang' = 'up';
  const server = createServer((client) => {
    if (state === 'down') {
      client.resetAndDestroy();
      return;
    }
    client.on('error', () => undefined);
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (state === 'hang') {
      client.pause();
      return;
    }
    const backend = tcpConnect(Number(upstream.port || 27017), upstream.hostname);
    sockets.add(backend);
    backend.on('close', () => sockets.delete(backend));
    backend.on('error', () => undefined);
    client.pipe(backend).pipe(client);
    client.on('close', () => backend.destroy());
    backend.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const uri = new URL(mongoUri);
  uri.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const down = () => {
    state = 'down';
    for (const s of sockets) s.resetAndDestroy();
  };
  return {
    uri: uri.href,
    down,
    hang() {
      state = 'hang';
      for (const s of sockets) {
        s.unpipe();
        s.pause();
      }
    },
    up() {
      if (state === 'hang') for (const s of sockets) s.resetAndDestroy();
      state = 'up';
    },
    async cut() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      down();
      await closed;
    },
  };
}
