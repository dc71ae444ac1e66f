// An idle twostep IdP as production runs it: the built JavaScript of the packages (no TypeScript
// source condition, so no type stripping in the process), memory stores, listening on 127.0.0.1.
// Prints one JSON line {"rss","heapUsed","heapTotal","external"} (bytes) after two full GCs, then exits.
// Run by memory.ts after `pnpm build`:  node --expose-gc bench/idle-idp.mjs
import { randomBytes } from 'node:crypto';
import { createServer, get } from 'node:http';
import { createAesGcmSecretBox, createMemoryStores, outboxSmsSender } from '@twostep/core';
import { createIdp, generateCookieKey, generateSigningKey } from '@twostep/oidc-server';

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const idp = createIdp({
  issuer: `http://127.0.0.1:${server.address().port}`,
  stores: createMemoryStores(),
  secretBox: createAesGcmSecretBox([{ id: 'idle', key: new Uint8Array(randomBytes(32)) }]),
  hashKey: new Uint8Array(randomBytes(32)),
  smsSender: outboxSmsSender(),
  logger: { warn: () => {}, error: (message) => console.error(message) },
  jwks: { keys: [generateSigningKey('idle-rsa'), generateSigningKey('idle-ec', 'ES256')] },
  cookieKeys: [generateCookieKey()],
  clients: [
    {
      client_id: 'app',
      client_secret: 'x'.repeat(32),
      redirect_uris: ['http://127.0.0.1:9/cb'],
      firstParty: true,
    },
  ],
});
server.on('request', idp.app);
// One discovery request, as a health check would make: routes and oidc-provider are set up.
// (node:http, not fetch: fetch would load undici into this process, which a server does not.)
await new Promise((resolve, reject) =>
  get(`http://127.0.0.1:${server.address().port}/.well-known/openid-configuration`, (res) =>
    res.resume().on('end', resolve),
  ).on('error', reject),
);
await new Promise((resolve) => setTimeout(resolve, 200)); // the start-up dummy hash settles
globalThis.gc();
globalThis.gc();
const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
console.log(JSON.stringify({ rss, heapUsed, heapTotal, external }));
server.close();
process.exit(0);
