/**
 * The middleware's French pages (packages/express-mfa/src/messages.ts), which cannot use the IdP's
 * catalog or its typesetting: French typography and no English sentence left in them.
 */
import { describe, expect, it } from 'vitest';
import { pageTexts } from '../packages/express-mfa/src/messages.ts';
import { englishOn } from './helpers/english-sentences.ts';
import { typographyProblems } from './helpers/french-typography.ts';

type Texts = ReturnType<typeof pageTexts>;
const strings = (texts: Texts): string[] => [
  ...Object.values(texts.refusals).flatMap((r) => [r.title, r.message]),
  texts.back,
  texts.signOutTitle,
  texts.signOutBody,
  texts.stay,
  texts.signOut,
  texts.notConfirmedTitle,
  texts.notConfirmedBody,
];

describe("express-mfa's pages in French", () => {
  const french = strings(pageTexts('fr-CA'));

  it('are typeset: no-break spaces, typographic apostrophes and quotes', () => {
    expect(french.flatMap((text) => typographyProblems(text).map((p) => `${text}: ${p}`))).toEqual([]);
  });

  it('hold no English sentence, and every one is translated', () => {
    expect(french.flatMap(englishOn)).toEqual([]);
    const english = strings(pageTexts('en'));
    expect(french.filter((text, i) => text === english[i] && text.split(' ').length > 1)).toEqual([]);
  });
});
