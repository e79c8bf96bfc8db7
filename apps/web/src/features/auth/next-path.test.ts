import { describe, expect, it } from 'vitest';
import { safeNextPath } from './next-path';

const ORIGIN = 'https://paddock.example.com';

describe('safeNextPath', () => {
  it('keeps a path on this origin, with its search and hash', () => {
    expect(safeNextPath('/machines?status=online#top', ORIGIN)).toBe('/machines?status=online#top');
    expect(safeNextPath('/runners/abc', ORIGIN)).toBe('/runners/abc');
  });

  it('falls back to the overview for anything that could leave the origin', () => {
    for (const value of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      'machines',
      '/\tevil',
      '',
      undefined,
      42,
    ]) {
      expect(safeNextPath(value, ORIGIN)).toBe('/');
    }
  });

  it('does not return to the sign-in pages', () => {
    expect(safeNextPath('/login?next=/machines', ORIGIN)).toBe('/');
    expect(safeNextPath('/invite?token=x', ORIGIN)).toBe('/');
  });
});
