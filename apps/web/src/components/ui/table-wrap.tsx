import type { ReactNode } from 'react';

export interface TableWrapProps {
  /** Names the scrollable region, e.g. "Machines". */
  label: string;
  /** Dims the table while a newer page or filter loads over the current rows. */
  updating?: boolean;
  children: ReactNode;
}

/**
 * Holds a table that may scroll sideways in a narrow window. The region is focusable so keyboard users can scroll
 * it too.
 */
export function TableWrap({ label, updating, children }: TableWrapProps) {
  return (
    <div
      className="table-wrap"
      role="region"
      aria-label={label}
      tabIndex={0}
      aria-busy={updating || undefined}
    >
      {children}
    </div>
  );
}
