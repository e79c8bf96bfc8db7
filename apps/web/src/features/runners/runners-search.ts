import { Id, RunnerStatusFilter, Tag } from '@paddock/contracts';
import { z } from 'zod';
import { searchEnum, searchList, searchText } from '../../lib/search-params';

/** The runner list's filters and page live in the URL so a view can be shared and survives reloads. */
export const RunnersSearch = z.object({
  tag: searchList(Tag),
  status: searchList(RunnerStatusFilter),
  q: searchText(200),
  /** set by the "runners on this machine" link of a machine page */
  machineId: searchEnum(Id),
  cursor: searchText(512),
});
export type RunnersSearch = z.infer<typeof RunnersSearch>;
