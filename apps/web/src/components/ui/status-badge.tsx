import type { ReactNode } from 'react';

export type StatusTone = 'ok' | 'warning' | 'danger' | 'neutral' | 'info';
export type StatusIcon = 'dot' | 'ring' | 'triangle' | 'cross' | 'pause' | 'sync';

const DEFAULT_ICON: Record<StatusTone, StatusIcon> = {
  ok: 'dot',
  warning: 'triangle',
  danger: 'cross',
  neutral: 'ring',
  info: 'sync',
};

export interface StatusBadgeProps {
  tone: StatusTone;
  /** Overrides the tone's shape when two states share a colour but must stay distinguishable. */
  icon?: StatusIcon;
  title?: string;
  children: ReactNode;
}

/** A status as text plus a shape; colour only reinforces it, so it reads the same in greyscale or to a screen reader. */
export function StatusBadge({ tone, icon, title, children }: StatusBadgeProps) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      <BadgeIcon shape={icon ?? DEFAULT_ICON[tone]} />
      <span>{children}</span>
    </span>
  );
}

function BadgeIcon({ shape }: { shape: StatusIcon }) {
  return (
    <svg
      className="badge-icon"
      viewBox="0 0 12 12"
      width="12"
      height="12"
      aria-hidden="true"
      focusable="false"
    >
      {shape === 'dot' ? <circle cx="6" cy="6" r="4.5" fill="currentColor" /> : null}
      {shape === 'ring' ? (
        <circle cx="6" cy="6" r="4" fill="none" stroke="currentColor" strokeWidth="1.6" />
      ) : null}
      {shape === 'triangle' ? <path d="M6 1.2 11 10.5H1z" fill="currentColor" /> : null}
      {shape === 'cross' ? (
        <path
          d="M2.2 2.2 9.8 9.8M9.8 2.2 2.2 9.8"
          stroke="currentColor"
          strokeWidth="2"
          strokeLinecap="round"
        />
      ) : null}
      {shape === 'pause' ? (
        <path d="M3.5 2v8M8.5 2v8" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" />
      ) : null}
      {shape === 'sync' ? (
        <path
          d="M10 6a4 4 0 1 1-1.2-2.85M10 1.5v2.2H7.8"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.6"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
      ) : null}
    </svg>
  );
}
