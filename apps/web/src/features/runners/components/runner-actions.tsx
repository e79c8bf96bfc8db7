import { useState } from 'react';
import { useNavigate } from '@tanstack/react-router';
import type { RunnerDetail } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { describeError } from '../../../lib/api-client';
import { formatCount } from '../../../lib/format';
import { useDeleteRunner, useRotateRunnerToken, useSetRunnerPaused } from '../api/runner-lifecycle';

/** What the last action did, or why it failed, in one sentence for the notice under the header. */
export type RunnerOutcome = { ok: true; message: string } | { ok: false; message: string };

function machinesPhrase(runner: RunnerDetail): string {
  return formatCount(runner.assignments.length, 'machine', 'machines');
}

/**
 * Pause or resume (one button that changes role, so focus stays on it), rotate the token and delete: the two that
 * cannot be undone ask first.
 */
export function RunnerActions({
  runner,
  onOutcome,
}: {
  runner: RunnerDetail;
  onOutcome: (outcome: RunnerOutcome) => void;
}) {
  const [dialog, setDialog] = useState<'rotate' | 'delete' | null>(null);
  const pause = useSetRunnerPaused(runner.id);
  const rotate = useRotateRunnerToken(runner.id);
  const remove = useDeleteRunner(runner.id);
  const navigate = useNavigate();

  const togglePause = () => {
    const paused = !runner.paused;
    pause.mutate(paused, {
      onSuccess: () =>
        onOutcome({
          ok: true,
          message: paused
            ? 'Paused: GitLab gives this runner no new jobs; running jobs finish.'
            : 'Resumed: GitLab gives this runner jobs again.',
        }),
      onError: (error) =>
        onOutcome({
          ok: false,
          message: `Could not ${paused ? 'pause' : 'resume'}: ${describeError(error)}`,
        }),
    });
  };

  const close = () => {
    setDialog(null);
    rotate.reset();
    remove.reset();
  };

  return (
    <>
      <Button onClick={togglePause} busy={pause.isPending} variant={runner.paused ? 'primary' : 'secondary'}>
        {runner.paused ? 'Resume' : 'Pause'}
      </Button>
      {runner.token ? <Button onClick={() => setDialog('rotate')}>Rotate token</Button> : null}
      <Button variant="danger" onClick={() => setDialog('delete')}>
        Delete runner
      </Button>
      <ConfirmDialog
        open={dialog === 'rotate'}
        title="Rotate this runner's token?"
        confirmLabel="Rotate token"
        busy={rotate.isPending}
        error={rotate.isError ? <p role="alert">Could not rotate: {describeError(rotate.error)}</p> : null}
        onCancel={close}
        onConfirm={() =>
          rotate.mutate(undefined, {
            onSuccess: ({ runner: updated, rolloutId }) => {
              close();
              onOutcome({
                ok: true,
                message:
                  `Token rotated: it now ends in ${updated.token?.last4 ?? '????'}. ` +
                  (rolloutId
                    ? `The new token is on its way to ${machinesPhrase(updated)}.`
                    : 'No machine runs this runner, so no config.toml changed.'),
              });
            },
          })
        }
      >
        <p>
          GitLab issues a new token and <strong>the current one stops working at once</strong>. Paddock sends
          the new token to the {machinesPhrase(runner)} running this runner; until each applies it, that
          machine cannot ask for jobs.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'delete'}
        title={`Delete ${runner.description || `runner #${runner.gitlabRunnerId}`}?`}
        confirmLabel="Delete runner"
        busy={remove.isPending}
        error={remove.isError ? <p role="alert">Could not delete: {describeError(remove.error)}</p> : null}
        onCancel={close}
        onConfirm={() =>
          remove.mutate(undefined, {
            onSuccess: () => void navigate({ to: '/runners' }),
          })
        }
      >
        <p>
          Paddock removes the runner from the config.toml of its {machinesPhrase(runner)}, then deletes it in
          GitLab and forgets it. Jobs already running finish; <strong>this cannot be undone</strong>.
        </p>
      </ConfirmDialog>
    </>
  );
}
