import { randomBytes } from 'node:crypto';
import {
  createAesGcmSecretBox,
  createMemoryStores,
  createTwostep,
  isTwostepError,
  outboxSmsSender,
  parseCoreConfig,
  TOTP,
} from '@twostep/core';
import { describe, expect, it } from 'vitest';

function configError(input: unknown): string {
  try {
    parseCoreConfig(input);
  } catch (error) {
    if (isTwostepError(error, 'invalid_config')) return error.message;
    throw error;
  }
  throw new Error('expected invalid_config');
}

describe('core config', () => {
  it('defaults equal the security parameters (README.md, docs/architecture.md)', () => {
    expect(parseCoreConfig()).toEqual({
      productName: 'twostep',
      // times staff read, for clinics without their own zone
      timeZone: 'UTC',
      // ±1 step; secret ≥ 160 bits
      totp: { window: 1, secretBytes: 20 },
      // 10 min, 5 tries, 60 s cooldown, daily quotas
      sms: {
        codeTtlSeconds: 600,
        maxFailures: 5,
        resendCooldownSeconds: 60,
        dailyPerNumber: 10,
        dailyPerClinic: 500,
      },
      // ≤ 30 days
      trustedDevices: { days: 30 },
      // back-off after 5, 30 s doubling to 1 h, hard lock after 100
      throttle: { freeFailures: 5, baseDelaySeconds: 30, maxDelaySeconds: 3600, hardLockAfter: 100 },
      // default 24 h, at most 7 days
      pause: { defaultHours: 24, maxHours: 168 },
    });
    expect(parseCoreConfig({})).toEqual(parseCoreConfig());
    // SHA-1, 6 digits, 30 s: constants, not settings.
    expect(TOTP).toEqual({ algorithm: 'sha1', digits: 6, period: 30 });
  });

  it('timeZone must be an IANA zone and phoneCountry a two-letter code with a numbering plan', () => {
    expect(parseCoreConfig({ timeZone: 'America/Toronto', phoneCountry: 'CA' })).toMatchObject({
      timeZone: 'America/Toronto',
      phoneCountry: 'CA',
    });
    expect(() => parseCoreConfig({ timeZone: 'Eastern' })).toThrow(/timeZone/);
    expect(() => parseCoreConfig({ phoneCountry: 'ca' })).toThrow(/phoneCountry/);
    expect(() => parseCoreConfig({ phoneCountry: 'XX' })).toThrow(/phoneCountry/);
  });

  it('overrides merge with the defaults', () => {
    const config = parseCoreConfig({ sms: { dailyPerClinic: 2000 }, pause: { defaultHours: 8 } });
    expect(config.sms).toMatchObject({ dailyPerClinic: 2000, dailyPerNumber: 10, codeTtlSeconds: 600 });
    expect(config.pause).toEqual({ defaultHours: 8, maxHours: 168 });
  });

  it.each([
    [{ trustedDevices: { days: 31 } }, 'trustedDevices.days'],
    [{ trustedDevices: { days: 0 } }, 'trustedDevices.days'],
    [{ totp: { window: 3 } }, 'totp.window'],
    [{ totp: { window: -1 } }, 'totp.window'],
    [{ totp: { secretBytes: 16 } }, 'totp.secretBytes'],
    [{ sms: { maxFailures: 0 } }, 'sms.maxFailures'],
    [{ sms: { maxFailures: 11 } }, 'sms.maxFailures'],
    [{ sms: { codeTtlSeconds: 3601 } }, 'sms.codeTtlSeconds'],
    [{ sms: { codeTtlSeconds: 1.5 } }, 'sms.codeTtlSeconds'],
    [{ sms: { dailyPerNumber: '10' } }, 'sms.dailyPerNumber'],
    [{ sms: { resendCooldownSeconds: -1 } }, 'sms.resendCooldownSeconds'],
    [{ throttle: { hardLockAfter: 101 } }, 'throttle.hardLockAfter'],
    [{ throttle: { baseDelaySeconds: 0 } }, 'throttle.baseDelaySeconds'],
    [{ pause: { maxHours: 169 } }, 'pause.maxHours'],
    [{ pause: { defaultHours: 48, maxHours: 24 } }, 'pause.defaultHours'],
    [{ productName: '' }, 'productName'],
    [{ productName: 'x'.repeat(65) }, 'productName'],
    [{ sms: { unknownKnob: 1 } }, 'sms'],
    [{ typo: true }, '(root)'],
    [null, '(root)'],
    ['nope', '(root)'],
  ])('%j → invalid_config naming %s', (input, path) => {
    const message = configError(input);
    expect(message).toContain(`${path}:`);
  });

  it('createTwostep validates config and the hash key at construction', () => {
    const base = {
      stores: createMemoryStores(),
      secretBox: createAesGcmSecretBox([{ id: 'k1', key: randomBytes(32) }]),
      smsSender: outboxSmsSender(),
      logger: { warn() {}, error() {} },
    };
    expect(() =>
      createTwostep({ ...base, hashKey: randomBytes(32), config: { throttle: { hardLockAfter: 500 } } }),
    ).toThrow(/throttle\.hardLockAfter/);
    let error: unknown;
    try {
      createTwostep({ ...base, hashKey: randomBytes(16) });
    } catch (e) {
      error = e;
    }
    expect(isTwostepError(error, 'invalid_config')).toBe(true);
    expect(String(error)).toContain('hashKey');
    expect(createTwostep({ ...base, hashKey: randomBytes(32) }).config).toEqual(parseCoreConfig());
  });

  it('warns when no notifier is configured', () => {
    const warnings: string[] = [];
    createTwostep({
      stores: createMemoryStores(),
      secretBox: createAesGcmSecretBox([{ id: 'k1', key: randomBytes(32) }]),
      smsSender: outboxSmsSender(),
      hashKey: randomBytes(32),
      logger: { warn: (m) => warnings.push(m), error() {} },
    });
    expect(warnings.join('\n')).toMatch(/notifier/);
  });
});
