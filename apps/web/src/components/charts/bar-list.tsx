/**
 * Horizontal bars, one per labelled count, each row able to link somewhere (the list behind the figure). Plain
 * HTML, so the labels and numbers are text a screen reader reads in order; the bar itself is decoration.
 */
import type { ReactNode } from 'react';
import './charts.css';

export interface BarListItem {
  key: string;
  /** the row's label, often a link to the filtered list */
  label: ReactNode;
  value: number;
  color: string;
}

export function BarList({ items, label }: { items: readonly BarListItem[]; label: string }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return (
    <ul className="bar-list" aria-label={label}>
      {items.map((item) => (
        <li key={item.key} className="bar-list-row">
          <span>{item.label}</span>
          <span className="bar-list-track" aria-hidden="true">
            <span
              className="bar-list-fill"
              style={{ display: 'block', width: `${(item.value / max) * 100}%`, background: item.color }}
            />
          </span>
          <span className="bar-list-value">{item.value.toLocaleString()}</span>
        </li>
      ))}
    </ul>
  );
}
