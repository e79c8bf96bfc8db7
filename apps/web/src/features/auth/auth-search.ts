import { z } from 'zod';
import { searchText } from '../../lib/search-params';

/** `/login?next=/machines`: where to go after signing in (checked again with `safeNextPath` before use). */
export const LoginSearch = z.object({ next: searchText(2000) });
export type LoginSearch = z.infer<typeof LoginSearch>;

/** `/setup?token=…` and `/invite?token=…`: the one-time token from the link. */
export const TokenLinkSearch = z.object({ token: searchText(256) });
export type TokenLinkSearch = z.infer<typeof TokenLinkSearch>;
