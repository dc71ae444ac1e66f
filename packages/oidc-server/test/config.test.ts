import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAesGcmSecretBox, createMemoryStores, outboxSmsSender } from '@twostep/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  createIdp,
  developmentKeys,
  generateCookieKey,
  generateSigningKey,
  type IdpOptions,
  parseIdpOptions,
} from '../src/index.ts';
import { escapeHtml, html } from '../src/pages/html.ts';

const quiet = { warn: () => {}, error: () => {} };

function options(overrides: Partial<IdpOptions> = {}): IdpOptions {
  return {
    issuer: 'http://127.0.0.1:4000',
    stores: createMemoryStores(),
    secretBox: createAesGcmSecretBox([{ id: 'k', key: new Uint8Array(32) }]),
    hashKey: new Uint8Array(32),
    smsSender: outboxSmsSender(),
    logger: quiet,
    jwks: { keys: [generateSigningKey('new'), generateSigningKey('old')] },
    cookieKeys: [generateCookieKey()],
    clients: [
      {
        client_id: 'app',
        client_secret: 's'.repeat(32),
        redirect_uris: ['http://127.0.0.1/cb'],
        firstParty: true,
      },
    ],
    ...overrides,
  };
}

describe('createIdp options', () => {
  it.each([
    [{ issuer: 'not a url' }, 'issuer'],
    [{ issuer: 'http://id.clinic.example' }, 'issuer: must be https'],
    [{ hashKey: new Uint8Array(8) }, 'hashKey'],
    [{ clients: [{ client_id: 'a', redirect_uris: ['http://x/cb'] }] }, 'clients[0].firstParty'],
    [
      { jwks: { keys: [generateSigningKey('a'), generateSigningKey('a')] } },
      'jwks.keys[1].kid: must be unique',
    ],
    [{ cookieKeys: ['short'] }, 'cookieKeys[0]'],
    [{ resourceServers: { 'https://api.test': { scope: '' } } }, 'resourceServers["https://api.test"].scope'],
    [{ passwordCost: { N: 1000, r: 8, p: 1 } }, 'passwordCost'],
    [{ passwordCost: { algorithm: 'argon2id', memoryKiB: 4, passes: 1, parallelism: 1 } }, 'passwordCost'],
    [{ passwordCost: { algorithm: 'argon2id', memoryKiB: 7168, passes: 0, parallelism: 1 } }, 'passwordCost'],
    [{ passwordHashing: { concurrency: 0 } }, 'passwordHashing.concurrency'],
    [{ passwordHashing: { queueTimeoutMs: 'soon' } }, 'passwordHashing.queueTimeoutMs'],
    [{ rateLimits: { passwordPerIp: 0 } }, 'rateLimits.passwordPerIp'],
    [{ storeTimeoutMs: 99 }, 'storeTimeoutMs: expected an integer from 100 to 60000'],
    [{ storeTimeoutMs: 60_001 }, 'storeTimeoutMs'],
    [{ storeTimeoutMs: 250.5 }, 'storeTimeoutMs'],
    [{ storeTimeoutMs: '5000' }, 'storeTimeoutMs'],
  ])('a wrong value throws naming its path (%#)', (override, path) => {
    expect(() => createIdp(options(override as Partial<IdpOptions>))).toThrow(path);
  });

  it('storeTimeoutMs: default 5000, bounds 100 and 60000 accepted', () => {
    expect(parseIdpOptions(options()).storeTimeoutMs).toBe(5000);
    expect(parseIdpOptions(options({ storeTimeoutMs: 100 })).storeTimeoutMs).toBe(100);
    expect(parseIdpOptions(options({ storeTimeoutMs: 60_000 })).storeTimeoutMs).toBe(60_000);
  });

  it('passwords: argon2id m=7168 KiB t=5 p=1 by default, at most one hash per core at once', () => {
    const parsed = parseIdpOptions(options());
    expect(parsed.passwordCost).toEqual({
      algorithm: 'argon2id',
      memoryKiB: 7168,
      passes: 5,
      parallelism: 1,
    });
    expect(parsed.passwordHashing).toEqual({
      concurrency: availableParallelism(),
      queueTimeoutMs: 10_000,
      maxQueued: 1000,
    });
    expect(
      parseIdpOptions(options({ passwordHashing: { concurrency: 3 } })).passwordHashing.concurrency,
    ).toBe(3);
  });

  it('publishes every signing key (public parts only) and signs with the first', async () => {
    const idp = createIdp(options());
    const res = await request(idp.app).get('/jwks');
    expect(res.status).toBe(200);
    const keys = res.body.keys as Record<string, unknown>[];
    expect(keys.map((k) => k.kid)).toEqual(['new', 'old']);
    expect(keys.some((k) => 'd' in k)).toBe(false);
  });

  it('warns when keys are generated for development', () => {
    const warnings: string[] = [];
    createIdp(
      options({
        jwks: undefined,
        cookieKeys: undefined,
        logger: { ...quiet, warn: (m) => warnings.push(m) },
      }),
    );
    expect(warnings.join('\n')).toMatch(/jwks[\s\S]*cookieKeys/);
  });

  it('developmentKeys persists keys with mode 0600 and reloads the same ones', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'twostep-')), 'keys.json');
    const first = developmentKeys(path, quiet);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = developmentKeys(path, quiet);
    expect(second.jwks).toEqual(first.jwks);
    expect(Buffer.from(second.hashKey)).toEqual(Buffer.from(first.hashKey));
    expect(second.secretBox.open(first.secretBox.seal('x', 'ctx'), 'ctx')).toBe('x');
    expect(JSON.parse(readFileSync(path, 'utf8')).cookieKeys).toEqual(first.cookieKeys);
  });
});

describe('templates', () => {
  it('escape every interpolated value', () => {
    expect(escapeHtml(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
    expect(html`<p>${'<script>alert(1)</script>'}</p>`.value).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>',
    );
  });
});
