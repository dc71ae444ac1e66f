/** The default acr ranking: phr (passkey) meets 2fa meets 1fa; a trusted-device 2fa does not meet phr. */
import { describe, expect, it } from 'vitest';
import { unmetRequirement } from '../src/claims.ts';
import { TWOSTEP_ACR_VALUES } from '../src/options.ts';

const env = { nowSeconds: 1_700_000_300, clockTolerance: 30, acrValues: TWOSTEP_ACR_VALUES };
const PHR = 'urn:twostep:loa:phr';
const TWO = 'urn:twostep:loa:2fa';
const ONE = 'urn:twostep:loa:1fa';

describe('default acr ranking', () => {
  it.each([
    [PHR, PHR, undefined],
    [PHR, TWO, undefined],
    [PHR, ONE, undefined],
    [TWO, PHR, 'acr'],
    [ONE, PHR, 'acr'],
    [TWO, TWO, undefined],
  ])('acr %s against requirement %s → %s', (acr, required, unmet) => {
    expect(unmetRequirement({ acr, auth_time: 1_700_000_000 }, { acr: required }, env)).toBe(unmet);
  });

  it('a trusted-device sign-in (2fa) does not meet phr', () => {
    const context = { acr: TWO, amr: ['pwd', 'trusted_device', 'mfa'], auth_time: 1_700_000_000 };
    expect(unmetRequirement(context, { acr: PHR }, env)).toBe('acr');
  });
});
