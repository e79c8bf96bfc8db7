import { describe, expect, it } from 'vitest';
import { diffSnapshots, formatLeaf } from './audit-diff';

describe('diffSnapshots', () => {
  it('lists changed, added and removed leaves by their dotted path', () => {
    const before = {
      name: 'build',
      token: { limit: 4, mode: 'per_machine' },
      tags: ['linux', 'docker'],
      note: 'x',
    };
    const after = {
      name: 'build',
      token: { limit: 8, mode: 'per_machine' },
      tags: ['linux', 'docker', 'gpu'],
    };
    expect(diffSnapshots(before, after)).toEqual([
      { path: 'token.limit', kind: 'changed', before: 4, after: 8 },
      { path: 'tags.2', kind: 'added', after: 'gpu' },
      { path: 'note', kind: 'removed', before: 'x' },
    ]);
  });

  it('treats a missing snapshot as empty, so a creation lists everything as added', () => {
    expect(diffSnapshots(null, { role: 'viewer', labels: {} })).toEqual([
      { path: 'role', kind: 'added', after: 'viewer' },
      { path: 'labels', kind: 'added', after: {} },
    ]);
    expect(diffSnapshots({ paused: true }, null)).toEqual([
      { path: 'paused', kind: 'removed', before: true },
    ]);
  });

  it('finds nothing between equal snapshots', () => {
    expect(diffSnapshots({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([]);
  });
});

describe('formatLeaf', () => {
  it('shows strings as they are and the rest as JSON', () => {
    expect(formatLeaf('eu-west')).toBe('eu-west');
    expect(formatLeaf(null)).toBe('null');
    expect(formatLeaf(3)).toBe('3');
    expect(formatLeaf([])).toBe('[]');
  });
});
