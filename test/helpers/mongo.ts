/**
 * MongoDB for tests. Tests that need a server read `MONGODB_URI` (set by
 * `scripts/test-all.sh` after `tools/ferretdb/server.sh start`, or by hand for a
 * real MongoDB). Without it they are skipped with a warning on a developer
 * machine, and fail (never skip) when `CI=true`:
 *
 * ```ts
 * describe.skipIf(!mongoAvailable())('…', () => { … });
 * ```
 *
 * Each test file works in its own database (`testDatabaseName()`) and drops it
 * at the end (`dropTestDatabase`).
 */
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';

const inCi = process.env.CI === 'true';
let warned = false;

/**
 * Whether the MongoDB tests run: when `MONGODB_URI` is set, and always when
 * `CI=true` (there a missing URI makes them fail in {@link getMongoUri}, so a CI
 * run can never pass with the MongoDB tests silently skipped).
 */
export function mongoAvailable(): boolean {
  if ((process.env.MONGODB_URI ?? '') !== '' || inCi) return true;
  if (!warned) {
    warned = true;
    console.warn(
      'MongoDB tests skipped: MONGODB_URI is not set (run `pnpm test`, which starts FerretDB; with CI=true they fail instead)',
    );
  }
  return false;
}

/** `MONGODB_URI`; throws when it is not set (guard the suite with {@link mongoAvailable}). */
export function getMongoUri(): string {
  const uri = process.env.MONGODB_URI;
  if (uri === undefined || uri === '') {
    throw new Error(
      inCi
        ? 'MONGODB_URI is not set and CI=true: the MongoDB tests must run in CI (start tools/ferretdb/server.sh or use `pnpm test`)'
        : 'MONGODB_URI is not set',
    );
  }
  return uri;
}

/** A fresh database name, `twostep_test_<label>_<random>` (at most 63 bytes). */
export function testDatabaseName(label = 'db'): string {
  const safe = label.replace(/[^a-zA-Z0-9_]/g, '_').slice(0, 24);
  return `twostep_test_${safe}_${randomBytes(5).toString('hex')}`;
}

/** Drops the connection's database and closes the connection; never throws. */
export async function dropTestDatabase(connection: Connection | undefined): Promise<void> {
  if (connection === undefined) return;
  try {
    await connection.dropDatabase();
  } catch {
    // best effort: the server may already be gone
  }
  await connection.close().catch(() => undefined);
}
