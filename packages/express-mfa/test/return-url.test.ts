import { describe, expect, it } from 'vitest';
import { safeReturnTo } from '../src/index.ts';
import { parseWwwAuthenticate } from './helpers.ts';

describe('safeReturnTo', () => {
  it.each(['/', '/patients/42/chart?tab=notes', '/a#b', '/%5Cx', '/a//b'])('keeps %j', (value) => {
    expect(safeReturnTo(value)).toBe(value);
  });
  it.each([
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    'evil.example',
    '/\tevil',
    '/\nx',
    '/ x',
    '/\x7f',
    '',
    `/${'a'.repeat(3000)}`,
    undefined,
    42,
  ])('rejects %j', (value) => {
    expect(safeReturnTo(value)).toBeUndefined();
  });
  it('normalises dot segments without leaving the origin', () => {
    expect(safeReturnTo('/a/../../b')).toBe('/b');
    expect(safeReturnTo('/.//evil.example')).toBeUndefined();
  });
});

describe('the strict WWW-Authenticate parser (test helper)', () => {
  it('reads tokens, quoted-strings and escapes', () => {
    expect(parseWwwAuthenticate('Bearer realm="a \\"b\\" \\\\c", max_age=5, error=invalid_token')).toEqual([
      { scheme: 'Bearer', params: { realm: 'a "b" \\c', max_age: '5', error: 'invalid_token' } },
    ]);
    expect(parseWwwAuthenticate('Bearer realm="x", DPoP algs="ES256"')).toEqual([
      { scheme: 'Bearer', params: { realm: 'x' } },
      { scheme: 'DPoP', params: { algs: 'ES256' } },
    ]);
  });
  it.each([
    'Bearer realm="unterminated',
    'Bearer realm=a b',
    'Bearer realm="x",',
    'Bearer realm="x" error="y"',
    'Bearer realm="x", realm="y"',
    'Bearer =x',
    '',
  ])('rejects %j', (header) => {
    expect(() => parseWwwAuthenticate(header)).toThrow();
  });
});
