/**
 * The English a French page must not show (issue 18): every run of four words or more in the
 * English catalogs — pages, emails, the middleware's pages — minus the runs the French catalogs
 * have word for word too. `englishOn(text)` lists the ones a page's text contains.
 */
import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';
import { messagesEn } from '../../packages/oidc-server/src/delivery/messages.ts';
import { messagesFrCa } from '../../packages/oidc-server/src/delivery/messages-fr-CA.ts';
import { en } from '../../packages/oidc-server/src/messages/en.ts';
import { frCA } from '../../packages/oidc-server/src/messages/fr-CA.ts';
import { pageTexts } from '../../packages/express-mfa/src/messages.ts';

/** Every run of white space (no-break ones included) as one space. */
export const oneSpace = (s: string): string => s.replace(/[\s\u00a0\u202f]+/g, ' ').trim();

/** The literal runs of an ICU message (outside placeholders, plural branches included). */
function literals(message: string): string[] {
  const out: string[] = [];
  const walk = (elements: MessageFormatElement[]) => {
    for (const el of elements) {
      if (el.type === TYPE.literal) out.push(el.value);
      if (el.type === TYPE.plural || el.type === TYPE.select) {
        for (const option of Object.values(el.options)) walk(option.value);
      }
    }
  };
  walk(parse(message, { ignoreTag: true }));
  return out;
}

const emailTexts = (c: typeof messagesEn) => [
  c.greeting,
  c.footer,
  ...Object.values(c.templates).flatMap((t) => [t.subject, ...t.paragraphs, t.advice]),
];

/** The middleware's own pages (express-mfa keeps its small catalog apart from the IdP's). */
const middlewareTexts = (locale: 'en' | 'fr-CA') => {
  const texts = pageTexts(locale);
  return [
    ...Object.values(texts.refusals).flatMap((r) => [r.title, r.message]),
    texts.signOutBody,
    texts.notConfirmedBody,
  ];
};

let cached: string[] | undefined;

export function englishSentences(): string[] {
  if (cached) return cached;
  const english = [...Object.values(en), ...emailTexts(messagesEn), ...middlewareTexts('en')];
  const french = oneSpace(
    [...Object.values(frCA), ...emailTexts(messagesFrCa), ...middlewareTexts('fr-CA')].join('\n'),
  );
  const runs = english.flatMap(literals).map(oneSpace);
  cached = [...new Set(runs.filter((run) => run.split(' ').length >= 4 && !french.includes(run)))];
  return cached;
}

/** The English sentences in `text` (a page's visible text). */
export function englishOn(text: string): string[] {
  const flat = oneSpace(text);
  return englishSentences().filter((sentence) => flat.includes(sentence));
}

/** The visible text of an HTML page, roughly: no tags, scripts or styles; entities decoded. */
export function htmlText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&nbsp;/g, '\u00a0')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
