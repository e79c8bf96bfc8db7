import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from './diff-view';

describe('parseUnifiedDiff', () => {
  it('types each line, treating ---/+++ as file headers only before the first hunk', () => {
    const diff = [
      '--- revision 1',
      '+++ revision 2',
      '@@ -1,3 +1,3 @@',
      ' a',
      '---b',
      '+++c',
      '-d',
      '+e',
      '',
    ].join('\n');
    expect(parseUnifiedDiff(diff).map((l) => l.kind)).toEqual([
      'file',
      'file',
      'hunk',
      'context',
      'remove',
      'add',
      'remove',
      'add',
    ]);
  });

  it('has no lines for an empty diff', () => {
    expect(parseUnifiedDiff('')).toEqual([]);
  });
});
