/**
 * A TOML value kept exactly as written, for the parts of config.toml that Paddock does not model: unknown keys (the
 * `extra` bag of every table) and free-form maps such as `[runners.autoscaler.plugin_config]`.
 *
 * The union is tagged so that it stays plain JSON (revisions store models as JSON) and still tells `1` from `1.0`
 * and a string from a datetime, which a plain JavaScript value could not.
 */

export type TomlValue =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  /** TOML datetime text, normalised the way gitlab-runner reads it (`T` and `Z` upper case). */
  | { readonly type: 'datetime'; readonly value: string }
  | { readonly type: 'array'; readonly value: readonly TomlValue[] }
  | { readonly type: 'table'; readonly value: Readonly<Record<string, TomlValue>> };

/** Sets an own property, so that keys such as `__proto__` stay data and never touch a prototype. */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Reads an own property only (a model built from JSON must not see inherited members). */
export function getOwn<T>(source: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(source, key) ? source[key] : undefined;
}

/** Builds a record from entries with `setOwn`. */
export function recordFrom<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of entries) setOwn(out, k, v);
  return out;
}

/**
 * Converts a plain JavaScript value into a `TomlValue`: strings, booleans, numbers (integers when
 * `Number.isInteger`, floats otherwise), arrays and plain objects. Handy for code that fills
 * `plugin_config`; throws on anything else.
 */
export function tomlValueFrom(value: unknown): TomlValue {
  if (typeof value === 'string') return { type: 'string', value };
  if (typeof value === 'boolean') return { type: 'boolean', value };
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && !Object.is(value, -0)
      ? { type: 'integer', value }
      : { type: 'float', value };
  }
  if (Array.isArray(value)) return { type: 'array', value: value.map(tomlValueFrom) };
  if (value !== null && typeof value === 'object') {
    return {
      type: 'table',
      value: recordFrom(Object.entries(value).map(([k, v]): [string, TomlValue] => [k, tomlValueFrom(v)])),
    };
  }
  throw new TypeError(`cannot represent ${typeof value} as a TOML value`);
}
