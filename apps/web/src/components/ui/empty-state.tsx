import type { ReactNode } from 'react';

export interface EmptyStateProps {
  title: string;
  /** Heading level that keeps the page's outline in order (h2 under the page's h1 by default). */
  level?: 2 | 3;
  children?: ReactNode;
  action?: ReactNode;
}

/** What to do next when there is nothing to show: every empty list answers "why empty, and now what?". */
export function EmptyState({ title, level = 2, children, action }: EmptyStateProps) {
  const Heading = level === 2 ? 'h2' : 'h3';
  return (
    <section className="state state-empty" aria-label={title}>
      <Heading className="state-title">{title}</Heading>
      {children ? <div className="state-body">{children}</div> : null}
      {action ? <div className="state-action">{action}</div> : null}
    </section>
  );
}
