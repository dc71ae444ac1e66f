import mongoose from 'mongoose';

/**
 * Options for every query: `sanitizeFilter` (used when the connection does not
 * set it) wraps any `$`-object that reaches a filter value in `$eq`.
 */
export const Q = { sanitizeFilter: true } as const;

/**
 * Marks an operator object *we* build (`{ $gt: now }`) as trusted, so that
 * `sanitizeFilter` leaves it alone. Its operands are always typed values from
 * our own code, never raw request input.
 */
export const op = <T extends object>(operator: T): T => mongoose.trusted(operator);

/** Keeps only the keys whose value is defined (a patch for `$set`). */
export function definedOnly<T extends object>(patch: T): Partial<T> {
  const result: Partial<T> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (result as Record<string, unknown>)[key] = value;
  }
  return result;
}

/** A copy of a Date read from the database (never shares the driver's object). */
export const date = (value: Date): Date => new Date(value.getTime());
export const dateOrNull = (value: Date | null | undefined): Date | null =>
  value === null || value === undefined ? null : date(value);
