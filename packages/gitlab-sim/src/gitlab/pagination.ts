/**
 * GitLab's offset pagination (Gitlab::Pagination::OffsetPagination + OffsetHeaderBuilder, Kaminari underneath):
 * `page` (default 1) and `per_page` (default 20, at most 100), and the headers `X-Per-Page`, `X-Page`,
 * `X-Next-Page` and `X-Prev-Page` (empty when there is none), `Link` (rel prev, next, first, last in that order)
 * and `X-Total`, `X-Total-Pages` (at least 1). Lists GitLab pages "without count" (project jobs, for one) send
 * neither the totals nor rel="last". Link URLs repeat every request parameter, the path ones included, plus page
 * and per_page, in Rails `to_query` form: `key=value` pairs sorted, arrays as `key%5B%5D=value`.
 */
import { ParamReader, queryToParams } from './params.js';
import type { SimRequest } from './router.js';

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;

export interface PaginateOptions {
  /** Omit X-Total, X-Total-Pages and rel="last", as GitLab does for lists it does not count. */
  readonly withoutCount?: boolean;
  /** Declared parameter defaults, which Grape adds to `params` and so to the links (e.g. `sort=desc`). */
  readonly defaults?: Readonly<Record<string, string>>;
}

export interface Page<T> {
  readonly items: T[];
  readonly headers: Record<string, string>;
}

export function paginate<T>(request: SimRequest, all: readonly T[], options: PaginateOptions = {}): Page<T> {
  const reader = new ParamReader(request.params);
  const requestedPage = reader.integer('page') ?? 1;
  const requestedPerPage = reader.integer('per_page') ?? DEFAULT_PER_PAGE;
  reader.done();
  const page = Math.max(1, requestedPage);
  const perPage = requestedPerPage < 1 ? DEFAULT_PER_PAGE : Math.min(requestedPerPage, MAX_PER_PAGE);

  const start = (page - 1) * perPage;
  const items = all.slice(start, start + perPage);
  const totalPages = Math.ceil(all.length / perPage);
  const outOfRange = options.withoutCount ? items.length === 0 && page > 1 : page > totalPages;
  const lastPage = options.withoutCount ? start + perPage >= all.length : page === totalPages;
  const nextPage = lastPage || outOfRange ? undefined : page + 1;
  const prevPage = page === 1 || outOfRange ? undefined : page - 1;
  const shownTotalPages = Math.max(totalPages, 1);

  const href = (target: number): string =>
    `${request.baseUrl}/api/v4${request.path}?${linkQuery(request, options.defaults, target, requestedPerPage)}`;
  const links: string[] = [];
  if (prevPage !== undefined) links.push(`<${href(prevPage)}>; rel="prev"`);
  if (nextPage !== undefined) links.push(`<${href(nextPage)}>; rel="next"`);
  links.push(`<${href(1)}>; rel="first"`);
  if (!options.withoutCount) links.push(`<${href(shownTotalPages)}>; rel="last"`);

  const headers: Record<string, string> = {
    'X-Per-Page': String(perPage),
    'X-Page': String(page),
    'X-Next-Page': nextPage === undefined ? '' : String(nextPage),
    'X-Prev-Page': prevPage === undefined ? '' : String(prevPage),
    Link: links.join(', '),
  };
  if (!options.withoutCount) {
    headers['X-Total'] = String(all.length);
    headers['X-Total-Pages'] = String(shownTotalPages);
  }
  return { items, headers };
}

function linkQuery(
  request: SimRequest,
  defaults: Readonly<Record<string, string>> | undefined,
  page: number,
  perPage: number,
): string {
  const params: Record<string, string | string[]> = {
    ...defaults,
    ...request.pathParams,
    ...queryToParams(request.query),
    page: String(page),
    per_page: String(perPage),
  };
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (Array.isArray(value)) {
      if (value.length === 0) pairs.push(`${escape(`${key}[]`)}=`);
      for (const item of value) pairs.push(`${escape(`${key}[]`)}=${escape(item)}`);
    } else {
      pairs.push(`${escape(key)}=${escape(value)}`);
    }
  }
  return pairs.sort().join('&');
}

/** Ruby's CGI.escape: like encodeURIComponent, but a space is `+` and `!'()~` are escaped too. */
function escape(text: string): string {
  return encodeURIComponent(text)
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
