/**
 * Re-sealing every stored authenticator secret with the newest secret-box key,
 * so an older key can be retired (docs/keys.md). Idempotent and resumable: a
 * secret already sealed with the key in use is left alone, so a run can stop
 * anywhere and the next one does what is left. Each re-seal is one conditional
 * update that only replaces the exact value read, so a sign-in or a
 * re-enrollment at the same moment is never undone.
 */
import { sealedKeyId, type SecretBox } from './crypto/secret-box.ts';
import type { FactorStore } from './ports.ts';
import type { StoredFactor } from './types.ts';

export interface ReencryptReport {
  /** Authenticator secrets looked at (pending and active). */
  checked: number;
  /** Re-sealed with the key in use. */
  resealed: number;
  /** Already sealed with the key in use. */
  current: number;
  /** Changed between reading and re-sealing (a new enrollment, a removal): run again. */
  changed: number;
  /** Could not be opened: sealed with a key not in the set (their ids in `unreadableKeyIds`). */
  unreadable: number;
  unreadableKeyIds: string[];
}

type TotpFactor = Extract<StoredFactor, { kind: 'totp' }>;

/** Every TOTP factor, page by page (`pageSize` staff members at a time). */
async function* allTotp(factors: FactorStore, pageSize: number): AsyncGenerator<TotpFactor> {
  let after: string | null = null;
  for (;;) {
    const page = await factors.listTotp(after, pageSize);
    for (const factor of page) if (factor.kind === 'totp') yield factor;
    const staffIds = new Set(page.map((f) => f.staffId));
    if (staffIds.size < pageSize) return;
    after = [...staffIds].sort().at(-1)!;
  }
}

export async function reencryptSecrets(
  factors: FactorStore,
  secretBox: SecretBox,
  options: { pageSize?: number } = {},
): Promise<ReencryptReport> {
  const report: ReencryptReport = {
    checked: 0,
    resealed: 0,
    current: 0,
    changed: 0,
    unreadable: 0,
    unreadableKeyIds: [],
  };
  for await (const factor of allTotp(factors, options.pageSize ?? 200)) {
    report.checked++;
    if (!secretBox.needsRotation(factor.secret)) {
      report.current++;
      continue;
    }
    let secret: string;
    try {
      secret = secretBox.open(factor.secret, factor.staffId);
    } catch {
      report.unreadable++;
      const keyId = sealedKeyId(factor.secret) ?? '(malformed)';
      if (!report.unreadableKeyIds.includes(keyId)) report.unreadableKeyIds.push(keyId);
      continue;
    }
    const next = secretBox.seal(secret, factor.staffId);
    if (await factors.replaceSecret(factor.staffId, factor.id, factor.secret, next)) report.resealed++;
    else report.changed++;
  }
  return report;
}

/** How many stored authenticator secrets are sealed with key `keyId` (before retiring it). */
export async function countSealedWith(factors: FactorStore, keyId: string): Promise<number> {
  let count = 0;
  for await (const factor of allTotp(factors, 200)) if (sealedKeyId(factor.secret) === keyId) count++;
  return count;
}
