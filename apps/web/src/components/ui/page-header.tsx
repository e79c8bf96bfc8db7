import type { ReactNode } from 'react';

export interface PageHeaderProps {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  /** A line above the title, e.g. a breadcrumb link back to the list. */
  back?: ReactNode;
}

/** The page's one h1, so headings stay in order under it. */
export function PageHeader({ title, description, actions, back }: PageHeaderProps) {
  return (
    <header className="page-header">
      {back ? <div className="page-back">{back}</div> : null}
      <div className="page-header-row">
        <h1>{title}</h1>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </div>
      {description ? <div className="page-description">{description}</div> : null}
    </header>
  );
}
