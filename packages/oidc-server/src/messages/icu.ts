/** ICU MessageFormat (FormatJS `intl-messageformat`) for pages and emails, compiled once per language and message. */
import { IntlMessageFormat } from 'intl-messageformat';

interface AstNode {
  type: number;
  value?: unknown;
  options?: Record<string, { value: AstNode[] }>;
}
const LITERAL = 0;

/** Every `{name}` a message uses, plural and select arguments included. */
export function argumentNames(ast: readonly AstNode[], names = new Set<string>()): string[] {
  for (const node of ast) {
    if (node.type !== LITERAL && typeof node.value === 'string') names.add(node.value);
    for (const option of Object.values(node.options ?? {})) argumentNames(option.value, names);
  }
  return [...names];
}

// Compiled on first use (most messages are never shown in a process); the catalogs bound the size.
const compiled = new Map<string, { format: IntlMessageFormat; names: string[] }>();

/** `source` in `locale` with its arguments from `params`; one without a value is shown as written. */
export function formatMessage(
  source: string,
  locale: string,
  params: Record<string, string | number> = {},
): string {
  const cacheKey = `${locale}\u0000${source}`;
  let entry = compiled.get(cacheKey);
  if (!entry) {
    const format = new IntlMessageFormat(source, locale, undefined, { ignoreTag: true });
    entry = { format, names: argumentNames(format.getAst() as AstNode[]) };
    compiled.set(cacheKey, entry);
  }
  const values: Record<string, string | number> = {};
  for (const name of entry.names) values[name] = name in params ? params[name]! : `{${name}}`;
  return String(entry.format.format(values));
}
