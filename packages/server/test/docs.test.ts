/** docs/configuration.md has one row for every setting, with its environment variable (and no others). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envName, SETTINGS } from '../src/settings.ts';

const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
const rows = [...doc.matchAll(/^\| `([\w.]+)` \| `(TWOSTEP_\w+)`/gm)].map((m) => ({
  key: m[1]!,
  env: m[2]!,
}));

describe('docs/configuration.md', () => {
  it('has a row per setting, naming its variable', () => {
    expect(rows.map((r) => r.key).sort()).toEqual(SETTINGS.map((s) => s.key).sort());
    for (const row of rows) expect(row.env, row.key).toBe(envName(row.key));
  });
});
