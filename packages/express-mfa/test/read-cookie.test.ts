import { describe, expect, it } from 'vitest';
import { readCookie } from '../src/session.ts';

describe('readCookie', () => {
  it.each([
    ['twostep=abc', 'abc'],
    ['a=1; twostep=abc; b=2', 'abc'],
    ['a=1;twostep=abc', 'abc'],
    ['  twostep = abc  ;b=2', 'abc'],
    ['xtwostep=1; twostep-x=2; twostep=3', '3'],
    ['twostep=a.b=c.d', 'a.b=c.d'],
    ['flag; twostep=abc;', 'abc'],
    ['flag;;twostep=', ''],
    ['twostep=first; twostep=second', 'first'],
  ])('reads %j', (header, value) => {
    expect(readCookie(header, 'twostep')).toBe(value);
  });

  it.each([undefined, '', 'a=1; b=2', 'twostep', 'x=twostep=1', ';;;', 'twostepx=1'])(
    'finds nothing in %j',
    (header) => {
      expect(readCookie(header, 'twostep')).toBeUndefined();
    },
  );
});
