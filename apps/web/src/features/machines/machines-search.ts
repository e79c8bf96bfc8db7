import { LabelSelector, MachineSort, MachineStatusFilter } from '@paddock/contracts';
import { z } from 'zod';
import { searchEnum, searchList, searchText } from '../../lib/search-params';

/** The machine list's filters, sort and page live in the URL so a view can be shared and survives reloads. */
export const MachinesSearch = z.object({
  status: searchList(MachineStatusFilter),
  label: searchList(LabelSelector),
  q: searchText(200),
  sort: searchEnum(MachineSort),
  cursor: searchText(512),
});
export type MachinesSearch = z.infer<typeof MachinesSearch>;
