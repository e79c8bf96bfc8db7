import type { ReactNode } from 'react';

/** One figure of the overview: a label, a number (or "…" while loading) and the link to the list behind it. */
export function Stat({
  label,
  value,
  detail,
  children,
}: {
  label: ReactNode;
  value: number | string | undefined;
  detail?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <li className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value">
        {value === undefined ? (
          <span aria-label="loading">…</span>
        ) : typeof value === 'number' ? (
          value.toLocaleString()
        ) : (
          value
        )}
      </span>
      {detail ? <span className="stat-detail muted">{detail}</span> : null}
      {children ? <span className="stat-link">{children}</span> : null}
    </li>
  );
}
