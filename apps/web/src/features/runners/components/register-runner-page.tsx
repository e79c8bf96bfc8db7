import { useId, useMemo, useState } from 'react';
import type { FormEvent, InputHTMLAttributes, ReactNode } from 'react';
import { Link } from '@tanstack/react-router';
import { EXECUTOR_NAMES, RUNNER_TYPES } from '@paddock/contracts';
import type { RegisterRunnerBody, RunnerRegistration } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { ChipInput } from '../../../components/ui/chip-input';
import { EmptyState } from '../../../components/ui/empty-state';
import { ErrorState } from '../../../components/ui/error-state';
import { Field } from '../../../components/ui/field';
import { FormErrorSummary } from '../../../components/ui/form-error-summary';
import type { SummaryField } from '../../../components/ui/form-error-summary';
import { LoadingState } from '../../../components/ui/loading-state';
import { PageHeader } from '../../../components/ui/page-header';
import { describeError, isApiError } from '../../../lib/api-client';
import {
  formErrorsFromFieldErrors,
  mergeFormErrors,
  NO_FORM_ERRORS,
  withoutFields,
} from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { useIsLive } from '../../../lib/live/live-context';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useGitlabInstances } from '../../gitlab/api/get-gitlab-instances';
import { RolloutProgress } from '../../rollouts/components/rollout-progress';
import { useRegistration } from '../api/use-registration';
import type { ReportedSteps } from '../api/use-registration';
import {
  buildRegisterBody,
  FIELD_OF_VALUE,
  initialValues,
  PULL_POLICIES,
  resolveRegisterField,
  SHELLS,
} from '../register-runner-values';
import type { RegisterFieldKey, RegisterValues } from '../register-runner-values';
import { MachinePicker, SelectorPreview, splitSelectors } from './machine-picker';
import { RegistrationSteps } from './registration-steps';
import type { RegistrationOutcome } from './registration-steps';
import { RUNNER_TYPE_LABELS } from './runner-status';

const backLink = (
  <Link to="/runners" className="back-link">
    ← All runners
  </Link>
);

const EXECUTOR_LABELS: Record<RegisterValues['executor'], { label: string; hint: string }> = {
  shell: { label: 'Shell', hint: 'Jobs run directly on the host, as the gitlab-runner user.' },
  docker: { label: 'Docker', hint: 'Each job runs in a fresh container on the host.' },
  kubernetes: { label: 'Kubernetes', hint: 'Each job runs in a pod of a Kubernetes cluster.' },
};

const RUNNER_TYPE_HINTS: Record<RegisterValues['runnerType'], string> = {
  instance_type: 'Every project of the GitLab instance may use it (needs an administrator token).',
  group_type: 'The projects of one group and its subgroups.',
  project_type: 'One project.',
};

/** Labels for the error summary's links, by input key. */
const SUMMARY_LABELS: Record<RegisterFieldKey, string> = {
  gitlabInstanceId: 'GitLab instance',
  runnerType: 'Runner type',
  groupId: 'Group ID',
  projectId: 'Project ID',
  description: 'Description',
  tags: 'Tags',
  runUntagged: 'Run untagged jobs',
  accessLevel: 'Protected branches only',
  maximumTimeout: 'Maximum job timeout',
  maintenanceNote: 'Maintenance note',
  executor: 'Executor',
  'executor.settings.shell': 'Shell',
  'executor.settings.docker.image': 'Default image',
  'executor.settings.docker.privileged': 'Privileged containers',
  'executor.settings.docker.pull_policy': 'Pull policy',
  'executor.settings.docker.volumes': 'Volumes',
  'executor.settings.kubernetes.namespace': 'Namespace',
  'executor.settings.kubernetes.image': 'Default image',
  'executor.settings.kubernetes.privileged': 'Privileged pods',
  'limits.limitMode': 'Limit mode',
  'limits.limit': 'Job limit',
  'limits.requestConcurrency': 'Request concurrency',
  machines: 'Machines',
};

export function RegisterRunnerPage() {
  useDocumentTitle('Register a runner');
  const instances = useGitlabInstances();

  let body: ReactNode;
  if (instances.isPending) body = <LoadingState label="Loading GitLab connections…" />;
  else if (instances.isError) {
    body = (
      <ErrorState
        title="Could not load GitLab connections"
        error={instances.error}
        onRetry={() => void instances.refetch()}
        retrying={instances.isFetching}
      />
    );
  } else if (instances.data.items.length === 0) {
    body = (
      <EmptyState
        title="Connect a GitLab instance first"
        action={
          <Link to="/gitlab" className="btn btn-primary">
            Connect GitLab
          </Link>
        }
      >
        <p>A runner is created in GitLab, so Paddock needs a connection to the GitLab it belongs to.</p>
      </EmptyState>
    );
  } else {
    body = <RegisterRunner instances={instances.data.items} />;
  }

  return (
    <div className="page">
      <PageHeader
        title="Register a runner"
        back={backLink}
        description="Creates the runner in GitLab and runs it on the machines you choose."
      />
      {body}
    </div>
  );
}

interface Instance {
  id: string;
  name: string;
  url: string;
}

function RegisterRunner({ instances }: { instances: Instance[] }) {
  const [formKey, setFormKey] = useState(0);
  const [done, setDone] = useState<RunnerRegistration>();
  const { register, reset, steps, mutation } = useRegistration();
  const [startedAt, setStartedAt] = useState(0);

  if (done) {
    return (
      <RegistrationDone
        registration={done}
        steps={steps}
        startedAt={startedAt}
        onAnother={() => {
          reset();
          setDone(undefined);
          setFormKey((k) => k + 1);
        }}
      />
    );
  }
  return (
    <RegisterForm
      key={formKey}
      instances={instances}
      busy={mutation.isPending}
      onSubmit={(body, onFailure) => {
        setStartedAt(Date.now());
        register(body, { onSuccess: setDone, onError: onFailure });
      }}
      progress={
        mutation.isIdle ? null : (
          <RegistrationCard
            steps={steps}
            outcome={mutation.isPending ? 'running' : mutation.isError ? 'failed' : 'succeeded'}
            error={mutation.error}
          />
        )
      }
    />
  );
}

function RegistrationCard({
  steps,
  outcome,
  error,
}: {
  steps: ReportedSteps;
  outcome: RegistrationOutcome;
  error: unknown;
}) {
  const live = useIsLive();
  return (
    <section className="card" aria-labelledby="registration-progress">
      <h2 id="registration-progress">Registration</h2>
      {!live && outcome === 'running' ? (
        <p className="muted small">
          Live updates are not connected, so the steps are shown when the request finishes.
        </p>
      ) : null}
      <RegistrationSteps steps={steps} outcome={outcome} />
      {outcome === 'failed' ? (
        <div className="notice notice-danger" role="alert">
          <p>
            <strong>The runner was not registered.</strong> {describeError(error)}
          </p>
          {isApiError(error) && error.fieldErrors.length > 0 ? (
            <p>The fields the API refused are marked above; correct them and register again.</p>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function RegistrationDone({
  registration,
  steps,
  startedAt,
  onAnother,
}: {
  registration: RunnerRegistration;
  steps: ReportedSteps;
  startedAt: number;
  onAnother: () => void;
}) {
  const { runner, rollout } = registration;
  const hostnames = Object.fromEntries(runner.assignments.map((a) => [a.machineId, a.hostname]));
  const name = runner.description || `Runner #${runner.gitlabRunnerId}`;
  return (
    <section className="card" aria-labelledby="registration-done">
      <h2
        id="registration-done"
        tabIndex={-1}
        ref={(el) => {
          // Announce the result where the form was: focus would otherwise fall back to the page.
          el?.focus();
        }}
      >
        Runner registered
      </h2>
      <div className="notice" role="status">
        <p>
          <strong>{name}</strong> is GitLab runner #{runner.gitlabRunnerId}; its token ends in{' '}
          <code>{runner.token?.last4 ?? '????'}</code>.
        </p>
      </div>
      <RegistrationSteps steps={steps} outcome="succeeded" />
      <RolloutProgress
        rollout={rollout}
        startedAt={startedAt}
        hostnames={hostnames}
        currentRunnerId={runner.id}
      />
      <div className="form-actions">
        <Link to="/runners/$id" params={{ id: runner.id }} className="btn btn-primary">
          Open the runner
        </Link>
        <Button onClick={onAnother}>Register another runner</Button>
      </div>
    </section>
  );
}

interface RegisterFormProps {
  instances: Instance[];
  busy: boolean;
  onSubmit: (body: RegisterRunnerBody, onFailure: (error: unknown) => void) => void;
  progress: ReactNode;
}

/** The values typed as free text. */
type TextValueKey = {
  [K in keyof RegisterValues]: string extends RegisterValues[K] ? K : never;
}[keyof RegisterValues];

function RegisterForm({ instances, busy, onSubmit, progress }: RegisterFormProps) {
  const formId = useId();
  const [values, setValues] = useState(() => initialValues(instances.length === 1 ? instances[0]!.id : ''));
  const [touched, setTouched] = useState<ReadonlySet<string>>(() => new Set());
  const [attempts, setAttempts] = useState(0);
  const [serverErrors, setServerErrors] = useState<FormErrors>(NO_FORM_ERRORS);

  const clientErrors = useMemo(() => buildRegisterBody(values).errors ?? NO_FORM_ERRORS, [values]);
  // Before the first submit, an input speaks up only once the person has left it; then it follows every key.
  const shownClient: FormErrors =
    attempts > 0
      ? clientErrors
      : {
          fields: Object.fromEntries(Object.entries(clientErrors.fields).filter(([key]) => touched.has(key))),
          general: [],
        };
  const errors = mergeFormErrors(shownClient, serverErrors);
  const selectorProblems = splitSelectors(values.labelSelectors).invalid;

  const inputId = (key: RegisterFieldKey) => `${formId}-${key.replaceAll('.', '-')}`;
  const summaryFields: Record<string, SummaryField> = Object.fromEntries(
    Object.entries(SUMMARY_LABELS).map(([key, label]) => [
      key,
      { label, inputId: inputId(key as RegisterFieldKey) },
    ]),
  );

  const change = <K extends keyof RegisterValues>(key: K, value: RegisterValues[K]) => {
    setValues((current) => ({ ...current, [key]: value }));
    setServerErrors((current) => withoutFields(current, FIELD_OF_VALUE[key] ?? []));
  };
  const touch = (key: RegisterFieldKey) =>
    setTouched((current) => (current.has(key) ? current : new Set(current).add(key)));

  /** A text input bound to one value, with its label, hint and error, that speaks up once left. */
  const textInput = (
    path: RegisterFieldKey,
    key: TextValueKey,
    field: { label: ReactNode; hint?: ReactNode; className?: string },
    input: InputHTMLAttributes<HTMLInputElement> = {},
  ) => (
    <Field id={inputId(path)} error={errors.fields[path]} {...field}>
      {(control) => (
        <input
          {...control}
          className="input"
          {...input}
          value={values[key]}
          onChange={(event) => change(key, event.target.value)}
          onBlur={() => touch(path)}
        />
      )}
    </Field>
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setAttempts((n) => n + 1);
    const built = buildRegisterBody(values);
    if (!built.body) return;
    setServerErrors(NO_FORM_ERRORS);
    onSubmit(built.body, (error) => {
      if (isApiError(error) && error.fieldErrors.length > 0) {
        setServerErrors(formErrorsFromFieldErrors(error.fieldErrors, resolveRegisterField));
        setAttempts((n) => n + 1);
      }
    });
  };

  const owner = values.runnerType === 'group_type' ? 'groupId' : 'projectId';
  const perMachine = values.limitMode === 'per_machine';

  return (
    <>
      <form className="form register-form" onSubmit={submit} noValidate aria-describedby={`${formId}-intro`}>
        <p id={`${formId}-intro`} className="muted">
          Every field is checked as you go; nothing is created until you press Register.
        </p>
        <fieldset className="form-section" disabled={busy}>
          <legend>
            <h2>Where the runner lives</h2>
          </legend>
          <Field
            id={inputId('gitlabInstanceId')}
            label="GitLab instance"
            error={errors.fields.gitlabInstanceId}
          >
            {(control) => (
              <select
                {...control}
                className="select"
                value={values.gitlabInstanceId}
                onChange={(event) => change('gitlabInstanceId', event.target.value)}
                onBlur={() => touch('gitlabInstanceId')}
              >
                <option value="">Choose…</option>
                {instances.map((instance) => (
                  <option key={instance.id} value={instance.id}>
                    {instance.name} ({instance.url})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <RadioGroup
            legend="Runner type"
            name={`${formId}-type`}
            firstId={inputId('runnerType')}
            value={values.runnerType}
            options={RUNNER_TYPES.map((type) => ({
              value: type,
              label: RUNNER_TYPE_LABELS[type],
              hint: RUNNER_TYPE_HINTS[type],
            }))}
            onChange={(type) => change('runnerType', type)}
            error={errors.fields.runnerType}
          />
          {values.runnerType !== 'instance_type' ? (
            <Field
              key={owner}
              id={inputId(owner)}
              label={owner === 'groupId' ? 'Group ID' : 'Project ID'}
              hint={`The numeric ID GitLab shows on the ${owner === 'groupId' ? 'group' : 'project'}'s overview page.`}
              error={errors.fields[owner]}
              className="field-narrow"
            >
              {(control) => (
                <input
                  {...control}
                  type="text"
                  inputMode="numeric"
                  className="input"
                  value={values.ownerId}
                  onChange={(event) => change('ownerId', event.target.value)}
                  onBlur={() => touch(owner)}
                />
              )}
            </Field>
          ) : null}
        </fieldset>

        <fieldset className="form-section" disabled={busy}>
          <legend>
            <h2>What jobs it takes</h2>
          </legend>
          {textInput(
            'description',
            'description',
            { label: 'Description', hint: 'How GitLab and Paddock name the runner.' },
            { maxLength: 1024 },
          )}
          <Field
            id={inputId('tags')}
            label="Tags"
            hint="Jobs whose tags are all among these can run here. Press Enter or type a comma after each tag."
            error={errors.fields.tags}
          >
            {(control) => (
              <ChipInput
                control={control}
                values={values.tags}
                onChange={(tags) => {
                  change('tags', tags);
                  touch('tags');
                }}
                onBlur={() => touch('tags')}
                noun="tag"
                placeholder="docker, linux"
                maxLength={255}
                disabled={busy}
              />
            )}
          </Field>
          <CheckboxField
            id={inputId('runUntagged')}
            label="Run untagged jobs"
            hint="Also take jobs that have no tags."
            checked={values.runUntagged}
            onChange={(checked) => {
              change('runUntagged', checked);
              touch('runUntagged');
            }}
            error={errors.fields.runUntagged}
          />
          <CheckboxField
            id={inputId('accessLevel')}
            label="Protected branches and tags only"
            hint="Take jobs of protected refs only, e.g. for deployment runners."
            checked={values.accessLevel === 'ref_protected'}
            onChange={(checked) => change('accessLevel', checked ? 'ref_protected' : 'not_protected')}
            error={errors.fields.accessLevel}
          />
          {values.runnerType === 'project_type' ? (
            <CheckboxField
              label="Locked to this project"
              hint="Other projects cannot enable it."
              checked={values.locked}
              onChange={(checked) => change('locked', checked)}
            />
          ) : null}
          <CheckboxField
            label="Start paused"
            hint="GitLab gives it no jobs until you resume it."
            checked={values.paused}
            onChange={(checked) => change('paused', checked)}
          />
          {textInput(
            'maximumTimeout',
            'maximumTimeout',
            {
              label: 'Maximum job timeout (seconds)',
              hint: "Caps every job's timeout; at least 600 (10 minutes). Empty: each project's own timeout.",
              className: 'field-narrow',
            },
            { type: 'text', inputMode: 'numeric' },
          )}
          <Field
            id={inputId('maintenanceNote')}
            label="Maintenance note (optional)"
            hint="Shown to GitLab administrators, e.g. who looks after this runner."
            error={errors.fields.maintenanceNote}
          >
            {(control) => (
              <textarea
                {...control}
                className="input"
                rows={2}
                maxLength={1024}
                value={values.maintenanceNote}
                onChange={(event) => change('maintenanceNote', event.target.value)}
                onBlur={() => touch('maintenanceNote')}
              />
            )}
          </Field>
        </fieldset>

        <fieldset className="form-section" disabled={busy}>
          <legend>
            <h2>How jobs run</h2>
          </legend>
          <RadioGroup
            legend="Executor"
            name={`${formId}-executor`}
            firstId={inputId('executor')}
            value={values.executor}
            options={EXECUTOR_NAMES.map((name) => ({ value: name, ...EXECUTOR_LABELS[name] }))}
            onChange={(name) => change('executor', name)}
            error={errors.fields.executor}
          />
          {values.executor === 'shell' ? (
            <Field
              id={inputId('executor.settings.shell')}
              label="Shell"
              error={errors.fields['executor.settings.shell']}
              className="field-narrow"
            >
              {(control) => (
                <select
                  {...control}
                  className="select"
                  value={values.shell}
                  onChange={(event) => change('shell', event.target.value as RegisterValues['shell'])}
                >
                  <option value="">gitlab-runner&apos;s default</option>
                  {SHELLS.map((shell) => (
                    <option key={shell} value={shell}>
                      {shell}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : null}
          {values.executor === 'docker' ? (
            <>
              {textInput(
                'executor.settings.docker.image',
                'dockerImage',
                { label: 'Default image', hint: "Used when a job's image: says nothing, e.g. alpine:3.20." },
                { autoCapitalize: 'none', spellCheck: false },
              )}
              <Field
                id={inputId('executor.settings.docker.pull_policy')}
                label="Pull policy"
                error={errors.fields['executor.settings.docker.pull_policy']}
                className="field-narrow"
              >
                {(control) => (
                  <select
                    {...control}
                    className="select"
                    value={values.dockerPullPolicy}
                    onChange={(event) =>
                      change('dockerPullPolicy', event.target.value as RegisterValues['dockerPullPolicy'])
                    }
                  >
                    <option value="">gitlab-runner&apos;s default (always)</option>
                    {PULL_POLICIES.map((policy) => (
                      <option key={policy} value={policy}>
                        {policy}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field
                id={inputId('executor.settings.docker.volumes')}
                label="Volumes (optional)"
                hint="One per line, as docker run -v takes them, e.g. /cache or /var/run/docker.sock:/var/run/docker.sock."
                error={errors.fields['executor.settings.docker.volumes']}
              >
                {(control) => (
                  <textarea
                    {...control}
                    className="input input-mono"
                    rows={3}
                    spellCheck={false}
                    value={values.dockerVolumes}
                    onChange={(event) => change('dockerVolumes', event.target.value)}
                    onBlur={() => touch('executor.settings.docker.volumes')}
                  />
                )}
              </Field>
              <CheckboxField
                id={inputId('executor.settings.docker.privileged')}
                label="Privileged containers"
                hint="Needed for Docker-in-Docker; gives jobs full control of the host."
                checked={values.dockerPrivileged}
                onChange={(checked) => change('dockerPrivileged', checked)}
                error={errors.fields['executor.settings.docker.privileged']}
              />
            </>
          ) : null}
          {values.executor === 'kubernetes' ? (
            <>
              {textInput(
                'executor.settings.kubernetes.namespace',
                'kubernetesNamespace',
                {
                  label: 'Namespace (optional)',
                  hint: 'Where job pods run; empty: the namespace gitlab-runner runs in.',
                },
                { autoCapitalize: 'none', spellCheck: false },
              )}
              {textInput(
                'executor.settings.kubernetes.image',
                'kubernetesImage',
                { label: 'Default image (optional)', hint: "Used when a job's image: says nothing." },
                { autoCapitalize: 'none', spellCheck: false },
              )}
              <CheckboxField
                id={inputId('executor.settings.kubernetes.privileged')}
                label="Privileged pods"
                checked={values.kubernetesPrivileged}
                onChange={(checked) => change('kubernetesPrivileged', checked)}
                error={errors.fields['executor.settings.kubernetes.privileged']}
              />
            </>
          ) : null}
        </fieldset>

        <fieldset className="form-section" disabled={busy}>
          <legend>
            <h2>Job limit</h2>
          </legend>
          <RadioGroup
            legend="Limit mode"
            name={`${formId}-limit-mode`}
            firstId={inputId('limits.limitMode')}
            value={values.limitMode}
            options={[
              {
                value: 'per_machine',
                label: 'Per machine',
                hint: 'The same job limit on every machine.',
              },
              {
                value: 'fleet_budget',
                label: 'Fleet budget',
                hint: 'One total for all machines, shared out by Paddock.',
              },
            ]}
            onChange={(mode) => change('limitMode', mode)}
            error={errors.fields['limits.limitMode']}
          />
          <div className="limit-row">
            <Field
              id={inputId('limits.limit')}
              label={perMachine ? 'Jobs per machine' : 'Total jobs across the fleet'}
              error={errors.fields['limits.limit']}
            >
              {(control) => (
                <input
                  {...control}
                  type="text"
                  inputMode="numeric"
                  className="input input-number"
                  value={perMachine && values.unlimited ? '' : values.limit}
                  disabled={perMachine && values.unlimited}
                  placeholder={perMachine && values.unlimited ? 'unlimited' : undefined}
                  onChange={(event) => change('limit', event.target.value)}
                  onBlur={() => touch('limits.limit')}
                />
              )}
            </Field>
            {perMachine ? (
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={values.unlimited}
                  onChange={(event) => change('unlimited', event.target.checked)}
                />
                <span>Unlimited</span>
              </label>
            ) : null}
          </div>
          {textInput(
            'limits.requestConcurrency',
            'requestConcurrency',
            {
              label: 'Request concurrency (optional)',
              hint: "How many job requests each machine may have open to GitLab at once. Empty: gitlab-runner's default.",
              className: 'field-narrow',
            },
            { type: 'text', inputMode: 'numeric', className: 'input input-number' },
          )}
        </fieldset>

        <fieldset className="form-section" disabled={busy}>
          <legend>
            <h2>Where it runs</h2>
          </legend>
          <RadioGroup
            legend="Choose machines"
            name={`${formId}-target`}
            firstId={inputId('machines')}
            value={values.target}
            options={[
              { value: 'machines', label: 'Pick machines', hint: 'The machines ticked below.' },
              {
                value: 'labels',
                label: 'By labels',
                hint: 'Every machine that has all these labels when the runner is registered.',
              },
            ]}
            onChange={(target) => change('target', target)}
          />
          {values.target === 'machines' ? (
            <MachinePicker
              selected={values.machineIds}
              onChange={(ids) => {
                change('machineIds', ids);
                touch('machines');
              }}
              error={errors.fields.machines}
              disabled={busy}
            />
          ) : (
            <>
              <Field
                label="Label selectors"
                hint="key=value or key; a machine must match every one."
                error={
                  selectorProblems.length > 0
                    ? `Use key=value or key (lower-case key): ${selectorProblems.join(', ')}`
                    : errors.fields.machines
                }
              >
                {(control) => (
                  <ChipInput
                    control={control}
                    values={values.labelSelectors}
                    onChange={(selectors) => {
                      change('labelSelectors', selectors);
                      touch('machines');
                    }}
                    noun="label selector"
                    placeholder="os=linux"
                    maxLength={320}
                    disabled={busy}
                  />
                )}
              </Field>
              <SelectorPreview selectors={values.labelSelectors} />
            </>
          )}
        </fieldset>

        <FormErrorSummary
          errors={errors}
          fields={attempts > 0 ? summaryFields : undefined}
          focusKey={attempts}
        />
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={busy}>
            Register runner
          </Button>
          <Link to="/runners" className="btn btn-ghost">
            Cancel
          </Link>
        </div>
      </form>
      {progress}
    </>
  );
}

interface RadioOption<T extends string> {
  value: T;
  label: string;
  hint?: string;
}

function RadioGroup<T extends string>({
  legend,
  name,
  firstId,
  value,
  options,
  onChange,
  error,
}: {
  legend: string;
  name: string;
  /** id of the first radio, for the error summary's link */
  firstId: string;
  value: T;
  options: readonly RadioOption<T>[];
  onChange: (value: T) => void;
  error?: string;
}) {
  const errorId = `${firstId}-error`;
  return (
    <fieldset className="radio-group" aria-describedby={error ? errorId : undefined}>
      <legend className="field-label">{legend}</legend>
      {options.map((option, index) => (
        <label key={option.value} className="radio">
          <input
            type="radio"
            id={index === 0 ? firstId : undefined}
            name={name}
            value={option.value}
            checked={value === option.value}
            onChange={() => onChange(option.value)}
          />
          <span>
            <span className="radio-label">{option.label}</span>
            {option.hint ? <span className="field-hint">{option.hint}</span> : null}
          </span>
        </label>
      ))}
      {error ? (
        <p id={errorId} className="field-error">
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

function CheckboxField({
  id,
  label,
  hint,
  checked,
  onChange,
  error,
}: {
  id?: string;
  label: string;
  hint?: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  error?: string;
}) {
  const generated = useId();
  const inputId = id ?? generated;
  const describedBy =
    [hint ? `${inputId}-hint` : null, error ? `${inputId}-error` : null].filter(Boolean).join(' ') ||
    undefined;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label className="checkbox">
        <input
          type="checkbox"
          id={inputId}
          checked={checked}
          aria-describedby={describedBy}
          aria-invalid={error ? true : undefined}
          onChange={(event) => onChange(event.target.checked)}
        />
        <span>{label}</span>
      </label>
      {hint ? (
        <p id={`${inputId}-hint`} className="field-hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${inputId}-error`} className="field-error">
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      ) : null}
    </div>
  );
}
