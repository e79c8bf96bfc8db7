import { z } from 'zod';
import { searchText } from '../../lib/search-params';

/** `/jobs?tagSet=docker,linux`: one tag set's queue, stuck and running jobs (links from the overview's charts). */
export const JobsSearch = z.object({ tagSet: searchText(1000) });
export type JobsSearch = z.infer<typeof JobsSearch>;
