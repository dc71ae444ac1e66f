import { ACR, acrSatisfies, claimsFor, type SignInMethod } from '@twostep/core';
import { describe, expect, it } from 'vitest';

describe('claims (docs/architecture.md, "Claims")', () => {
  it.each([
    ['password', 'urn:twostep:loa:1fa', ['pwd']],
    ['totp', 'urn:twostep:loa:2fa', ['pwd', 'otp', 'mfa']],
    ['sms', 'urn:twostep:loa:2fa', ['pwd', 'sms', 'mfa']],
    ['recovery', 'urn:twostep:loa:2fa', ['pwd', 'recovery', 'mfa']],
    ['trusted_device', 'urn:twostep:loa:2fa', ['pwd', 'trusted_device', 'mfa']],
  ] as [SignInMethod, string, string[]][])('%s → acr %s, amr %j', (method, acr, amr) => {
    expect(claimsFor(method)).toEqual({ acr, amr });
  });

  it('returns a fresh amr array each time (callers cannot corrupt the table)', () => {
    claimsFor('totp').amr.push('evil');
    expect(claimsFor('totp').amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('ACR constants', () => {
    expect(ACR).toEqual({ oneFactor: 'urn:twostep:loa:1fa', twoFactor: 'urn:twostep:loa:2fa' });
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
