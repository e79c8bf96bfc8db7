import { describe, expect, it } from 'vitest';
import { tokenFromLink } from './link-token';

describe('tokenFromLink', () => {
  it('reads the token from the fragment first, then from the query', () => {
    expect(tokenFromLink('#token=pdx_fromHash', 'pdx_fromQuery')).toBe('pdx_fromHash');
    expect(tokenFromLink('token=pdi_noHashSign', undefined)).toBe('pdi_noHashSign');
    expect(tokenFromLink('', 'pdx_fromQuery')).toBe('pdx_fromQuery');
    expect(tokenFromLink('#other=1', undefined)).toBeUndefined();
    expect(tokenFromLink(`#token=${'x'.repeat(300)}`, undefined)).toBeUndefined();
  });
});
