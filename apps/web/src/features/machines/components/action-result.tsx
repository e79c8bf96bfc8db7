import type { RevisionList, Rollout } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { describeError } from '../../../lib/api-client';
import { ShortfallNotice } from '../../rollouts/components/shortfall-notice';
import { RevisionStatusBadge } from './machine-status';

/** What the last action on this machine (restore, drain, resume, roll back) did, or why it failed. */
export type ActionOutcome = { action: string; rollout: Rollout } | { action: string; error: unknown };

/**
 * Follows the revision an action created through the machine's (live) revision list, so "pending" turns into
 * "applied" or "failed" without a request of its own.
 */
export function ActionResult({
  machineId,
  outcome,
  revisions,
  onDismiss,
}: {
  machineId: string;
  outcome: ActionOutcome;
  revisions: RevisionList | undefined;
  onDismiss: () => void;
}) {
  const dismiss = (
    <Button variant="ghost" onClick={onDismiss} aria-label={`Dismiss: ${outcome.action}`}>
      Dismiss
    </Button>
  );

  if ('error' in outcome) {
    return (
      <div className="notice notice-danger action-result" role="alert">
        <p>
          <strong>{outcome.action} failed.</strong> {describeError(outcome.error)}
        </p>
        {dismiss}
      </div>
    );
  }

  const sent = outcome.rollout.revisions.find((r) => r.machineId === machineId);
  const revision = sent ? revisions?.items.find((r) => r.number === sent.revision) : undefined;
  const status = revision?.status ?? 'pending';
  return (
    <div className="stack">
      <div className="notice action-result" role="status">
        <p>
          <strong>{outcome.action}:</strong>{' '}
          {!sent ? (
            "nothing to change, the machine's config.toml already matches."
          ) : (
            <>
              revision {sent.revision} <RevisionStatusBadge status={status} />{' '}
              {status === 'pending'
                ? 'Waiting for the agent to write it to config.toml…'
                : status === 'applied'
                  ? 'The host runs it now.'
                  : status === 'failed'
                    ? `The agent could not apply it: ${revision?.error ?? 'no reason given'}`
                    : 'A newer revision replaced it before the host applied it.'}
            </>
          )}
        </p>
        {dismiss}
      </div>
      <ShortfallNotice shortfalls={outcome.rollout.shortfalls} />
    </div>
  );
}
