/**
 * The `?next=` of the sign-in page: where to go once signed in. Only a path on this origin is followed, so a link
 * crafted elsewhere cannot send a person who just typed their password to another site.
 */

const FALLBACK = '/';
/** Pages a signed-in person has no reason to come back to. */
const NOT_A_DESTINATION = /^\/(login|setup|invite)(\/|$)/;

export function safeNextPath(value: unknown, origin: string = window.location.origin): string {
  if (typeof value !== 'string' || value === '') return FALLBACK;
  // "//host" and "/\host" are relative in form but leave the origin; so do control characters browsers strip.
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return FALLBACK;
  if ([...value].some((char) => char < ' ' || char === '\u007f' || char === '\\')) return FALLBACK;
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return FALLBACK;
  }
  if (url.origin !== origin || NOT_A_DESTINATION.test(url.pathname)) return FALLBACK;
  return `${url.pathname}${url.search}${url.hash}`;
}
