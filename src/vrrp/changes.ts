// The difference between two lists of things a node installs (VIPs, routes, rules), matched by
// a key: what a reload must remove and what it must add. Pure.

export interface Changes<T> {
  /** In `before` only, in `before`'s order. */
  gone: T[];
  /** In `after` only, in `after`'s order. */
  added: T[];
}

export function changesBetween<T>(
  before: readonly T[],
  after: readonly T[],
  key: (item: T) => string,
): Changes<T> {
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  return {
    gone: before.filter((item) => !afterKeys.has(key(item))),
    added: after.filter((item) => !beforeKeys.has(key(item))),
  };
}
