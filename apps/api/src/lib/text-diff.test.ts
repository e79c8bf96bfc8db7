import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './text-diff.js';

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n')).toBe('');
  });

  it('shows changed lines with context and hunk headers', () => {
    const before = [
      'concurrent = 4',
      '',
      '[[runners]]',
      '  name = "a"',
      '  limit = 2',
      '  executor = "shell"',
    ].join('\n');
    const after = [
      'concurrent = 4',
      '',
      '[[runners]]',
      '  name = "a"',
      '  limit = 3',
      '  executor = "shell"',
    ].join('\n');
    expect(unifiedDiff(before, after, { from: 'r1', to: 'r2' }, 1)).toBe(
      [
        '--- r1',
        '+++ r2',
        '@@ -4,3 +4,3 @@',
        '   name = "a"',
        '-  limit = 2',
        '+  limit = 3',
        '   executor = "shell"',
        '',
      ].join('\n'),
    );
  });

  it('handles additions at the end and removals at the start', () => {
    const d = unifiedDiff('x\ny', 'y\nz');
    expect(d).toContain('-x');
    expect(d).toContain('+z');
    expect(d).toContain(' y');
  });
});
