import { afterEach, describe, expect, it } from 'vitest';
import {
  createWebhookSmsSender,
  SmsDeliveryError,
  signWebhookBody,
  verifyWebhookSignature,
} from '../../src/delivery/index.ts';
import { closedPort, hang, reply, startServer } from './http-server.ts';

const secret = 'whsec_0123456789abcdef0123456789abcdef';
const message = { to: '+15555550123', body: 'Your code is 123456' };
let server: Awaited<ReturnType<typeof startServer>> | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('createWebhookSmsSender', () => {
  it('POSTs signed JSON that the receiver can verify', async () => {
    server = await startServer([reply(204)]);
    const before = Date.now();
    await createWebhookSmsSender({ url: `${server.url}/sms`, secret, keyId: 'k1' }).send(message);
    const after = Date.now();
    const [request] = server.received;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/sms');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['x-twostep-key-id']).toBe('k1');
    const body = JSON.parse(request?.body ?? '');
    expect(body).toMatchObject(message);
    expect(body.id).toBe(request?.headers['x-twostep-id']);
    // Stamped during the send (ISO time has millisecond resolution, as Date.now()).
    expect(Date.parse(body.sentAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(body.sentAt)).toBeLessThanOrEqual(after);
    const header = String(request?.headers['x-twostep-signature']);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, header, request?.body ?? '')).toMatchObject({ ok: true });
    expect(verifyWebhookSignature(secret, header, Buffer.from(request?.body ?? ''))).toMatchObject({
      ok: true,
    });
  });

  it('retries after a 503 with the same id and a fresh signature', async () => {
    server = await startServer([reply(503), reply(200, { ok: true })]);
    await createWebhookSmsSender({ url: server.url, secret }).send(message);
    expect(server.received).toHaveLength(2);
    const [first, second] = server.received;
    expect(second?.headers['x-twostep-id']).toBe(first?.headers['x-twostep-id']);
    expect(second?.body).toBe(first?.body);
    expect(
      verifyWebhookSignature(secret, String(second?.headers['x-twostep-signature']), second?.body ?? '').ok,
    ).toBe(true);
  });

  it('does not retry a 400 and says what failed', async () => {
    server = await startServer([reply(400, { error: 'bad number' })]);
    const error = await createWebhookSmsSender({ url: server.url, secret })
      .send(message)
      .catch((e: unknown) => e);
    expect(server.received).toHaveLength(1);
    expect(error).toBeInstanceOf(SmsDeliveryError);
    expect((error as SmsDeliveryError).status).toBe(400);
    expect((error as Error).message).toMatch(
      /SMS webhook delivery failed after 1 attempt: HTTP 400 .*bad number/,
    );
  });

  it('gives up after the retries with a clear error', async () => {
    server = await startServer([reply(500)]);
    await expect(
      createWebhookSmsSender({ url: server.url, secret, retries: 1 }).send(message),
    ).rejects.toThrow('SMS webhook delivery failed after 2 attempts: HTTP 500');
    expect(server.received).toHaveLength(2);
  });

  it('times out a receiver that does not answer', async () => {
    server = await startServer([hang]);
    // The message says the 200 ms timeout ended the attempt (no stopwatch: it flakes on a busy machine).
    await expect(
      createWebhookSmsSender({ url: server.url, secret, timeoutMs: 200, retries: 0 }).send(message),
    ).rejects.toThrow('SMS webhook delivery failed after 1 attempt: no answer within 200 ms');
  });

  it('retries a network error, then fails', async () => {
    const port = await closedPort();
    const error = await createWebhookSmsSender({ url: `http://127.0.0.1:${port}`, secret, retries: 1 })
      .send(message)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsDeliveryError);
    expect((error as SmsDeliveryError).attempts).toBe(2);
    expect((error as Error).message).toMatch(/network error: .*ECONNREFUSED/);
  });

  it('honours Retry-After on a 429', async () => {
    server = await startServer([reply(429, '', { 'retry-after': '1' }), reply(200)]);
    await createWebhookSmsSender({ url: server.url, secret }).send(message);
    const [first, second] = server.received;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('stops when Retry-After is beyond the cap', async () => {
    server = await startServer([reply(503, '', { 'retry-after': '3600' }), reply(200)]);
    await expect(createWebhookSmsSender({ url: server.url, secret }).send(message)).rejects.toThrow(
      /HTTP 503 \(asked to retry after 3600 s/,
    );
    expect(server.received).toHaveLength(1);
  });

  it('rejects bad options, naming them', () => {
    expect(() => createWebhookSmsSender({ url: 'ftp://x', secret })).toThrow('smsWebhook.url');
    expect(() => createWebhookSmsSender({ url: 'https://x.example', secret: 'short' })).toThrow(
      'smsWebhook.secret: must be at least 32 characters',
    );
    expect(() => createWebhookSmsSender({ url: 'https://x.example', secret, retries: -1 })).toThrow(
      'smsWebhook.retries',
    );
  });
});

describe('verifyWebhookSignature', () => {
  const body = '{"to":"+15555550123","body":"Your code is 123456"}';
  const now = new Date('2026-03-01T12:00:00Z');
  const t = Math.floor(now.getTime() / 1000);
  const header = signWebhookBody(secret, t, body);

  it('accepts a fresh, matching signature', () => {
    expect(verifyWebhookSignature(secret, header, body, { now })).toEqual({ ok: true, timestamp: t });
  });

  it('rejects a tampered body, a tampered timestamp and a wrong secret', () => {
    expect(verifyWebhookSignature(secret, header, body.replace('123456', '654321'), { now })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyWebhookSignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, { now }).ok).toBe(
      false,
    );
    expect(verifyWebhookSignature(`${secret}x`, header, body, { now })).toMatchObject({ reason: 'mismatch' });
  });

  it('rejects an old (replayed) or far-future timestamp', () => {
    const later = new Date(now.getTime() + 301_000);
    expect(verifyWebhookSignature(secret, header, body, { now: later })).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifyWebhookSignature(secret, header, body, { now: later, toleranceSeconds: 600 }).ok).toBe(true);
    const earlier = new Date(now.getTime() - 301_000);
    expect(verifyWebhookSignature(secret, header, body, { now: earlier }).ok).toBe(false);
  });

  it('rejects malformed headers', () => {
    for (const bad of [
      undefined,
      null,
      '',
      't=abc,v1=00',
      `v1=${'0'.repeat(64)}`,
      `t=${t}`,
      `t=${t},v1=xyz`,
    ]) {
      expect(verifyWebhookSignature(secret, bad, body, { now })).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('accepts any of several secrets during a rotation', () => {
    expect(verifyWebhookSignature(['old-secret', secret], header, body, { now }).ok).toBe(true);
  });
});
