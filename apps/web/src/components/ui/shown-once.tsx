import { useEffect, useId, useRef } from 'react';
import type { ReactNode } from 'react';
import { Button } from './button';
import { CopyButton } from './copy-button';
import { StatusBadge } from './status-badge';

export interface ShownOnceProps {
  /** e.g. "API token “deploy script” created" */
  title: string;
  /** Why it must be copied now, e.g. "Paddock keeps only a hash of it." */
  warning: ReactNode;
  onDone: () => void;
  /** Heading level that keeps the page's outline in order (h2 under the page's h1 by default). */
  level?: 2 | 3;
  children: ReactNode;
}

/**
 * The one moment a secret (a token, a link carrying one) is visible. Focus moves to the heading so a screen reader
 * hears it at once; "Done" lets the parent forget the secret for good.
 */
export function ShownOnce({ title, warning, onDone, level = 2, children }: ShownOnceProps) {
  const Heading = level === 2 ? 'h2' : 'h3';
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    headingRef.current?.focus();
  }, [title]);
  return (
    <section className="token-once" aria-labelledby={headingId}>
      <Heading id={headingId} ref={headingRef} tabIndex={-1}>
        {title}
      </Heading>
      <div className="notice notice-warning">
        <p>
          <StatusBadge tone="warning">Shown once</StatusBadge> {warning}
        </p>
      </div>
      {children}
      <div className="form-actions">
        <Button variant="primary" onClick={onDone}>
          Done
        </Button>
      </div>
    </section>
  );
}

export interface SecretValueProps {
  /** Visible label and accessible name of the value, e.g. "API token". */
  label: string;
  value: string;
  /** What the copy button copies, e.g. "token". */
  what: string;
}

/** A value to copy as is, selectable in one click, with its copy button. */
export function SecretValue({ label, value, what }: SecretValueProps) {
  return (
    <div className="stack">
      <p className="field-label">{label}</p>
      <div className="copy-row">
        <code className="token-value" aria-label={label}>
          {value}
        </code>
        <CopyButton text={value} what={what} />
      </div>
    </div>
  );
}
