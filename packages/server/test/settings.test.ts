/**
 * `twostep serve` refuses an unsafe or wrong configuration before it touches anything: one line per
 * problem naming the setting, exit code 1. And `--print-config` shows what it would run with.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { twostep } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'twostep-settings-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** A production configuration with nothing wrong in it (the rows each break one thing). */
const production: Record<string, string> = {
  TWOSTEP_ISSUER: 'https://id.clinic.example',
  TWOSTEP_MONGODB_URI: 'mongodb://127.0.0.1:1/twostep',
  TWOSTEP_KEYS_DIR: join(dir, 'keys'),
  TWOSTEP_SMS_DELIVERY: 'log',
  TWOSTEP_EMAIL_DELIVERY: 'log',
};
const without = (name: string) => Object.fromEntries(Object.entries(production).filter(([k]) => k !== name));

const refusals: { why: string; env: Record<string, string>; args?: string[]; says: string; code?: number }[] =
  [
    {
      why: 'missing keys',
      env: without('TWOSTEP_KEYS_DIR'),
      says: 'keys.dir (TWOSTEP_KEYS_DIR): required: the directory of the key set; create one with `twostep keys init --dir DIR`',
    },
    {
      why: 'development keys in production',
      env: { ...without('TWOSTEP_KEYS_DIR'), TWOSTEP_KEYS_DEV_FILE: join(dir, 'dev.json') },
      says: 'keys.dir (TWOSTEP_KEYS_DIR): required in production (keys.devFile is for --dev only)',
    },
    {
      why: 'http issuer',
      env: { ...production, TWOSTEP_ISSUER: 'http://id.clinic.example' },
      says: 'issuer (TWOSTEP_ISSUER): http://id.clinic.example is not https; production needs https',
    },
    {
      why: 'no issuer',
      env: without('TWOSTEP_ISSUER'),
      says: 'issuer (TWOSTEP_ISSUER): required',
    },
    {
      why: 'in-memory store in production',
      env: { ...without('TWOSTEP_MONGODB_URI'), TWOSTEP_STORE: 'memory' },
      says: 'store (TWOSTEP_STORE): memory keeps everything in this one process',
    },
    {
      why: 'no database',
      env: without('TWOSTEP_MONGODB_URI'),
      says: 'mongodb.uri (TWOSTEP_MONGODB_URI): required',
    },
    {
      why: 'no SMS delivery',
      env: without('TWOSTEP_SMS_DELIVERY'),
      says: 'sms.delivery (TWOSTEP_SMS_DELIVERY): required: twilio or webhook',
    },
    {
      why: 'no email delivery',
      env: without('TWOSTEP_EMAIL_DELIVERY'),
      says: 'email.delivery (TWOSTEP_EMAIL_DELIVERY): required: smtp',
    },
    {
      why: 'twilio without its credentials',
      env: {
        ...production,
        TWOSTEP_SMS_DELIVERY: 'twilio',
        TWOSTEP_SMS_TWILIO_ACCOUNT_SID: 'AC1',
        TWOSTEP_SMS_TWILIO_FROM: '+15550100',
      },
      says: 'sms.twilio.authToken (TWOSTEP_SMS_TWILIO_AUTH_TOKEN): required with sms.delivery twilio',
    },
    {
      why: 'unknown setting (environment)',
      env: { ...production, TWOSTEP_ISUER: 'https://id.clinic.example' },
      says: 'TWOSTEP_ISUER: unknown setting',
    },
    {
      why: 'unknown setting (config file)',
      env: production,
      args: ['--config', file('typo.yaml', 'trust_proxy: 1\n')],
      says: 'typo.yaml: unknown setting "trust_proxy"',
    },
    {
      why: 'unknown setting (flag)',
      env: production,
      args: ['--issuer-url', 'https://x.example'],
      says: "twostep: Unknown option '--issuer-url'",
      code: 2, // a usage error: the usage follows
    },
    {
      why: 'bad value: port',
      env: { ...production, TWOSTEP_LISTEN_PORT: 'eighty' },
      says: 'listen.port (TWOSTEP_LISTEN_PORT): "eighty": expected a whole number from 0 to 65535',
    },
    {
      why: 'no password check at all',
      env: { ...production, TWOSTEP_PASSWORDS_HASH_CONCURRENCY: '0' },
      says: 'passwords.hashConcurrency (TWOSTEP_PASSWORDS_HASH_CONCURRENCY): "0": expected a whole number from 1 to 256',
    },
    {
      why: 'bad value: trustProxy true',
      env: { ...production, TWOSTEP_TRUST_PROXY: 'true' },
      says: 'trustProxy (TWOSTEP_TRUST_PROXY): "true": expected false, a number of proxy hops',
    },
    {
      why: 'bad value: trustProxy CIDR',
      env: production,
      args: ['--config', file('cidr.json', '{"trustProxy": ["10.0.0.0/33"]}')],
      says: 'trustProxy (TWOSTEP_TRUST_PROXY) in',
    },
    {
      why: 'bad value: delivery',
      env: { ...production, TWOSTEP_EMAIL_DELIVERY: 'sendmail' },
      says: 'email.delivery (TWOSTEP_EMAIL_DELIVERY): "sendmail": expected one of: smtp, log',
    },
    {
      why: 'bad value, even with --dev',
      env: { TWOSTEP_STORE: 'postgres' },
      args: ['--dev'],
      says: 'store (TWOSTEP_STORE): "postgres": expected one of: mongodb, memory',
    },
    {
      why: 'a config file that is not YAML',
      env: production,
      args: ['--config', file('broken.yaml', 'issuer: [unclosed\n')],
      says: 'broken.yaml: not valid YAML or JSON',
    },
  ];

describe('twostep serve refuses to start', { timeout: 120_000 }, () => {
  it.each(refusals)('$why', async ({ env, args = [], says, code = 1 }) => {
    const run = await twostep(['serve', ...args], env);
    expect(run.code).toBe(code);
    const lines = run.stderr.trim().split('\n\n')[0]!.split('\n');
    // One problem, one line, naming the setting.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(says);
    expect(lines[0]!.startsWith('twostep: ')).toBe(true);
  });

  it('lists every problem at once', async () => {
    const run = await twostep(['serve'], {});
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines.map((l) => l.split(':')[1]!.trim())).toEqual([
      'issuer (TWOSTEP_ISSUER)',
      'mongodb.uri (TWOSTEP_MONGODB_URI)',
      'keys.dir (TWOSTEP_KEYS_DIR)',
      'sms.delivery (TWOSTEP_SMS_DELIVERY)',
      'email.delivery (TWOSTEP_EMAIL_DELIVERY)',
    ]);
  });
});

describe('twostep serve --print-config', { timeout: 60_000 }, () => {
  it('flags over environment over file over defaults; secrets redacted', async () => {
    const config = file(
      'full.yaml',
      [
        'issuer: https://file.clinic.example',
        'listen: { port: 9000, host: 0.0.0.0 }',
        'trustProxy: [127.0.0.1, 10.0.0.0/8]',
        'mongodb: { uri: "mongodb://twostep:db-password@db.internal/twostep" }',
        'sms:',
        '  delivery: webhook',
        '  webhook: { url: "https://sms.clinic.example/send", secret: "webhook-secret-webhook-secret-webhook" }',
        'clients:',
        '  - { client_id: charts, client_secret: charts-secret, redirect_uris: ["https://charts.example/cb"], firstParty: true }',
      ].join('\n'),
    );
    const run = await twostep(['serve', '--print-config', '--config', config, '--listen-port', '9100'], {
      TWOSTEP_ISSUER: 'https://env.clinic.example',
      TWOSTEP_LISTEN_PORT: '9050',
    });
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toContain('issuer: "https://env.clinic.example"    # env');
    expect(out).toContain('listen.port: 9100    # flag');
    expect(out).toContain('listen.host: "0.0.0.0"    # file');
    expect(out).toContain('trustProxy: "127.0.0.1,10.0.0.0/8"    # file');
    expect(out).toContain('mongodb.uri: "mongodb://twostep:***@db.internal/twostep"');
    expect(out).toContain('sms.webhook.secret: "(secret, redacted)"');
    expect(out).toContain('"client_secret":"(secret, redacted)"');
    for (const secret of ['db-password', 'webhook-secret', 'charts-secret'])
      expect(out).not.toContain(secret);
  });
});
