/**
 * `diffRunnerConfigs`: the semantic difference between two configs — empty when gitlab-runner would behave the
 * same with both. Both sides are normalised first (see normalize.ts), so defaults, key order, formatting, comments,
 * `"30m"` vs `"30m0s"` vs an integer of nanoseconds, and `pull_policy = "x"` vs `["x"]` do not count.
 *
 * `[[runners]]` entries are compared by position, as gitlab-runner keeps their order when it rewrites the file.
 */
import { normalizeRunnerConfig, scalarDefault } from './normalize.js';
import { indexPath, keyPath } from './problems.js';
import { runnerConfigSchema, type RunnerConfig, type TableSpec } from './schema.js';
import { getOwn } from './toml-value.js';

export interface ConfigChange {
  /** `runners[0].limit`, `runners[1].docker.pull_policy`, `runners[0].feature_flags.FF_TIMESTAMPS`. */
  readonly path: string;
  /** The normalised value; undefined when absent and without a default. */
  readonly before: unknown;
  readonly after: unknown;
}

type Rec = Readonly<Record<string, unknown>>;

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Rec)[k], (b as Rec)[k]),
  );
}

function diffTable(spec: TableSpec, a: Rec, b: Rec, path: string, out: ConfigChange[]): void {
  for (const [key, field] of Object.entries(spec.fields)) {
    const va = getOwn(a, key);
    const vb = getOwn(b, key);
    if (va === undefined && vb === undefined) continue;
    const here = keyPath(path, key);
    switch (field.kind) {
      case 'table':
        if (va !== undefined && vb !== undefined) diffTable(field.table, va as Rec, vb as Rec, here, out);
        // An absent pointer table (nil) is not an empty one; a non-pointer one is always there, zero-valued.
        else if (field.pointer) out.push({ path: here, before: va, after: vb });
        else diffTable(field.table, (va ?? {}) as Rec, (vb ?? {}) as Rec, here, out);
        break;
      case 'tableArray': {
        const la = (va ?? []) as readonly Rec[];
        const lb = (vb ?? []) as readonly Rec[];
        for (let i = 0; i < Math.max(la.length, lb.length); i++) {
          const ea = la[i];
          const eb = lb[i];
          if (ea !== undefined && eb !== undefined) diffTable(field.table, ea, eb, indexPath(here, i), out);
          else out.push({ path: indexPath(here, i), before: ea, after: eb });
        }
        break;
      }
      case 'map': {
        const ma = (va ?? {}) as Rec;
        const mb = (vb ?? {}) as Rec;
        const keys = [...new Set([...Object.keys(ma), ...Object.keys(mb)])].sort();
        for (const k of keys) {
          const ea = getOwn(ma, k);
          const eb = getOwn(mb, k);
          if (!deepEqual(ea, eb)) out.push({ path: keyPath(here, k), before: ea, after: eb });
        }
        break;
      }
      case 'array':
      case 'stringOrArray':
        if (!deepEqual(va, vb)) out.push({ path: here, before: va, after: vb });
        break;
      default:
        if (!deepEqual(va, vb)) {
          const fallback = scalarDefault(field);
          out.push({ path: here, before: va ?? fallback, after: vb ?? fallback });
        }
    }
  }
}

/** What differs between `a` and `b` for gitlab-runner; empty when it would behave the same. */
export function diffRunnerConfigs(a: RunnerConfig, b: RunnerConfig): ConfigChange[] {
  const out: ConfigChange[] = [];
  diffTable(runnerConfigSchema, normalizeRunnerConfig(a), normalizeRunnerConfig(b), '', out);
  return out;
}

const TOKEN_PATH = /^runners\[\d+\]\.(?:token|token_obtained_at|token_expires_at)$/;

/**
 * True when something changed and every change is a runner's `token`, `token_obtained_at` or `token_expires_at`:
 * the signature of gitlab-runner rotating a token itself. False for an empty diff (nothing happened).
 */
export function onlyTokenRotation(changes: readonly ConfigChange[]): boolean {
  return changes.length > 0 && changes.every((c) => TOKEN_PATH.test(c.path));
}
