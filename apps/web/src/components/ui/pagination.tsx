import { Button } from './button';

export interface PaginationProps {
  /** Items on this page and over all pages. */
  shown: number;
  total: number;
  /** True when a cursor is in use, i.e. this is not the first page. */
  hasPrevious: boolean;
  nextCursor: string | null;
  onNext: (cursor: string) => void;
  onFirst: () => void;
  noun?: string;
}

/**
 * Cursor pagination: cursors only lead forward, so the way back is "First page" (and the browser's Back button,
 * since the cursor lives in the URL).
 */
export function Pagination({
  shown,
  total,
  hasPrevious,
  nextCursor,
  onNext,
  onFirst,
  noun = 'items',
}: PaginationProps) {
  if (!hasPrevious && nextCursor === null) {
    return (
      <p className="pagination-summary">
        {total.toLocaleString()} {noun}
      </p>
    );
  }
  return (
    <nav className="pagination" aria-label="Pagination">
      <p className="pagination-summary">
        Showing {shown.toLocaleString()} of {total.toLocaleString()} {noun}
      </p>
      <div className="pagination-actions">
        <Button onClick={onFirst} disabled={!hasPrevious}>
          First page
        </Button>
        <Button onClick={() => nextCursor && onNext(nextCursor)} disabled={nextCursor === null}>
          Next page
        </Button>
      </div>
    </nav>
  );
}
