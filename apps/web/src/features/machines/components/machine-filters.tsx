import { useState } from 'react';
import type { FormEvent } from 'react';
import { LabelSelector, MACHINE_SORTS, MACHINE_STATUS_FILTERS } from '@paddock/contracts';
import type { MachineSort, MachineStatusFilter } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { CheckboxGroup } from '../../../components/ui/checkbox-group';
import { Field } from '../../../components/ui/field';
import { nonEmpty } from '../../../lib/search-params';
import type { MachinesSearch } from '../machines-search';
import { MACHINE_STATUS_LABELS } from './machine-status';

export const SORT_LABELS: Record<MachineSort, string> = {
  hostname: 'Hostname, A to Z',
  '-hostname': 'Hostname, Z to A',
  '-lastSeenAt': 'Last seen, newest first',
  lastSeenAt: 'Last seen, oldest first',
  '-createdAt': 'Enrolled, newest first',
  createdAt: 'Enrolled, oldest first',
};

export const DEFAULT_SORT: MachineSort = 'hostname';

const STATUS_OPTIONS = MACHINE_STATUS_FILTERS.map((value) => ({
  value,
  label: MACHINE_STATUS_LABELS[value],
}));

/** Splits "region=eu, gpu" into selectors; returns the first invalid one so the field can say which. */
export function parseLabelSelectors(text: string): { selectors: string[]; invalid?: string } {
  const selectors = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const invalid = selectors.find((s) => !LabelSelector.safeParse(s).success);
  return { selectors, invalid };
}

export interface MachineFiltersProps {
  search: MachinesSearch;
  /** Receives only the keys that change; the page resets the cursor, since cursors belong to one filter set. */
  onChange: (change: Partial<MachinesSearch>) => void;
}

/**
 * Checkboxes and sort apply at once; the text fields apply on Enter or "Apply", so typing does not fire a request
 * per keystroke.
 */
export function MachineFilters({ search, onChange }: MachineFiltersProps) {
  const [labelError, setLabelError] = useState<string>();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const q = String(form.get('q') ?? '').trim();
    const { selectors, invalid } = parseLabelSelectors(String(form.get('label') ?? ''));
    if (invalid) {
      setLabelError(`"${invalid}" is not a label selector: use key=value or key, separated by commas`);
      return;
    }
    setLabelError(undefined);
    onChange({ q: q || undefined, label: nonEmpty(selectors) });
  };

  return (
    <section className="filters" aria-label="Filters">
      {/* Keyed by the URL's values, so Back/Forward refill the text fields. */}
      <form
        className="filters-text"
        onSubmit={submit}
        key={`${search.q ?? ''}|${(search.label ?? []).join(',')}`}
      >
        <Field label="Search">
          {(control) => (
            <input
              {...control}
              name="q"
              type="search"
              className="input"
              placeholder="Hostname or system_id"
              defaultValue={search.q ?? ''}
              maxLength={200}
            />
          )}
        </Field>
        <Field label="Labels" hint="key=value or key, comma-separated; all must match" error={labelError}>
          {(control) => (
            <input
              {...control}
              name="label"
              type="text"
              className="input"
              placeholder="region=eu, gpu"
              defaultValue={(search.label ?? []).join(', ')}
              autoCapitalize="none"
              spellCheck={false}
            />
          )}
        </Field>
        <div className="filters-submit">
          <Button type="submit">Apply</Button>
        </div>
      </form>
      <div className="filters-row">
        <CheckboxGroup<MachineStatusFilter>
          legend="Status"
          options={STATUS_OPTIONS}
          selected={search.status ?? []}
          onChange={(status) => onChange({ status: nonEmpty(status) })}
        />
        <Field label="Sort by" className="field-inline">
          {(control) => (
            <select
              {...control}
              className="select"
              value={search.sort ?? DEFAULT_SORT}
              onChange={(event) => {
                const sort = event.target.value as MachineSort;
                onChange({ sort: sort === DEFAULT_SORT ? undefined : sort });
              }}
            >
              {MACHINE_SORTS.map((sort) => (
                <option key={sort} value={sort}>
                  {SORT_LABELS[sort]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
    </section>
  );
}
