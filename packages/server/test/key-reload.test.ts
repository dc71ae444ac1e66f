/**
 * A failed key reload is visible to the operator: `twostep serve` keeps serving with its previous
 * keys (so `/readyz` stays 200), and `/metrics` says the last reload failed until one succeeds.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe, twostep } from './run.ts';

/** The value of an unlabelled metric, or of `name{labels}`, in Prometheus text. */
function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('twostep serve: key reload on SIGHUP', { timeout: 60_000 }, () => {
  let serve: Awaited<ReturnType<typeof startServe>> | undefined;
  afterAll(() => serve?.stop());

  it('reports a broken key set in /metrics and keeps serving; a good reload clears it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'twostep-key-reload-'));
    const keysDir = join(cwd, 'keys');
    const init = await twostep(['keys', 'init', '--dir', keysDir]);
    expect(init.code, init.stderr).toBe(0);
    serve = await startServe(
      ['--dev', '--listen-port', '0', '--management-port', '0', '--log-format', 'json'],
      { TWOSTEP_KEYS_DIR: keysDir },
      cwd,
    );
    const match = /listening on (http:\S+), management on (http:[^\s,)]+)/.exec(serve.output());
    expect(match, serve.output()).not.toBeNull();
    const [, main, management] = match!;
    const scrape = async () => (await fetch(`${management}/metrics`)).text();
    const jwks = async () => (await fetch(`${main}/jwks`)).json();

    const before = await scrape();
    expect(metricValue(before, 'twostep_key_reload_failing')).toBe(0);
    const keysServed = await jwks();

    const signingFile = join(keysDir, 'signing-keys.json');
    const good = readFileSync(signingFile, 'utf8');
    writeFileSync(signingFile, '{ not json');
    serve.child.kill('SIGHUP');
    await serve.until('keys NOT reloaded');

    const failed = await scrape();
    expect(metricValue(failed, 'twostep_key_reload_failing')).toBe(1);
    expect(metricValue(failed, 'twostep_key_reloads_total{outcome="failed"}')).toBe(1);
    expect((await fetch(`${main}/readyz`)).status).toBe(200);
    expect(await jwks()).toEqual(keysServed); // the running keys stay

    writeFileSync(signingFile, good);
    serve.child.kill('SIGHUP');
    await serve.until('keys reloaded\n');

    const recovered = await scrape();
    expect(metricValue(recovered, 'twostep_key_reload_failing')).toBe(0);
    expect(metricValue(recovered, 'twostep_key_reloads_total{outcome="ok"}')).toBe(1);
    expect(metricValue(recovered, 'twostep_key_reloads_total{outcome="failed"}')).toBe(1);
  });
});
