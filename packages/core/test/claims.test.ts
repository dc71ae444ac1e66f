import { ACR, acrSatisfies, claimsFor, type SignInMethod } from '@twostep/core';
import { describe, expect, it } from 'vitest';

describe('claims (docs/architecture.md, "Claims")', () => {
  it.each([
    ['password', 'urn:twostep:loa:1fa', ['pwd']],
    ['totp', 'urn:twostep:loa:2fa', ['pwd', 'otp', 'mfa']],
    ['sms', 'urn:twostep:loa:2fa', ['pwd', 'sms', 'mfa']],
    ['recovery', 'urn:twostep:loa:2fa', ['pwd', 'recovery', 'mfa']],
    ['trusted_device', 'urn:twostep:loa:2fa', ['pwd', 'trusted_device', 'mfa']],
    ['passkey', 'urn:twostep:loa:phr', ['pwd', 'hwk', 'user', 'mfa']],
    ['synced_passkey', 'urn:twostep:loa:phr', ['pwd', 'swk', 'user', 'mfa']],
    ['passwordless_passkey', 'urn:twostep:loa:phr', ['hwk', 'user', 'mfa']],
    ['passwordless_synced_passkey', 'urn:twostep:loa:phr', ['swk', 'user', 'mfa']],
  ] as [SignInMethod, string, string[]][])('%s → acr %s, amr %j', (method, acr, amr) => {
    expect(claimsFor(method)).toEqual({ acr, amr });
  });

  it('returns a fresh amr array each time (callers cannot corrupt the table)', () => {
    claimsFor('totp').amr.push('evil');
    expect(claimsFor('totp').amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('ACR constants', () => {
    expect(ACR).toEqual({
      oneFactor: 'urn:twostep:loa:1fa',
      twoFactor: 'urn:twostep:loa:2fa',
      phishingResistant: 'urn:twostep:loa:phr',
    });
  });

  it('acrSatisfies: phr meets 2fa meets 1fa; neither 2fa nor a trusted device meets phr', () => {
    expect(acrSatisfies(ACR.phishingResistant, ACR.phishingResistant)).toBe(true);
    expect(acrSatisfies(ACR.phishingResistant, ACR.twoFactor)).toBe(true);
    expect(acrSatisfies(ACR.phishingResistant, ACR.oneFactor)).toBe(true);
    expect(acrSatisfies(ACR.twoFactor, ACR.phishingResistant)).toBe(false);
    expect(acrSatisfies(ACR.oneFactor, ACR.phishingResistant)).toBe(false);
    expect(acrSatisfies(claimsFor('trusted_device').acr, ACR.phishingResistant)).toBe(false);
    expect(acrSatisfies('urn:twostep:loa:PHR', ACR.oneFactor)).toBe(false);
  });

  it('acrSatisfies: 2fa meets 1fa and 2fa; 1fa meets only 1fa; unknown meets nothing', () => {
    expect(acrSatisfies(ACR.twoFactor, ACR.twoFactor)).toBe(true);
    expect(acrSatisfies(ACR.twoFactor, ACR.oneFactor)).toBe(true);
    expect(acrSatisfies(ACR.oneFactor, ACR.oneFactor)).toBe(true);
    expect(acrSatisfies(ACR.oneFactor, ACR.twoFactor)).toBe(false);
    expect(acrSatisfies(undefined, ACR.oneFactor)).toBe(false);
    expect(acrSatisfies('urn:other:loa:3', ACR.oneFactor)).toBe(false);
    expect(acrSatisfies('', '')).toBe(false);
    // An unknown requirement (a typo such as loa:2FA) is met by nothing: fail closed.
    expect(acrSatisfies(ACR.oneFactor, 'urn:unknown')).toBe(false);
    expect(acrSatisfies(ACR.twoFactor, 'urn:twostep:loa:2FA')).toBe(false);
  });
});
