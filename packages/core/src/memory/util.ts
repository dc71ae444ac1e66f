import { timingSafeEqual } from 'node:crypto';

/** A deep copy, so callers never share objects with the store's state (Dates survive). */
export function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Constant-time comparison of two hash strings; false (not an exception) when lengths differ. */
export function hashEquals(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Something that expires at `expiresAt` is gone from that instant on. */
export function isExpired(expiresAt: Date, now: Date): boolean {
  return expiresAt.getTime() <= now.getTime();
}

/** Adds `value` to the set stored under `key`, creating the set when missing. */
export function addToIndex<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  let set = index.get(key);
  if (set === undefined) {
    set = new Set();
    index.set(key, set);
  }
  set.add(value);
}

/** Removes `value` from the set under `key`, dropping the set when it empties. */
export function removeFromIndex<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (set === undefined) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}
