/**
 * What an audited change changed: the before and after snapshots flattened to dotted paths
 * (`token.limit`, `tags.2`) and compared leaf by leaf, so a person reads "limit: 4 → 8" instead of two documents.
 */

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface Change {
  path: string;
  kind: ChangeKind;
  before?: unknown;
  after?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** Leaf values by dotted path; an empty object or list is a leaf of its own, so it is not lost. */
export function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (isObject(value)) {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    if (entries.length === 0 && prefix !== '') out.set(prefix, value);
    for (const [key, child] of entries) flatten(child, prefix === '' ? key : `${prefix}.${key}`, out);
  } else if (prefix !== '' || value !== null) {
    out.set(prefix, value);
  }
  return out;
}

/** The leaves that differ, in the order of the `after` snapshot, then the removed ones. */
export function diffSnapshots(before: unknown, after: unknown): Change[] {
  const old = flatten(before);
  const now = flatten(after);
  const changes: Change[] = [];
  for (const [path, value] of now) {
    if (!old.has(path)) changes.push({ path, kind: 'added', after: value });
    else if (JSON.stringify(old.get(path)) !== JSON.stringify(value))
      changes.push({ path, kind: 'changed', before: old.get(path), after: value });
  }
  for (const [path, value] of old) {
    if (!now.has(path)) changes.push({ path, kind: 'removed', before: value });
  }
  return changes;
}

/** A leaf as text: strings plain, everything else as JSON. */
export function formatLeaf(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}
