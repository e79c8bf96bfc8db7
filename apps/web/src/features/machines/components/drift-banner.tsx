import { useId } from 'react';
import type { Machine } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { StatusBadge } from '../../../components/ui/status-badge';
import { useRestoreMachine } from '../api/restore-machine';
import type { ActionOutcome } from './action-result';

/**
 * Shown while the host's config.toml differs from the applied revision in more than gitlab-runner's own token
 * rotation. Restore pushes Paddock's revision back over the local edit.
 */
export function DriftBanner({
  machine,
  onOutcome,
}: {
  machine: Machine;
  onOutcome: (outcome: ActionOutcome) => void;
}) {
  const restore = useRestoreMachine(machine.id);
  const headingId = useId();
  const revision = machine.appliedRevision ?? machine.desiredRevision;

  return (
    <section className="banner banner-warning" aria-labelledby={headingId}>
      <div className="banner-head">
        <StatusBadge tone="warning">Drifting</StatusBadge>
        <h2 id={headingId}>config.toml was changed on this host</h2>
      </div>
      <p>
        gitlab-runner&apos;s config.toml on {machine.hostname} no longer matches revision {revision} that
        Paddock applied: someone or something edited the file on the host. gitlab-runner runs with those local
        changes until the file is restored.
      </p>
      {machine.driftKeys.length > 0 ? (
        <>
          <p>Changed settings:</p>
          <ul className="chip-list drift-keys" aria-label="Changed settings">
            {machine.driftKeys.map((key) => (
              <li key={key}>
                <code>{key}</code>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>The agent did not report which settings changed.</p>
      )}
      <p>
        Restore writes Paddock&apos;s revision {machine.desiredRevision} back to the host and overwrites the
        local changes. Running jobs are not interrupted.
      </p>
      <div className="form-actions">
        <Button
          variant="primary"
          busy={restore.isPending}
          onClick={() =>
            restore.mutate(undefined, {
              onSuccess: (rollout) => onOutcome({ action: 'Restore', rollout }),
              onError: (error) => onOutcome({ action: 'Restore', error }),
            })
          }
        >
          Restore config.toml
        </Button>
      </div>
    </section>
  );
}
