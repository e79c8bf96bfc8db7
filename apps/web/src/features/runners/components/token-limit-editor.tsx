import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from '@tanstack/react-router';
import { UpdateTokenLimitsBody } from '@paddock/contracts';
import type { FieldError, LimitMode, Rollout, RunnerDetail, RunnerTokenInfo } from '@paddock/contracts';
import type { z } from 'zod';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { TableWrap } from '../../../components/ui/table-wrap';
import { describeError, isApiError } from '../../../lib/api-client';
import { RolloutProgress } from '../../rollouts/components/rollout-progress';
import { useUpdateTokenLimits } from '../api/update-token-limits';
import { formatTokenLimit } from './runner-status';

/** The form as typed: numbers stay text until saved, so a half-typed value is never rewritten under the cursor. */
export interface LimitValues {
  mode: LimitMode;
  limit: string;
  /** per machine only: `limit: null` */
  unlimited: boolean;
  /** empty = gitlab-runner's default */
  requestConcurrency: string;
  /** machineId → override; empty = no override */
  overrides: Record<string, string>;
}

export interface LimitErrors {
  mode?: string;
  limit?: string;
  requestConcurrency?: string;
  overrides: Record<string, string>;
  general: string[];
}

const NO_ERRORS: LimitErrors = { overrides: {}, general: [] };

export function valuesFrom(token: RunnerTokenInfo, assignments: RunnerDetail['assignments']): LimitValues {
  return {
    mode: token.limitMode,
    limit: token.limitValue > 0 ? String(token.limitValue) : '',
    // 0 is "unlimited" in per-machine mode; a fleet budget is always a number.
    unlimited: token.limitMode === 'per_machine' && token.limitValue === 0,
    requestConcurrency: token.requestConcurrency != null ? String(token.requestConcurrency) : '',
    overrides: Object.fromEntries(
      assignments.map((a) => [a.machineId, a.limitOverride != null ? String(a.limitOverride) : '']),
    ),
  };
}

function signatureOf(values: LimitValues): string {
  const overrides = Object.entries(values.overrides)
    .filter(([, value]) => value.trim() !== '')
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([
    values.mode,
    values.unlimited && values.mode === 'per_machine' ? null : values.limit.trim(),
    values.requestConcurrency.trim(),
    overrides,
  ]);
}

const WHOLE_NUMBER = /^\d+$/;

/** Text to a number for the contract to judge; anything but digits becomes NaN, which the contract rejects. */
function toNumber(text: string): number {
  return WHOLE_NUMBER.test(text.trim()) ? Number(text.trim()) : Number.NaN;
}

function numberMessage(message: string): string {
  return /received NaN|expected number/i.test(message) ? 'Enter a whole number' : message;
}

/**
 * The PATCH body for the form: mode, limit and request concurrency always (so the request says exactly what the
 * person sees), overrides only where they changed and only in per-machine mode. Checked with the contract first.
 */
export function buildLimitsBody(
  values: LimitValues,
  baseline: LimitValues,
): { body: UpdateTokenLimitsBody; errors?: undefined } | { body?: undefined; errors: LimitErrors } {
  const perMachine = values.mode === 'per_machine';
  const errors: LimitErrors = { overrides: {}, general: [] };
  if (values.limit.trim() === '' && !(perMachine && values.unlimited)) {
    errors.limit = perMachine
      ? 'Enter a number of jobs, or tick Unlimited'
      : 'Enter the number of jobs the whole fleet may run at once';
  }
  const changedOverrides = perMachine
    ? Object.entries(values.overrides)
        .filter(([machineId, text]) => text.trim() !== (baseline.overrides[machineId] ?? '').trim())
        .map(([machineId, text]) => ({ machineId, limit: text.trim() === '' ? null : toNumber(text) }))
    : [];
  const raw = {
    limitMode: values.mode,
    limit: perMachine && values.unlimited ? null : toNumber(values.limit),
    requestConcurrency: values.requestConcurrency.trim() === '' ? null : toNumber(values.requestConcurrency),
    ...(changedOverrides.length > 0 ? { overrides: changedOverrides } : {}),
  };
  const parsed = UpdateTokenLimitsBody.safeParse(raw);
  if (!parsed.success) {
    const placed = placeClientIssues(parsed.error.issues, changedOverrides);
    errors.limit ??= placed.limit;
    errors.mode = placed.mode;
    errors.requestConcurrency = placed.requestConcurrency;
    errors.overrides = placed.overrides;
    errors.general = placed.general;
  }
  if (!parsed.success || errors.limit) return { errors };
  return { body: parsed.data };
}

function placeClientIssues(issues: z.core.$ZodIssue[], overrides: { machineId: string }[]): LimitErrors {
  const result: LimitErrors = { overrides: {}, general: [] };
  for (const issue of issues) {
    const [field, index] = issue.path;
    const message = numberMessage(issue.message);
    if (field === 'limit') result.limit ??= message;
    else if (field === 'requestConcurrency') result.requestConcurrency ??= message;
    else if (field === 'limitMode') result.mode ??= message;
    else if (field === 'overrides' && typeof index === 'number' && overrides[index]) {
      result.overrides[overrides[index].machineId] ??= message;
    } else result.general.push(message);
  }
  return result;
}

/**
 * Server field errors by the input they are about. Paths name the request part (`body.limit`); an override's
 * index (`body.overrides.2.machineId`) is resolved through the body that was sent.
 */
export function placeServerErrors(errors: FieldError[], sent: UpdateTokenLimitsBody): LimitErrors {
  const result: LimitErrors = { overrides: {}, general: [] };
  for (const error of errors) {
    const path = error.path.replace(/^body\./, '').split('.');
    const [field, index] = path;
    if (field === 'limit') result.limit ??= error.message;
    else if (field === 'requestConcurrency') result.requestConcurrency ??= error.message;
    else if (field === 'limitMode') result.mode ??= error.message;
    else if (field === 'overrides' && index !== undefined && sent.overrides?.[Number(index)]) {
      result.overrides[sent.overrides[Number(index)]!.machineId] ??= error.message;
    } else result.general.push(`${error.path}: ${error.message}`);
  }
  return result;
}

interface SaveResult {
  rollout: Rollout;
  startedAt: number;
  /** a new key per save, so a second save starts a fresh progress view */
  key: number;
}

/**
 * The job limit of a runner's token, its per-machine overrides, and the rollout a change causes. `prefill`
 * starts the form from a proposal (e.g. a suggested limit) instead of the saved values; it is saved only when the
 * person presses Save.
 */
export function TokenLimitEditor({
  runner,
  token,
  prefill,
}: {
  runner: RunnerDetail;
  token: RunnerTokenInfo;
  prefill?: (saved: LimitValues) => LimitValues;
}) {
  const headingId = useId();
  const server = valuesFrom(token, runner.assignments);
  const [values, setValues] = useState<LimitValues>(() => (prefill ? prefill(server) : server));
  const [baseline, setBaseline] = useState<LimitValues>(server);
  const dirty = signatureOf(values) !== signatureOf(baseline);
  // A refetch (after our save or someone else's) follows the server unless there are unsaved edits.
  if (signatureOf(server) !== signatureOf(baseline)) {
    setBaseline(server);
    if (!dirty) setValues(server);
  }
  const [errors, setErrors] = useState<LimitErrors>(NO_ERRORS);
  const [result, setResult] = useState<SaveResult>();
  const update = useUpdateTokenLimits(runner.id);
  const perMachine = values.mode === 'per_machine';
  const hostnames = Object.fromEntries(runner.assignments.map((a) => [a.machineId, a.hostname]));

  const change = (patch: Partial<LimitValues>) => setValues((current) => ({ ...current, ...patch }));
  const changeOverride = (machineId: string, text: string) =>
    setValues((current) => ({ ...current, overrides: { ...current.overrides, [machineId]: text } }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const built = buildLimitsBody(values, baseline);
    if (built.errors) {
      setErrors(built.errors);
      return;
    }
    setErrors(NO_ERRORS);
    const sent = built.body;
    update.mutate(sent, {
      onSuccess: (rollout) =>
        setResult((previous) => ({ rollout, startedAt: Date.now(), key: (previous?.key ?? 0) + 1 })),
      onError: (error) =>
        setErrors(
          isApiError(error) && error.fieldErrors.length > 0
            ? placeServerErrors(error.fieldErrors, sent)
            : { overrides: {}, general: [`Could not save: ${describeError(error)}`] },
        ),
    });
  };

  const reset = () => {
    setValues(baseline);
    setErrors(NO_ERRORS);
  };

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Job limit</h2>
      <p className="muted">
        Now: {formatTokenLimit(token)}
        {token.requestConcurrency != null ? `, request_concurrency ${token.requestConcurrency}` : ''}. Saving
        sends a new config.toml only to the machines it changes.
      </p>
      <form className="limit-form" onSubmit={submit} noValidate>
        <fieldset
          className="radio-group"
          aria-describedby={errors.mode ? `${headingId}-mode-error` : undefined}
        >
          <legend className="field-label">Limit mode</legend>
          <label className="radio">
            <input
              type="radio"
              name={`${headingId}-mode`}
              value="per_machine"
              checked={perMachine}
              onChange={() => change({ mode: 'per_machine' })}
            />
            <span>
              <span className="radio-label">Per machine</span>
              <span className="field-hint">
                The same job limit on every machine, unless a machine overrides it.
              </span>
            </span>
          </label>
          <label className="radio">
            <input
              type="radio"
              name={`${headingId}-mode`}
              value="fleet_budget"
              checked={!perMachine}
              onChange={() => change({ mode: 'fleet_budget' })}
            />
            <span>
              <span className="radio-label">Fleet budget</span>
              <span className="field-hint">One total for all machines, shared out by Paddock.</span>
            </span>
          </label>
          {errors.mode ? (
            <p id={`${headingId}-mode-error`} className="field-error">
              <span aria-hidden="true">⚠ </span>
              {errors.mode}
            </p>
          ) : null}
        </fieldset>

        {perMachine ? (
          <div className="limit-row">
            <Field
              label="Jobs per machine"
              hint="gitlab-runner's limit for this runner on each machine."
              error={errors.limit}
            >
              {(control) => (
                <input
                  {...control}
                  type="number"
                  inputMode="numeric"
                  min={1}
                  max={10_000}
                  step={1}
                  className="input input-number"
                  value={values.unlimited ? '' : values.limit}
                  disabled={values.unlimited}
                  placeholder={values.unlimited ? 'unlimited' : undefined}
                  onChange={(event) => change({ limit: event.target.value })}
                />
              )}
            </Field>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={values.unlimited}
                onChange={(event) => change({ unlimited: event.target.checked })}
              />
              <span>Unlimited</span>
            </label>
          </div>
        ) : (
          <Field
            label="Total jobs across the fleet"
            hint={
              <>
                The budget is split across this runner&apos;s healthy machines by capacity (CPU count), and
                re-split when a machine goes offline, drains or comes back. A fleet budget cannot be
                unlimited.
              </>
            }
            error={errors.limit}
          >
            {(control) => (
              <input
                {...control}
                type="number"
                inputMode="numeric"
                min={1}
                max={10_000}
                step={1}
                className="input input-number"
                value={values.limit}
                onChange={(event) => change({ limit: event.target.value })}
              />
            )}
          </Field>
        )}

        <Field
          label="Request concurrency"
          hint="How many job requests each machine may have open to GitLab at once for this runner (request_concurrency). Leave empty for gitlab-runner's default."
          error={errors.requestConcurrency}
        >
          {(control) => (
            <input
              {...control}
              type="number"
              inputMode="numeric"
              min={1}
              max={1_000}
              step={1}
              className="input input-number"
              value={values.requestConcurrency}
              onChange={(event) => change({ requestConcurrency: event.target.value })}
            />
          )}
        </Field>

        <h3>Machines</h3>
        {runner.assignments.length === 0 ? (
          <p className="muted">
            This runner is not assigned to any machine, so a new limit changes no config.toml until it is.
          </p>
        ) : (
          <>
            <p className="small muted">
              {perMachine
                ? 'An override replaces the limit on one machine; leave it empty to use the limit above.'
                : 'Overrides apply in per-machine mode only. The effective limit is each machine’s share of the budget.'}
            </p>
            <TableWrap label="Machines running this runner">
              <table className="table">
                <caption className="visually-hidden">Machines this runner runs on</caption>
                <thead>
                  <tr>
                    <th scope="col">Machine</th>
                    <th scope="col">System ID</th>
                    <th scope="col" className="num">
                      Limit override
                    </th>
                    <th scope="col" className="num">
                      request_concurrency override
                    </th>
                    <th scope="col" className="num">
                      Effective limit
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {runner.assignments.map((a) => {
                    const error = errors.overrides[a.machineId];
                    const errorId = `${headingId}-override-${a.machineId}-error`;
                    return (
                      <tr key={a.machineId}>
                        <th scope="row">
                          <Link to="/machines/$id" params={{ id: a.machineId }}>
                            {a.hostname}
                          </Link>
                        </th>
                        <td>
                          {a.systemId ? <code>{a.systemId}</code> : <span className="muted">unknown</span>}
                        </td>
                        <td className="num">
                          {perMachine ? (
                            <div className="override-cell">
                              <input
                                type="number"
                                inputMode="numeric"
                                min={1}
                                max={10_000}
                                step={1}
                                className="input input-number input-compact"
                                aria-label={`Limit override for ${a.hostname}`}
                                aria-invalid={error ? true : undefined}
                                aria-describedby={error ? errorId : undefined}
                                placeholder="none"
                                value={values.overrides[a.machineId] ?? ''}
                                onChange={(event) => changeOverride(a.machineId, event.target.value)}
                              />
                              {error ? (
                                <p id={errorId} className="field-error">
                                  <span aria-hidden="true">⚠ </span>
                                  {error}
                                </p>
                              ) : null}
                            </div>
                          ) : (
                            <span className="muted">—</span>
                          )}
                        </td>
                        <td className="num">{a.requestConcurrencyOverride ?? '—'}</td>
                        <td className="num">
                          {a.effectiveLimit == null
                            ? '—'
                            : a.effectiveLimit === 0
                              ? 'unlimited'
                              : a.effectiveLimit}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </TableWrap>
          </>
        )}

        {errors.general.length > 0 ? (
          <div className="form-error" role="alert">
            {errors.general.map((message) => (
              <p key={message}>{message}</p>
            ))}
          </div>
        ) : null}
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={update.isPending}>
            Save limits
          </Button>
          <Button variant="ghost" onClick={reset} disabled={!dirty || update.isPending}>
            Reset
          </Button>
          <span role="status" className="form-status">
            {dirty ? 'Unsaved changes' : ''}
          </span>
        </div>
      </form>
      {result ? (
        <RolloutProgress
          key={result.key}
          rollout={result.rollout}
          startedAt={result.startedAt}
          hostnames={hostnames}
          currentRunnerId={runner.id}
        />
      ) : null}
    </section>
  );
}
