import { RUNNER_STATUS_FILTERS } from '@paddock/contracts';
import type { RunnerStatusFilter, TagCount } from '@paddock/contracts';
import type { FormEvent } from 'react';
import { Button } from '../../../components/ui/button';
import { CheckboxGroup } from '../../../components/ui/checkbox-group';
import { Field } from '../../../components/ui/field';
import { nonEmpty } from '../../../lib/search-params';
import { useTags } from '../api/get-tags';
import type { RunnersSearch } from '../runners-search';
import { RUNNER_STATUS_LABELS } from './runner-status';

const STATUS_OPTIONS = RUNNER_STATUS_FILTERS.map((value) => ({ value, label: RUNNER_STATUS_LABELS[value] }));

export interface RunnerFiltersProps {
  search: RunnersSearch;
  onChange: (change: Partial<RunnersSearch>) => void;
}

export function RunnerFilters({ search, onChange }: RunnerFiltersProps) {
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const q = String(new FormData(event.currentTarget).get('q') ?? '').trim();
    onChange({ q: q || undefined });
  };
  const selectedTags = search.tag ?? [];

  return (
    <section className="filters" aria-label="Filters">
      <form className="filters-text" onSubmit={submit} key={search.q ?? ''}>
        <Field label="Search">
          {(control) => (
            <input
              {...control}
              name="q"
              type="search"
              className="input"
              placeholder="Description"
              defaultValue={search.q ?? ''}
              maxLength={200}
            />
          )}
        </Field>
        <div className="filters-submit">
          <Button type="submit">Apply</Button>
        </div>
      </form>
      <div className="filters-row">
        <CheckboxGroup<RunnerStatusFilter>
          legend="Status"
          options={STATUS_OPTIONS}
          selected={search.status ?? []}
          onChange={(status) => onChange({ status: nonEmpty(status) })}
        />
        <TagFilter selected={selectedTags} onChange={(tag) => onChange({ tag: nonEmpty(tag) })} />
      </div>
    </section>
  );
}

/**
 * Tags come from `GET /tags`. A disclosure of checkboxes keeps a long tag list out of the way; tags in the URL
 * that no runner carries any more stay listed, so they can still be unticked.
 */
function TagFilter({ selected, onChange }: { selected: string[]; onChange: (tags: string[]) => void }) {
  const tags = useTags();
  const known: TagCount[] = tags.data?.items ?? [];
  const options = [
    ...known.map((t) => ({ value: t.tag, label: `${t.tag} (${t.runnerCount})` })),
    ...selected.filter((s) => !known.some((t) => t.tag === s)).map((s) => ({ value: s, label: s })),
  ];
  const summary = selected.length === 0 ? 'Any tag' : `${selected.length} selected`;

  return (
    <div className="field">
      {/* The summary names itself for screen readers; this label is for sighted alignment with the other filters. */}
      <span className="field-label" aria-hidden="true">
        Tags
      </span>
      <details className="disclosure">
        <summary>
          <span className="visually-hidden">Tags: </span>
          {summary}
        </summary>
        <div className="disclosure-body">
          {tags.isPending ? (
            <p className="muted">Loading tags…</p>
          ) : tags.isError ? (
            <p className="field-error">
              Could not load tags.{' '}
              <Button variant="ghost" onClick={() => void tags.refetch()}>
                Retry
              </Button>
            </p>
          ) : options.length === 0 ? (
            <p className="muted">No runner has tags yet.</p>
          ) : (
            <>
              <CheckboxGroup
                legend="Runners with every ticked tag"
                options={options}
                selected={selected}
                onChange={onChange}
              />
              {selected.length > 0 ? (
                <Button variant="ghost" onClick={() => onChange([])}>
                  Clear tags
                </Button>
              ) : null}
            </>
          )}
        </div>
      </details>
    </div>
  );
}
