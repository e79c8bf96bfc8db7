/**
 * How BurntSushi/toml matches a TOML key to a struct field (decode.go `unifyStruct`): the exact field name first,
 * otherwise the first field whose name is equal under Unicode case folding (Go's `strings.EqualFold`). That fallback
 * is what makes `IdleCount` (untagged Go fields) and `Concurrent` work.
 */
import type { TableSpec } from './schema.js';

/**
 * Folds a key for comparison with gitlab-runner's field names, which are all ASCII. Under Unicode simple folding
 * only two non-ASCII characters are equal to ASCII letters: KELVIN SIGN (k) and LATIN SMALL LETTER LONG S (s).
 */
function fold(key: string): string {
  return key.replace(/[A-Z\u212A\u017F]/g, (c) =>
    c === '\u212A' ? 'k' : c === '\u017F' ? 's' : c.toLowerCase(),
  );
}

const folded = new WeakMap<TableSpec, ReadonlyMap<string, string>>();

function foldedNames(spec: TableSpec): ReadonlyMap<string, string> {
  let names = folded.get(spec);
  if (!names) {
    const map = new Map<string, string>();
    // The first field in struct order wins, as in unifyStruct.
    for (const name of Object.keys(spec.fields)) if (!map.has(fold(name))) map.set(fold(name), name);
    names = map;
    folded.set(spec, names);
  }
  return names;
}

/** The schema key a TOML key decodes into, or undefined for an unknown key. */
export function findFieldKey(spec: TableSpec, key: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(spec.fields, key)) return key;
  // KubernetesNFS reads its keys by exact name only.
  if (spec.decode === 'nfs') return undefined;
  return foldedNames(spec).get(fold(key));
}
