/** Audit exports: JSON Lines (core's format, verifiable) and CSV for spreadsheets. */
import type { AuditEvent } from '@twostep/core';

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break.
 * A cell a spreadsheet would read as a formula (starting with = + - @, tab or
 * carriage return) gets a leading apostrophe first (OWASP CSV injection).
 */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const COLUMNS = [
  'seq',
  'at',
  'type',
  'actorId',
  'targetId',
  'ip',
  'userAgent',
  'details',
  'id',
  'prevHash',
  'hash',
] as const;

export function toCsv(events: readonly AuditEvent[]): string {
  const lines = [COLUMNS.join(',')];
  for (const e of events) {
    const row: Record<(typeof COLUMNS)[number], unknown> = {
      seq: e.seq,
      at: e.at.toISOString(),
      type: e.type,
      actorId: e.actorId,
      targetId: e.targetId,
      ip: e.ip,
      userAgent: e.userAgent,
      details: JSON.stringify(e.details),
      id: e.id,
      prevHash: e.prevHash,
      hash: e.hash,
    };
    lines.push(COLUMNS.map((c) => csvCell(row[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
