/**
 * The message catalogs: English and Canadian French have exactly the same keys, every message is
 * valid ICU MessageFormat with the same arguments (plural and select included) in both languages,
 * every key is used by the source, and the French follows French typography.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';
import { COMPLIANCE_WARNING } from '@twostep/core';
import { describe, expect, it } from 'vitest';
import { messagesEn, renderNotification } from '../../src/delivery/messages.ts';
import { messagesFrCa } from '../../src/delivery/messages-fr-CA.ts';
import { en } from '../../src/messages/en.ts';
import { frCA } from '../../src/messages/fr-CA.ts';
import { t, withLocale } from '../../src/messages/index.ts';
import { typographyProblems } from '../../../../test/helpers/french-typography.ts';

const root = join(import.meta.dirname, '../..');

/**
 * Argument names of an ICU message, those inside plural and select branches included. Only the
 * names must match: one language may need a plural where the other does not.
 */
function icuArguments(message: string): string[] {
  const found = new Set<string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const el of elements) {
      if (el.type === TYPE.literal || el.type === TYPE.pound) continue;
      if (el.type === TYPE.tag) {
        walk(el.children);
        continue;
      }
      found.add(el.value);
      if (el.type === TYPE.plural || el.type === TYPE.select) {
        for (const option of Object.values(el.options)) walk(option.value);
      }
    }
  };
  walk(parse(message, { requiresOtherClause: true }));
  return [...found].sort();
}

/** Where the source names a message key: exact string literals, and `prefix.${…}` template heads. */
function sourceReferences(files: string[]) {
  const literals = new Set<string>();
  const prefixes = new Set<string>();
  for (const text of files) {
    for (const m of text.matchAll(/(['"`])([A-Za-z][\w.-]*)\1/g)) literals.add(m[2] as string);
    for (const m of text.matchAll(/`([A-Za-z][\w.]*\.)\$\{/g)) prefixes.add(m[1] as string);
  }
  return { literals, prefixes };
}

/** The audit event types core can record (the suffixes of `event.${type}` and `sentence.${type}`). */
function auditEventTypes(): Set<string> {
  const types = readFileSync(join(root, '../core/src/types.ts'), 'utf8');
  const union = /export type AuditEventType =([^;]+);/.exec(types)?.[1] ?? '';
  return new Set([...union.matchAll(/'([\w.]+)'/g)].map((m) => m[1] as string));
}

/**
 * The keys of `catalog` nothing in `files` refers to. A dynamic prefix covers the keys under it,
 * except where the suffix is known to come from a closed set: `error.${status}` (HTTP status codes),
 * `event.${type}` and `sentence.${type}[.own]` (audit event types).
 */
function unusedKeys(catalog: Record<string, string>, files: string[], eventTypes: Set<string>): string[] {
  const { literals, prefixes } = sourceReferences(files);
  const suffixAllowed: Record<string, (suffix: string) => boolean> = {
    'error.': (s) => /^\d{3}$/.test(s),
    'event.': (s) => eventTypes.has(s),
    'sentence.': (s) => eventTypes.has(s.replace(/\.own$/, '')),
  };
  return Object.keys(catalog).filter((key) => {
    if (literals.has(key)) return false;
    for (const prefix of prefixes) {
      if (!key.startsWith(prefix)) continue;
      const allowed = suffixAllowed[prefix];
      if (!allowed || allowed(key.slice(prefix.length))) return false;
    }
    return true;
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name));
}

describe('page catalog (messages/en.ts, messages/fr-CA.ts)', () => {
  const keys = Object.keys(en) as (keyof typeof en)[];

  it('French has exactly the keys of English', () => {
    expect(Object.keys(frCA).sort()).toEqual([...keys].sort());
  });

  it.each(keys)('%s: parses as ICU in both languages, with the same arguments', (key) => {
    expect(icuArguments(frCA[key])).toEqual(icuArguments(en[key]));
  });

  it('the compliance warning is core’s, word for word', () => {
    expect(en['admin.enforce.warning']).toBe(COMPLIANCE_WARNING);
  });

  it('every key is used by the source', () => {
    const files = sourceFiles(join(root, 'src'))
      .filter((file) => !/messages[\\/](en|fr-CA)\.ts$/.test(file))
      .map((file) => readFileSync(file, 'utf8'));
    expect(unusedKeys(en, files, auditEventTypes())).toEqual([]);
  });

  it('the unused-key scan finds what it should', () => {
    const catalog = {
      'a.literal': '',
      'code.error.any': '',
      'error.404': '',
      'error.title': '',
      'event.sign_in.failed': '',
      'event.made_up': '',
      'sentence.sign_in.failed.own': '',
      'never.named': '',
    };
    const source = [
      "t('a.literal')",
      't(`code.error.$' + '{r}`)',
      't(`error.$' + '{s}`)',
      't(`event.$' + '{e}`)',
      't(`sentence.$' + '{e}`)',
    ].join('; ');
    expect(unusedKeys(catalog, [source], new Set(['sign_in.failed']))).toEqual([
      'error.title',
      'event.made_up',
      'never.named',
    ]);
  });

  it('French is typeset: no-break spaces, typographic apostrophes and quotes', () => {
    const problems = keys.flatMap((key) => typographyProblems(frCA[key]).map((p) => `${key}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('the typography check itself catches the usual slips', () => {
    expect(typographyProblems('Attention : oui')).toContain('plain space before : ; ! ? »');
    expect(typographyProblems('Attention: oui')).toContain('no space before :');
    expect(typographyProblems('Oublié?')).toContain('no space before ; ! ? »');
    expect(typographyProblems("l'appareil")).toContain('ASCII apostrophe (use ’)');
    expect(typographyProblems('Attention\u00a0: «\u00a0oui\u00a0» l’appareil\u202f?')).toEqual([]);
  });
});

describe('the code text message (sms.code)', () => {
  // GSM 03.38's basic character set: a text in it takes 160 characters a segment; a single character
  // outside it (’, ê, ç, a no-break space) turns the whole text into UCS-2, 70 a segment.
  const GSM7 = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà]*$/;

  it.each(['en', 'fr-CA'])('%s: one GSM-7 segment for a usual clinic name', (locale) => {
    const text = withLocale(locale, () =>
      t('sms.code', { code: '123456', sender: 'Clinique de physiothérapie Maple', minutes: 10 }),
    );
    expect(text).toMatch(GSM7);
    expect(text.length).toBeLessThanOrEqual(160);
    expect(text.startsWith('123456 ')).toBe(true);
  });

  it('the check itself refuses what would force UCS-2', () => {
    expect('Ne le communiquez à personne.').toMatch(GSM7);
    expect('N’oubliez pas').not.toMatch(GSM7);
    expect('Ça expire\u202f!').not.toMatch(GSM7);
  });
});

describe('email catalog (delivery/messages.ts, delivery/messages-fr-CA.ts)', () => {
  const kinds = Object.keys(messagesEn.templates) as (keyof typeof messagesEn.templates)[];
  /** `{name}` placeholders, which `renderNotification` fills. */
  const placeholders = (...texts: string[]) => icuArguments(texts.join('\n'));

  it('French has a template for every kind, and the same fallbacks', () => {
    expect(Object.keys(messagesFrCa.templates).sort()).toEqual([...kinds].sort());
    expect(Object.keys(messagesFrCa.fallbacks).sort()).toEqual(Object.keys(messagesEn.fallbacks).sort());
    expect(messagesFrCa.locale).toBe('fr-CA');
  });

  it("factors are named in the email's language, from core's factorKind", () => {
    expect(Object.keys(messagesFrCa.factorNames).sort()).toEqual(Object.keys(messagesEn.factorNames).sort());
    expect(placeholders(messagesFrCa.factorNames.namedPasskey)).toEqual(['name']);
    expect(placeholders(messagesEn.factorNames.namedPasskey)).toEqual(['name']);
    const render = (params: Record<string, string>) =>
      renderNotification(
        {
          kind: 'factor_added',
          to: { staffId: 's1', email: 'c@x.example', name: 'Chloé' },
          clinicName: 'Physio',
          params,
        },
        { catalog: messagesFrCa },
      ).text;
    expect(render({ factor: 'authenticator app', factorKind: 'totp' })).toContain('votre compte Physio le ');
    expect(render({ factor: 'authenticator app', factorKind: 'totp' })).toMatch(
      /: application d’authentification\./,
    );
    expect(render({ factor: 'authenticator app', factorKind: 'totp' })).not.toContain('authenticator app');
    expect(render({ factor: 'text message (SMS)', factorKind: 'sms' })).toContain('texto (SMS).');
    expect(render({ factor: 'passkeys', factorKind: 'passkey' })).toContain('clés d’accès.');
    expect(render({ factor: 'passkey "Poste"', factorKind: 'passkey', factorName: 'Poste' })).toContain(
      'clé d’accès «\u00a0Poste\u00a0».',
    );
    // Without a kind (a notifier's own notification), the description is shown as sent.
    expect(render({ factor: 'Some method' })).toContain('Some method');
  });

  it("the sign-in alert names the browser in the email's language", () => {
    expect(placeholders(messagesFrCa.deviceOn)).toEqual(placeholders(messagesEn.deviceOn));
    const render = (catalog: typeof messagesEn, params: Record<string, string>) =>
      renderNotification(
        {
          kind: 'new_device_sign_in',
          to: { staffId: 's1', email: 'c@x.example', name: 'Chloé' },
          clinicName: 'Physio',
          params,
        },
        { catalog },
      ).text;
    const chrome = { device: 'Chrome on Windows', deviceBrowser: 'Chrome', deviceOs: 'Windows' };
    expect(render(messagesFrCa, chrome)).toContain('(Chrome sous Windows)');
    expect(render(messagesEn, chrome)).toContain('(Chrome on Windows)');
    const unknown = { device: 'Unknown browser', deviceUnknown: 'yes' };
    expect(render(messagesFrCa, unknown)).toContain('(navigateur inconnu)');
    expect(render(messagesEn, unknown)).toContain('(an unknown browser)');
  });

  it('the frame (subject prefix, greeting, footer) has the same placeholders', () => {
    for (const part of ['subjectPrefix', 'greeting', 'footer'] as const) {
      expect(placeholders(messagesFrCa[part])).toEqual(placeholders(messagesEn[part]));
    }
  });

  it.each(kinds)('%s: the same placeholders in the subject and in the body', (kind) => {
    const [enT, frT] = [messagesEn.templates[kind], messagesFrCa.templates[kind]];
    expect(placeholders(frT.subject)).toEqual(placeholders(enT.subject));
    expect(placeholders(...frT.paragraphs, frT.advice)).toEqual(placeholders(...enT.paragraphs, enT.advice));
    // The link stays a paragraph of its own.
    expect(frT.paragraphs.indexOf('{url}')).toBe(enT.paragraphs.indexOf('{url}'));
  });

  it('French is typeset', () => {
    const texts = [
      messagesFrCa.greeting,
      messagesFrCa.footer,
      ...Object.values(messagesFrCa.fallbacks),
      ...Object.values(messagesFrCa.factorNames),
      ...Object.values(messagesFrCa.templates).flatMap((t) => [t.subject, ...t.paragraphs, t.advice]),
    ];
    expect(texts.flatMap((text) => typographyProblems(text).map((p) => `${text}: ${p}`))).toEqual([]);
  });

  it.each(kinds)('%s: renders in French, every placeholder filled, dates in French', (kind) => {
    const { subject, text, html } = renderNotification(
      {
        kind,
        to: { staffId: 's1', email: 'chloe@clinique.exemple', name: 'Chloé Tremblay' },
        clinicName: 'Physio Maple',
        timeZone: 'America/Toronto',
        params: {
          factor: 'Texto (SMS)',
          until: '2026-03-02T19:30:00.000Z',
          reason: 'Téléphone perdu',
          actor: 'Olivia Owner',
          colleague: 'Dana Brooks',
          url: 'https://id.example/x',
          device: 'Chrome sur Windows',
        },
      },
      { at: new Date('2026-03-01T14:30:00Z'), catalog: messagesFrCa },
    );
    expect(subject.startsWith('[Physio Maple] ')).toBe(true);
    expect(text).toContain('Bonjour Chloé Tremblay,');
    expect(text).toMatch(/1 mars 2026, 0?9 h 30/);
    expect(`${subject}${text}${html}`).not.toMatch(/\{\w+\}/);
    expect(html).toContain('<html lang="fr-CA">');
  });
});
