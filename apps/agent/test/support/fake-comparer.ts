/**
 * A stand-in for the runner-config comparer, over a toy format: one `key = value` per line, for a single runner
 * whose `url`, `id` and `token*` keys are top-level. Enough to drive the store and the drift watcher through the
 * seam without depending on the real TOML model.
 */
import type {
  ConfigComparer,
  ConfigDifference,
  ConfigFacts,
  ConfigProblem,
} from '../../src/config-store/comparer.js';

const TOKEN_KEYS = new Set(['token', 'token_obtained_at', 'token_expires_at']);

function parse(text: string): Map<string, string> | null {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    // Comments and blank lines carry no value, so reformatting is not drift.
    if (t === '' || t.startsWith('#')) continue;
    const m = /^([a-z_]+)\s*=\s*(.*)$/.exec(t);
    if (!m) return null;
    map.set(m[1] as string, (m[2] as string).replace(/^"|"$/g, ''));
  }
  return map;
}

export const fakeComparer: ConfigComparer = {
  validate(text: string): ConfigProblem[] {
    const map = parse(text);
    if (!map) return [{ path: '', message: 'not key = value lines' }];
    const problems: ConfigProblem[] = [];
    const concurrent = map.get('concurrent');
    if (concurrent !== undefined && Number(concurrent) < 1) {
      problems.push({ path: 'concurrent', message: 'must be at least 1' });
    }
    return problems;
  },
  compare(appliedText: string, diskText: string): ConfigDifference {
    const a = parse(appliedText);
    const b = parse(diskText);
    if (!a || !b) return { kind: 'drift', paths: ['(unparseable)'] };
    const changed = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
    if (changed.length === 0) return { kind: 'same' };
    if (changed.every((k) => TOKEN_KEYS.has(k))) {
      return {
        kind: 'tokenRotation',
        tokens: [
          {
            runner: { url: b.get('url') ?? '', id: Number(b.get('id') ?? 0) },
            token: b.get('token') ?? '',
            tokenObtainedAt: b.get('token_obtained_at') ?? '',
            tokenExpiresAt: b.get('token_expires_at') ?? '',
          },
        ],
      };
    }
    return { kind: 'drift', paths: changed };
  },
  inspect(text: string): ConfigFacts | null {
    const map = parse(text);
    if (!map) return null;
    const runners = map.has('token')
      ? [
          {
            ref: { url: map.get('url') ?? '', id: Number(map.get('id') ?? 0) },
            token: map.get('token') ?? '',
            name: map.get('name') ?? null,
          },
        ]
      : [];
    return { listenAddress: map.get('listen_address'), runners };
  },
};
