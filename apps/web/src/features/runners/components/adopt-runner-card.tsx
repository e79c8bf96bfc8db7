/**
 * Adopting a runner imported from GitLab: choose how and where it runs, confirm that GitLab will issue a new token
 * (hosts running it outside Paddock stop taking its jobs), and Paddock runs it like one it registered.
 */
import { AdoptRunnerBody, type RunnerDetail } from '@paddock/contracts';
import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { Field } from '../../../components/ui/field';
import { FormErrorSummary } from '../../../components/ui/form-error-summary';
import {
  formErrorsFromError,
  formErrorsFromIssues,
  hasFormErrors,
  NO_FORM_ERRORS,
  type FormErrors,
} from '../../../lib/form-errors';
import { useAdoptRunner } from '../api/runner-lifecycle';
import { MachinePicker } from './machine-picker';

/** Form paths → the input showing their message. */
const fieldOf = (path: string) =>
  path.startsWith('machines')
    ? 'machines'
    : path.startsWith('executor')
      ? 'executor'
      : path.startsWith('limits')
        ? 'limit'
        : undefined;

export function AdoptRunnerCard({ runner }: { runner: RunnerDetail }) {
  const adopt = useAdoptRunner(runner.id);
  const [executor, setExecutor] = useState<'shell' | 'docker'>('shell');
  const [image, setImage] = useState('alpine:3.20');
  const [limit, setLimit] = useState('');
  const [machineIds, setMachineIds] = useState<string[]>([]);
  const [errors, setErrors] = useState<FormErrors>(NO_FORM_ERRORS);
  const [confirming, setConfirming] = useState<AdoptRunnerBody | null>(null);
  const [attempt, setAttempt] = useState(0);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setAttempt((n) => n + 1);
    const parsed = AdoptRunnerBody.safeParse({
      executor:
        executor === 'docker'
          ? { name: 'docker', settings: { docker: { image: image.trim() } } }
          : { name: 'shell', settings: {} },
      limits: { limitMode: 'per_machine', limit: limit.trim() === '' ? null : Number(limit) },
      machines: { ids: machineIds.length ? machineIds : undefined },
    });
    if (!parsed.success) {
      setErrors(formErrorsFromIssues(parsed.error.issues, { field: fieldOf }));
      return;
    }
    setErrors(NO_FORM_ERRORS);
    setConfirming(parsed.data);
  };

  const confirm = () => {
    if (!confirming) return;
    adopt.mutate(confirming, {
      onSuccess: () => setConfirming(null),
      onError: (error) => {
        setConfirming(null);
        setErrors(formErrorsFromError(error, { field: fieldOf, context: 'Could not adopt the runner' }));
      },
    });
  };

  return (
    <section className="card" aria-labelledby="adopt-runner">
      <h2 id="adopt-runner">Adopt this runner</h2>
      <p>
        Paddock found this runner in GitLab and holds no token for it. Adopting it makes GitLab issue a new
        token: hosts that run it today outside Paddock stop taking its jobs, and the machines chosen here run
        it instead.
      </p>
      <form onSubmit={onSubmit} noValidate>
        <FormErrorSummary errors={hasFormErrors(errors) ? errors : NO_FORM_ERRORS} focusKey={attempt} />
        <Field label="Executor" error={errors.fields.executor}>
          {(control) => (
            <select
              {...control}
              value={executor}
              onChange={(e) => setExecutor(e.target.value as 'shell' | 'docker')}
            >
              <option value="shell">shell</option>
              <option value="docker">docker</option>
            </select>
          )}
        </Field>
        {executor === 'docker' ? (
          <Field label="Default image">
            {(control) => <input {...control} value={image} onChange={(e) => setImage(e.target.value)} />}
          </Field>
        ) : null}
        <Field label="Job limit per machine" hint="Empty: no limit." error={errors.fields.limit}>
          {(control) => (
            <input
              {...control}
              inputMode="numeric"
              value={limit}
              onChange={(e) => setLimit(e.target.value)}
            />
          )}
        </Field>
        <MachinePicker selected={machineIds} onChange={setMachineIds} error={errors.fields.machines} />
        <Button type="submit" variant="primary" disabled={adopt.isPending}>
          Adopt runner
        </Button>
      </form>
      <ConfirmDialog
        open={confirming !== null}
        title="Adopt this runner?"
        confirmLabel="Reset its token and adopt"
        onConfirm={confirm}
        onCancel={() => setConfirming(null)}
        busy={adopt.isPending}
      >
        <p>
          GitLab will issue runner #{runner.gitlabRunnerId} a new token. Hosts running it outside Paddock stop
          taking its jobs at once; {confirming?.machines.ids?.length ?? 0} machine(s) chosen here will run it.
        </p>
      </ConfirmDialog>
    </section>
  );
}
