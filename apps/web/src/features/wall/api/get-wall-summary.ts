import { queryOptions, useQuery } from '@tanstack/react-query';
import { WallSummary, type WallFilter } from '@paddock/contracts';
import { apiGet, isApiError, toQueryString } from '../../../lib/api-client';

/** One cache entry per screen and filter; live `wall` messages write into the same entry. */
export const wallSummaryKey = (display: string | undefined, filter: WallFilter) =>
  ['wall-summary', display ?? null, filter.tags?.join(',') ?? null, filter.label ?? null] as const;

/** The fleet summary a wall shows, read with its display token (or the session cookie of someone signed in). */
export function getWallSummary(
  display: string | undefined,
  filter: WallFilter,
  signal?: AbortSignal,
): Promise<WallSummary> {
  const query = toQueryString({ display, tags: filter.tags?.join(','), label: filter.label });
  // A refused display token is this screen's problem, not a signed-in session ending.
  return apiGet(`/api/v1/wall/summary${query}`, WallSummary, { signal, unauthorizedIsAnswer: true });
}

export const wallSummaryQueryOptions = (
  display: string | undefined,
  filter: WallFilter,
  /** poll while the live socket is down; the socket pushes otherwise */
  pollMs: number | false,
) =>
  queryOptions({
    queryKey: wallSummaryKey(display, filter),
    queryFn: ({ signal }) => getWallSummary(display, filter, signal),
    refetchInterval: pollMs,
    // Every summary is new as a whole (5,000 tiles of a large fleet): comparing it field by field with the last
    // one to keep unchanged parts would cost more than it saves.
    structuralSharing: false,
    // A wall runs for weeks: keep trying through API restarts, but a refused token will not get better.
    retry: (_count, error) => !(isApiError(error) && error.isClientError),
    retryDelay: (attempt) => Math.min(30_000, 1_000 * 2 ** attempt),
  });

export function useWallSummary(display: string | undefined, filter: WallFilter, pollMs: number | false) {
  return useQuery(wallSummaryQueryOptions(display, filter, pollMs));
}
