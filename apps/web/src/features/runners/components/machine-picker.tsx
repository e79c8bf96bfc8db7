import { useEffect, useId, useState } from 'react';
import { LabelSelector } from '@paddock/contracts';
import type { Machine } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { ChipInput } from '../../../components/ui/chip-input';
import { ChipList } from '../../../components/ui/chip';
import { Field } from '../../../components/ui/field';
import { TableWrap } from '../../../components/ui/table-wrap';
import { describeError } from '../../../lib/api-client';
import { formatCount } from '../../../lib/format';
import { useQuery } from '@tanstack/react-query';
import { machinesQueryOptions, useMachines } from '../../machines/api/get-machines';
import { labelStrings, MachineStatusBadges } from '../../machines/components/machine-status';

/** Enough to choose from; narrower filters find the rest. */
export const PICKER_PAGE_SIZE = 100;
const SEARCH_DELAY_MS = 250;

/** `value` once it has stopped changing for `ms`, so typing does not send a request per key. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** The selectors the API would accept; the others are shown as errors and left out of the query. */
export function splitSelectors(selectors: readonly string[]): { valid: string[]; invalid: string[] } {
  const valid: string[] = [];
  const invalid: string[] = [];
  for (const s of selectors) (LabelSelector.safeParse(s).success ? valid : invalid).push(s);
  return { valid, invalid };
}

function selectorError(invalid: string[]): string | undefined {
  return invalid.length > 0
    ? `Use key=value or key (lower-case key): ${invalid.map((s) => `"${s}"`).join(', ')}`
    : undefined;
}

/** Label suggestions from the machines in view, for the selector inputs' datalist. */
function LabelSuggestions({ id, machines }: { id: string; machines: Machine[] }) {
  const options = [...new Set(machines.flatMap((m) => labelStrings(m.labels)))].sort();
  return (
    <datalist id={id}>
      {options.map((option) => (
        <option key={option} value={option} />
      ))}
    </datalist>
  );
}

export interface MachinePickerProps {
  selected: readonly string[];
  onChange: (ids: string[]) => void;
  /** the form's message about the selection */
  error?: string;
  disabled?: boolean;
}

/**
 * Machines to run a runner on: find them by hostname or by labels, tick several. The selection survives changing
 * the filters, and says how many chosen machines the current filters hide.
 */
export function MachinePicker({ selected, onChange, error, disabled }: MachinePickerProps) {
  const id = useId();
  const [q, setQ] = useState('');
  const [selectors, setSelectors] = useState<string[]>([]);
  const { valid, invalid } = splitSelectors(selectors);
  const search = useSettled(q.trim(), SEARCH_DELAY_MS);
  const machines = useMachines({
    q: search || undefined,
    label: valid.length > 0 ? valid : undefined,
    limit: PICKER_PAGE_SIZE,
  });
  const shown = machines.data?.items ?? [];
  const hidden = selected.filter((machineId) => !shown.some((m) => m.id === machineId)).length;

  const toggle = (machineId: string, checked: boolean) =>
    onChange(checked ? [...selected, machineId] : selected.filter((s) => s !== machineId));
  const selectShown = () => onChange([...new Set([...selected, ...shown.map((m) => m.id)])]);

  return (
    <fieldset
      className="machine-picker"
      disabled={disabled}
      aria-describedby={error ? `${id}-error` : undefined}
    >
      <legend className="field-label">Machines</legend>
      <div className="machine-picker-filters">
        <Field label="Find by hostname or system ID">
          {(control) => (
            <input
              {...control}
              type="search"
              className="input"
              value={q}
              maxLength={200}
              onChange={(event) => setQ(event.target.value)}
            />
          )}
        </Field>
        <Field
          label="Filter by labels"
          hint="key=value or key; a machine must match every one."
          error={selectorError(invalid)}
        >
          {(control) => (
            <ChipInput
              control={control}
              values={selectors}
              onChange={setSelectors}
              noun="label filter"
              placeholder="os=linux"
              list={`${id}-labels`}
              maxLength={320}
            />
          )}
        </Field>
        <LabelSuggestions id={`${id}-labels`} machines={shown} />
      </div>
      <div className="machine-picker-bar">
        <p role="status" className="machine-picker-count">
          {formatCount(selected.length, 'machine', 'machines')} selected
          {hidden > 0 ? ` (${hidden} not shown by these filters)` : ''}
        </p>
        <Button onClick={selectShown} disabled={shown.length === 0}>
          Select all shown
        </Button>
        <Button variant="ghost" onClick={() => onChange([])} disabled={selected.length === 0}>
          Clear selection
        </Button>
      </div>
      {machines.isPending ? (
        <p className="muted">Loading machines…</p>
      ) : machines.isError ? (
        <div className="form-error">
          <p>Could not load machines: {describeError(machines.error)}</p>
          <Button onClick={() => void machines.refetch()} busy={machines.isFetching}>
            Retry
          </Button>
        </div>
      ) : shown.length === 0 ? (
        <p className="muted">
          {search || valid.length > 0
            ? 'No machine matches these filters.'
            : 'No machine is enrolled yet. Enroll one on the Machines page first.'}
        </p>
      ) : (
        <TableWrap label="Machines to choose from" updating={machines.isPlaceholderData}>
          <table className="table">
            <caption className="visually-hidden">Machines to choose from</caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Selected</span>
                </th>
                <th scope="col">Machine</th>
                <th scope="col">Labels</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Runners
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((machine) => (
                <tr key={machine.id}>
                  <td>
                    <input
                      type="checkbox"
                      id={`${id}-${machine.id}`}
                      checked={selected.includes(machine.id)}
                      onChange={(event) => toggle(machine.id, event.target.checked)}
                    />
                  </td>
                  <th scope="row">
                    <label htmlFor={`${id}-${machine.id}`}>{machine.hostname}</label>
                  </th>
                  <td>
                    <ChipList items={labelStrings(machine.labels)} />
                  </td>
                  <td>
                    <MachineStatusBadges machine={machine} />
                  </td>
                  <td className="num">{machine.runnerCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {machines.data && machines.data.total > shown.length ? (
        <p className="small muted">
          Showing {shown.length} of {machines.data.total}; narrow the filters to find the others.
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field-error">
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

/** How many machines label selectors match right now: what a runner targeted by labels would run on today. */
export function SelectorPreview({ selectors }: { selectors: readonly string[] }) {
  const { valid, invalid } = splitSelectors(selectors);
  const enabled = valid.length > 0 && invalid.length === 0;
  const machines = useQuery({ ...machinesQueryOptions({ label: valid, limit: 1 }), enabled });
  if (!enabled) return null;
  return (
    <p role="status" className="small">
      {machines.isPending
        ? 'Counting matching machines…'
        : machines.isError
          ? `Could not count matching machines: ${describeError(machines.error)}`
          : machines.data.total === 0
            ? 'No machine matches these labels now; the API refuses a runner with nowhere to run.'
            : `Matches ${formatCount(machines.data.total, 'machine', 'machines')} now.`}
    </p>
  );
}
