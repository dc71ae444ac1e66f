/**
 * French typography for catalogs written with ordinary spaces: the space before : and » and after «
 * becomes a no-break space (U+00A0), the one before ; ! ? a narrow no-break space (U+202F), so a
 * line never starts with the punctuation. Other spaces are left alone.
 */
export function typesetFrench(text: string): string {
  return text
    .replace(/ ([:»])/g, '\u00a0$1')
    .replace(/« /g, '«\u00a0')
    .replace(/ ([;!?])/g, '\u202f$1');
}

/** `typesetFrench` on every message of a catalog. */
export function typeset<K extends string>(messages: Record<K, string>): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const key of Object.keys(messages) as K[]) out[key] = typesetFrench(messages[key]);
  return out;
}
