import { describe, expect, it } from 'vitest';
import { MachineStatusFilter } from '@paddock/contracts';
import { parseSearchParams, searchList, stringifySearchParams } from './search-params';

describe('search params in the URL', () => {
  it('are plain, with lists as repeated parameters', () => {
    expect(stringifySearchParams({ status: ['online', 'draining'], q: 'web 1', cursor: undefined })).toBe(
      '?status=online&status=draining&q=web+1',
    );
    expect(stringifySearchParams({})).toBe('');
  });

  it('read back what they wrote', () => {
    const search = { status: ['online', 'draining'], label: ['region=eu'], q: '42' };
    const parsed = parseSearchParams(stringifySearchParams(search));
    expect(parsed).toEqual({ status: ['online', 'draining'], label: 'region=eu', q: '42' });
    expect(searchList(MachineStatusFilter).parse(parsed.status)).toEqual(['online', 'draining']);
    expect(searchList(MachineStatusFilter).parse(parsed.label)).toEqual([]);
  });

  it('accept hand-typed comma lists and drop unknown values', () => {
    expect(
      searchList(MachineStatusFilter).parse(parseSearchParams('?status=online,sleeping').status),
    ).toEqual(['online']);
  });
});
