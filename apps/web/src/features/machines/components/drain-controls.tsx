import { useState } from 'react';
import type { Machine } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { describeError } from '../../../lib/api-client';
import { useDrainMachine } from '../api/drain-machine';
import { useResumeMachine } from '../api/resume-machine';
import type { ActionOutcome } from './action-result';

/** "Drain" (after a confirmation) while the machine takes jobs, "Resume" while it drains. */
export function DrainControls({
  machine,
  onOutcome,
}: {
  machine: Machine;
  onOutcome: (outcome: ActionOutcome) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const drain = useDrainMachine(machine.id);
  const resume = useResumeMachine(machine.id);

  const draining = machine.drainingSince !== null;
  const resumeNow = () =>
    resume.mutate(undefined, {
      onSuccess: (rollout) => onOutcome({ action: 'Resume', rollout }),
      onError: (error) => onOutcome({ action: 'Resume', error }),
    });

  return (
    <>
      {/* One button that changes role, so focus stays on it when the drain lands and it becomes "Resume". */}
      <Button
        variant={draining ? 'primary' : 'secondary'}
        busy={resume.isPending}
        onClick={draining ? resumeNow : () => setConfirming(true)}
      >
        {draining ? 'Resume' : 'Drain'}
      </Button>
      <ConfirmDialog
        open={confirming}
        title={`Drain ${machine.hostname}?`}
        confirmLabel="Drain machine"
        busy={drain.isPending}
        error={drain.isError ? <p role="alert">Could not drain: {describeError(drain.error)}</p> : null}
        onCancel={() => {
          setConfirming(false);
          drain.reset();
        }}
        onConfirm={() =>
          drain.mutate(undefined, {
            onSuccess: (rollout) => {
              setConfirming(false);
              onOutcome({ action: 'Drain', rollout });
            },
          })
        }
      >
        <p>
          Paddock removes this machine&apos;s runners from its config.toml.{' '}
          <strong>Jobs already running finish normally; no new jobs start</strong>: gitlab-runner stops asking
          GitLab for jobs within a few seconds.
        </p>
        <p>
          Fleet budgets move this machine&apos;s share to the other healthy machines until you resume it. Use
          this before maintenance or a reboot.
        </p>
      </ConfirmDialog>
    </>
  );
}
