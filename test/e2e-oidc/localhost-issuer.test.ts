/**
 * `issuerHost: 'localhost'` (for WebAuthn in a browser): the issuer names localhost, the server
 * still listens on 127.0.0.1, and discovery answers under that issuer.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../helpers/idp.ts';

let idp: TestIdp;
beforeAll(async () => {
  idp = await startTestIdp({ issuerHost: 'localhost' });
});
afterAll(() => idp.close());

it('names localhost in the issuer and is reached on 127.0.0.1', async () => {
  const url = new URL(idp.issuer);
  expect(url.hostname).toBe('localhost');
  const response = await fetch(`http://127.0.0.1:${url.port}/.well-known/openid-configuration`);
  expect(response.status).toBe(200);
  expect(((await response.json()) as { issuer: string }).issuer).toBe(idp.issuer);
});
