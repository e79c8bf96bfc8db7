import type { AuditEvent } from '@paddock/contracts';
import { diffSnapshots, formatLeaf } from '../audit-diff';
import type { ChangeKind } from '../audit-diff';

const KIND_LABELS: Record<ChangeKind, string> = { added: 'added', removed: 'removed', changed: 'changed' };

/**
 * An event's before and after: the changed values as a list ("limit: 4 → 8"), and both snapshots as JSON for the
 * details the list leaves out. Closed by default, inside a native disclosure.
 */
export function AuditChanges({ event }: { event: AuditEvent }) {
  if (event.before == null && event.after == null) return <span className="muted">no details</span>;
  const changes = diffSnapshots(event.before, event.after);
  return (
    <details className="audit-changes">
      <summary>
        {changes.length === 0
          ? 'Details'
          : `${changes.length} ${changes.length === 1 ? 'change' : 'changes'}`}
        <span className="visually-hidden"> in {event.action}</span>
      </summary>
      {changes.length > 0 ? (
        <ul className="audit-change-list">
          {changes.map((change) => (
            <li key={change.path} className={`audit-change audit-change-${change.kind}`}>
              <code>{change.path === '' ? '(value)' : change.path}</code>{' '}
              <span className="small muted">({KIND_LABELS[change.kind]})</span>:{' '}
              {change.kind !== 'added' ? <del>{formatLeaf(change.before)}</del> : null}
              {change.kind === 'changed' ? <span aria-hidden="true"> → </span> : null}
              {change.kind === 'changed' ? <span className="visually-hidden">becomes </span> : null}
              {change.kind !== 'removed' ? <ins>{formatLeaf(change.after)}</ins> : null}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="audit-json">
        <div>
          <p className="field-label">Before</p>
          <pre className="code-block" tabIndex={0} aria-label="Before, as JSON">
            <code>{event.before == null ? 'nothing' : JSON.stringify(event.before, null, 2)}</code>
          </pre>
        </div>
        <div>
          <p className="field-label">After</p>
          <pre className="code-block" tabIndex={0} aria-label="After, as JSON">
            <code>{event.after == null ? 'nothing' : JSON.stringify(event.after, null, 2)}</code>
          </pre>
        </div>
      </div>
    </details>
  );
}
