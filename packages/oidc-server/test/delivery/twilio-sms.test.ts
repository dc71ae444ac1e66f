import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createTwilioSmsSender, SmsDeliveryError } from '../../src/delivery/index.ts';
import { type Received, reply, startServer } from './http-server.ts';

const accountSid = `AC${'0123456789abcdef'.repeat(2)}`;
const authToken = 'test-auth-token';
const message = { to: '+15555550123', body: 'Your code is 123456 & more' };
let server: Awaited<ReturnType<typeof startServer>> | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Answers like Twilio: checks path, Basic auth and form fields; 201 with a sid, or Twilio's error body. */
function twilio(request: Received, response: ServerResponse) {
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const form = new URLSearchParams(request.body);
  const send = (status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  if (request.path !== `/2010-04-01/Accounts/${accountSid}/Messages.json`)
    return send(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
  if (request.headers.authorization !== expectedAuth)
    return send(401, { code: 20003, message: 'Authenticate', status: 401 });
  if (request.headers['content-type'] !== 'application/x-www-form-urlencoded')
    return send(400, { code: 0, message: 'bad content type', status: 400 });
  if (!/^\+\d{8,15}$/.test(form.get('To') ?? ''))
    return send(400, { code: 21211, message: 'Invalid To', status: 400 });
  send(201, { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued', body: form.get('Body') });
}

describe('createTwilioSmsSender', () => {
  it('sends To, From and Body to the Messages API with Basic auth', async () => {
    server = await startServer([twilio]);
    await createTwilioSmsSender({
      accountSid,
      authToken,
      from: '+15555550100',
      baseUrl: `${server.url}/`,
    }).send(message);
    const form = new URLSearchParams(server.received[0]?.body);
    expect(Object.fromEntries(form)).toEqual({ To: message.to, From: '+15555550100', Body: message.body });
  });

  it('sends MessagingServiceSid instead of From when given', async () => {
    server = await startServer([twilio]);
    await createTwilioSmsSender({
      accountSid,
      authToken,
      messagingServiceSid: 'MG123',
      baseUrl: server.url,
    }).send(message);
    const form = new URLSearchParams(server.received[0]?.body);
    expect(form.get('MessagingServiceSid')).toBe('MG123');
    expect(form.has('From')).toBe(false);
  });

  it("carries Twilio's error code and message, without retrying a 400", async () => {
    server = await startServer([twilio]);
    const error = await createTwilioSmsSender({
      accountSid,
      authToken,
      from: '+15555550100',
      baseUrl: server.url,
    })
      .send({ to: 'not-a-number', body: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsDeliveryError);
    expect(error).toMatchObject({ code: 21211, status: 400, attempts: 1 });
    expect((error as Error).message).toBe(
      'Twilio SMS delivery failed after 1 attempt: Twilio error 21211: Invalid To (HTTP 400)',
    );
    expect(server.received).toHaveLength(1);
  });

  it('fails on a wrong auth token with code 20003', async () => {
    server = await startServer([twilio]);
    await expect(
      createTwilioSmsSender({
        accountSid,
        authToken: 'wrong',
        from: '+15555550100',
        baseUrl: server.url,
      }).send(message),
    ).rejects.toMatchObject({ code: 20003, status: 401 });
  });

  it('retries a 429 and a 500, then succeeds', async () => {
    server = await startServer([
      reply(429, { code: 20429, message: 'Too Many Requests' }, { 'retry-after': '0' }),
      reply(500, 'oops'),
      twilio,
    ]);
    await createTwilioSmsSender({ accountSid, authToken, from: '+15555550100', baseUrl: server.url }).send(
      message,
    );
    expect(server.received).toHaveLength(3);
  });

  it('rejects bad options, naming them', () => {
    expect(() => createTwilioSmsSender({ accountSid: 'nope', authToken, from: '+1' })).toThrow(
      'twilio.accountSid',
    );
    expect(() => createTwilioSmsSender({ accountSid, authToken })).toThrow(
      'twilio.from: give exactly one of from and messagingServiceSid',
    );
    expect(() =>
      createTwilioSmsSender({ accountSid, authToken, from: '+1', messagingServiceSid: 'MG1' }),
    ).toThrow('twilio.from');
    expect(() => createTwilioSmsSender({ accountSid, authToken: '', from: '+1' })).toThrow(
      'twilio.authToken',
    );
  });
});
