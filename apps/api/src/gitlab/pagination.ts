/**
 * GitLab's offset pagination, followed the way GitLab asks: `per_page=100` (its maximum) and the page number
 * from the `X-Next-Page` header, which is empty on the last page. Lists GitLab does not count (a project's jobs)
 * send no `X-Total-Pages`, so the next-page header is the one signal every list has.
 */
import { GitlabUnreachableError } from './errors.js';
import type { GitlabResponse } from './transport.js';

export const PER_PAGE = 100;

/** Far beyond any list Paddock reads (100,000 rows); a GitLab that keeps announcing pages is broken. */
const MAX_PAGES = 1000;

/** Fetches one page: `page` and `per_page` are added to the list's own query parameters. */
export type PageFetcher = (searchParams: Record<string, unknown>) => Promise<GitlabResponse>;

/**
 * Every page of one list, in order. Each page is checked by `parsePage`; a next page that does not move forward
 * is treated as the end rather than looping.
 */
export async function allPages<T>(
  fetchPage: PageFetcher,
  params: Record<string, unknown>,
  parsePage: (body: unknown) => T[],
  where: string,
): Promise<T[]> {
  const items: T[] = [];
  let page = 1;
  for (let fetched = 0; ; fetched += 1) {
    if (fetched >= MAX_PAGES) {
      throw new GitlabUnreachableError(`${where} announced more than ${MAX_PAGES} pages.`);
    }
    const response = await fetchPage({ ...params, page, per_page: PER_PAGE });
    items.push(...parsePage(response.body));
    const next = nextPage(response.headers);
    if (next === null || next <= page) return items;
    page = next;
  }
}

/** `X-Next-Page` as a number; null when absent, empty (the last page) or unreadable. */
export function nextPage(headers: Record<string, string>): number | null {
  const value = headers['x-next-page']?.trim();
  if (!value || !/^\d+$/.test(value)) return null;
  return Number(value);
}
