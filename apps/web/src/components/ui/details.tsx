import type { ReactNode } from 'react';

/** A description list laid out as a responsive grid of term/value pairs. */
export function DetailList({ children }: { children: ReactNode }) {
  return <dl className="details">{children}</dl>;
}

export function Detail({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="detail">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
