import { QueryClient } from '@tanstack/react-query';
import { isApiError } from '../lib/api-client';

const MAX_RETRIES = 2;

/** Client errors (4xx) and answers that do not match the contract fail the same way on every try. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (isApiError(error) && (error.isClientError || error.code === 'invalid_response')) return false;
  return failureCount < MAX_RETRIES;
}

/** One client per app (and per test), never a module-level singleton, so tests do not share a cache. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Fleet state changes often, but a page revisited within seconds does not need a new round trip.
        staleTime: 10_000,
        retry: shouldRetry,
        refetchOnWindowFocus: true,
      },
      mutations: {
        // A repeated write could apply twice; let the person decide.
        retry: false,
      },
    },
  });
}
