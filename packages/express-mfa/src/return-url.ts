const BASE = 'http://return-url.invalid';

/** True if `value` has a C0 control character, DEL, or (with `space`) a space. */
export function hasControlChar(value: string, space = false): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (space && c === 0x20)) return true;
  }
  return false;
}

/**
 * Returns `value` if it is a same-origin relative path (`/chart/42?tab=notes`), else `undefined`.
 * Rejects absolute and scheme-relative URLs (`https://…`, `//evil`), backslashes (`/\evil`, which
 * browsers read as `//evil`), control characters and over-long values, so it cannot open-redirect.
 *
 * @example
 * ```ts
 * safeReturnTo('/patients/42'); // '/patients/42'
 * safeReturnTo('//evil.example'); // undefined
 * ```
 */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return undefined;
  if (!value.startsWith('/') || value.startsWith('//')) return undefined;
  // Backslashes and control/whitespace characters are normalised away by URL parsers in surprising ways.
  if (value.includes('\\') || hasControlChar(value, true)) return undefined;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return undefined;
  }
  if (url.origin !== BASE) return undefined;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith('//') ? undefined : path;
}
