/**
 * The wall screen's address: `/wall?display=pdw_…` plus its layout. `?layout=all` (the default) shows the whole
 * fleet, `?tags=docker,linux` one tag set and `?label=pool=gpu` the machines with one label. A bad value is dropped,
 * so a mistyped wall still shows the whole fleet rather than an error.
 */
import { LabelSelector, Tag, type WallFilter } from '@paddock/contracts';
import { z } from 'zod';
import { searchEnum, searchList, searchText } from '../../lib/search-params';

export const WallLayout = z.enum(['all', 'tags', 'label']);
export type WallLayout = z.infer<typeof WallLayout>;

export const WallSearch = z.object({
  display: searchText(200),
  layout: searchEnum(WallLayout),
  tags: searchList(Tag),
  label: searchEnum(LabelSelector),
});
export type WallSearch = z.infer<typeof WallSearch>;

/** The filter a wall address asks for: tags win over a label; `layout=all` ignores both. */
export function wallFilterOf(search: WallSearch): WallFilter {
  if (search.layout === 'all') return { tags: null, label: null };
  const tags = search.tags && search.tags.length > 0 && search.layout !== 'label' ? search.tags : null;
  if (tags) return { tags: [...new Set(tags)].sort(), label: null };
  if (search.label && search.layout !== 'tags') return { tags: null, label: search.label };
  return { tags: null, label: null };
}
