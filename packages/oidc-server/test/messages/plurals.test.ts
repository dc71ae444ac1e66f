/** Counts through ICU plural rules, in each language (no "1 minutes", no choosing between two keys). */
import { describe, expect, it } from 'vitest';
import { t, withLocale } from '../../src/messages/index.ts';

const say = (locale: string, minutes: number) =>
  withLocale(locale, () => t('code.stepUp.minutes', { minutes })).replace(/\s+/gu, ' ');

describe('plurals', () => {
  it('the step-up reason: one minute, or several', () => {
    expect(say('en', 1)).toBe('For your security, this needs a code entered in the last minute.');
    expect(say('en', 10)).toBe('For your security, this needs a code entered in the last 10 minutes.');
    expect(say('fr-CA', 1)).toBe(
      'Pour votre sécurité, cette page demande un code entré dans la dernière minute.',
    );
    expect(say('fr-CA', 20)).toBe(
      'Pour votre sécurité, cette page demande un code entré dans les 20 dernières minutes.',
    );
  });

  it('staff counts, with the number written as each language writes it', () => {
    const enforced = (locale: string, count: number) =>
      withLocale(locale, () => t('admin.readiness.enforced', { count })).replace(/\s+/gu, ' ');
    expect(enforced('en', 1)).toMatch(/^1 staff member will/);
    expect(enforced('en', 1501)).toMatch(/^1,501 staff members will/);
    expect(enforced('fr-CA', 1501)).toMatch(/^1 501 /);
  });
});
