/**
 * An audit event as one sentence for the console ("Olivia Bennett paused 2-Step Verification for
 * Dana Brooks until Nov 29, 2026, 2:30 PM EST: “lost phone”"): names instead of ids, method names
 * instead of codes, times as people read them. The stored event is unchanged (exports keep it).
 */
import type { AuditEvent } from '@twostep/core';
import { en } from '../../messages/en.ts';
import { type MessageKey, t } from '../../messages/index.ts';
import { when } from './layout.ts';

const known = (key: string): key is MessageKey => Object.hasOwn(en, key);
const method = (value: unknown): string => {
  const key = `method.${String(value)}`;
  return known(key) ? t(key) : String(value ?? '');
};

const scope = (e: AuditEvent, value: unknown): string => {
  const key = `admin.passkeys.scope.${String(value)}`;
  return e.type === 'policy.phishing_resistant_changed' && known(key) ? t(key) : String(value ?? '');
};

/** `timeZone`: the clinic's, for the times in the sentence. */
export function auditSentence(e: AuditEvent, names: Map<string, string>, timeZone: string): string {
  const person = (id: string | null) => (id ? (names.get(id) ?? id) : t('event.system'));
  const d = e.details;
  const until =
    typeof d.until === 'string' && !Number.isNaN(Date.parse(d.until))
      ? when(new Date(d.until), timeZone)
      : '';
  const params: Record<string, string> = {
    actor: person(e.actorId),
    target: e.targetId ? person(e.targetId) : '',
    until,
    reason: typeof d.reason === 'string' && d.reason !== '' ? d.reason : t('sentence.noReason'),
    method: method(d.method ?? d.factor),
    device: String(d.label ?? d.device ?? ''),
    count: String(d.count ?? ''),
    // A passkey's names, or (for the passkey rule) who it covers.
    from: scope(e, d.from),
    to: scope(e, d.to),
  };
  const own = e.actorId !== null && e.actorId === e.targetId;
  // A step-up refused because 2-Step Verification is paused (interactions/paused-step-up.ts).
  const specific =
    e.type === 'access.denied' && d.reason === 'paused'
      ? 'sentence.access.denied.paused'
      : e.type === 'sign_in.succeeded' && d.enrollment === 'later'
        ? 'sentence.sign_in.succeeded.later'
        : `sentence.${e.type}${own ? '.own' : ''}`;
  const key = known(specific) ? specific : `sentence.${e.type}`;
  if (known(key)) return t(key, params);
  const label = `event.${e.type}`;
  return t('sentence.other', { actor: person(e.actorId), event: known(label) ? t(label) : e.type });
}
