import { useLocation } from '@tanstack/react-router';

/**
 * The one-time token of a setup or invitation link. Paddock writes it in the fragment (`/setup#token=…`), which
 * browsers never send to a server, so it stays out of request logs and proxies; a `?token=` link still works.
 */
export function tokenFromLink(hash: string, searchToken: string | undefined): string | undefined {
  const fromHash = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return fromHash && fromHash.length <= 256 ? fromHash : searchToken;
}

export function useLinkToken(searchToken: string | undefined): string | undefined {
  const hash = useLocation({ select: (l) => l.hash });
  return tokenFromLink(hash, searchToken);
}
