import { useState } from 'react';
import type { FormEvent } from 'react';
import { ActorType, AuditQuery } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { FormErrorSummary } from '../../../components/ui/form-error-summary';
import { formErrorsFromIssues, mergeFormErrors, NO_FORM_ERRORS } from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import type { AuditSearch } from '../audit-search';
import { isoToLocalInput, localInputToIso } from '../local-datetime';

export const ACTOR_TYPE_LABELS: Record<ActorType, string> = {
  user: 'Person',
  api_token: 'API token',
  agent: 'Agent',
  system: 'Paddock',
};

export type AuditFilterValues = Omit<AuditSearch, 'cursor'>;

const FIELDS = ['actorType', 'actor', 'action', 'targetType', 'targetId', 'from', 'to'] as const;
const fieldOf = (path: string) => FIELDS.find((f) => f === path);

export const NO_AUDIT_FILTERS: AuditFilterValues = {
  actorType: undefined,
  actor: undefined,
  action: undefined,
  targetType: undefined,
  targetId: undefined,
  from: undefined,
  to: undefined,
};

export interface AuditFiltersProps {
  search: AuditSearch;
  /** Receives every filter (undefined for the empty ones); the page puts them in the URL. */
  onApply: (filters: AuditFilterValues) => void;
}

/** The audit log's filters, applied together with "Apply" (or Enter), checked with the API's own query schema. */
export function AuditFilters({ search, onApply }: AuditFiltersProps) {
  const [errors, setErrors] = useState<FormErrors>(NO_FORM_ERRORS);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (key: string) => {
      const value = String(form.get(key) ?? '').trim();
      return value === '' ? undefined : value;
    };
    const fromText = String(form.get('from') ?? '');
    const toText = String(form.get('to') ?? '');
    const filters: AuditFilterValues = {
      actorType: text('actorType') as ActorType | undefined,
      actor: text('actor'),
      action: text('action'),
      targetType: text('targetType'),
      targetId: text('targetId'),
      from: localInputToIso(fromText),
      to: localInputToIso(toText),
    };
    const local: FormErrors = { fields: {}, general: [] };
    if (fromText !== '' && !filters.from) local.fields.from = 'Enter a date and time';
    if (toText !== '' && !filters.to) local.fields.to = 'Enter a date and time';
    if (filters.from && filters.to && filters.from > filters.to) local.fields.to = 'must be after “From”';
    const parsed = AuditQuery.safeParse(filters);
    const found = mergeFormErrors(
      local,
      parsed.success ? NO_FORM_ERRORS : formErrorsFromIssues(parsed.error.issues, { field: fieldOf }),
    );
    setErrors(found);
    if (Object.keys(found.fields).length > 0 || found.general.length > 0) return;
    onApply(filters);
  };

  return (
    <section className="filters" aria-label="Filters">
      {/* Keyed by the URL's values, so Back/Forward refill the inputs. */}
      <form
        key={JSON.stringify({ ...search, cursor: undefined })}
        className="audit-filters"
        onSubmit={submit}
        noValidate
      >
        <Field label="Actor type" error={errors.fields.actorType}>
          {(control) => (
            <select {...control} name="actorType" className="select" defaultValue={search.actorType ?? ''}>
              <option value="">Any</option>
              {ActorType.options.map((type) => (
                <option key={type} value={type}>
                  {ACTOR_TYPE_LABELS[type]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Actor" hint="An email, a token's name, or an id" error={errors.fields.actor}>
          {(control) => (
            <input
              {...control}
              name="actor"
              type="search"
              className="input"
              defaultValue={search.actor ?? ''}
              maxLength={320}
              autoCapitalize="none"
              spellCheck={false}
            />
          )}
        </Field>
        <Field
          label="Action"
          hint="runner.update, or runner. for every runner action"
          error={errors.fields.action}
        >
          {(control) => (
            <input
              {...control}
              name="action"
              type="search"
              className="input input-mono"
              defaultValue={search.action ?? ''}
              maxLength={100}
              autoCapitalize="none"
              spellCheck={false}
            />
          )}
        </Field>
        <Field label="Target type" hint="e.g. runner, machine, user" error={errors.fields.targetType}>
          {(control) => (
            <input
              {...control}
              name="targetType"
              type="search"
              className="input input-mono"
              defaultValue={search.targetType ?? ''}
              maxLength={64}
              autoCapitalize="none"
              spellCheck={false}
            />
          )}
        </Field>
        <Field label="Target ID" error={errors.fields.targetId}>
          {(control) => (
            <input
              {...control}
              name="targetId"
              type="search"
              className="input input-mono"
              defaultValue={search.targetId ?? ''}
              maxLength={64}
              autoCapitalize="none"
              spellCheck={false}
            />
          )}
        </Field>
        <Field label="From" hint="Your local time" error={errors.fields.from}>
          {(control) => (
            <input
              {...control}
              name="from"
              type="datetime-local"
              className="input"
              defaultValue={isoToLocalInput(search.from)}
            />
          )}
        </Field>
        <Field label="To" hint="Your local time" error={errors.fields.to}>
          {(control) => (
            <input
              {...control}
              name="to"
              type="datetime-local"
              className="input"
              defaultValue={isoToLocalInput(search.to)}
            />
          )}
        </Field>
        <div className="audit-filters-actions">
          <Button type="submit" variant="primary">
            Apply filters
          </Button>
          <Button
            onClick={(event) => {
              // Empties what was typed but not applied too.
              event.currentTarget.form?.reset();
              setErrors(NO_FORM_ERRORS);
              onApply(NO_AUDIT_FILTERS);
            }}
          >
            Clear
          </Button>
        </div>
        <FormErrorSummary errors={{ fields: {}, general: errors.general }} />
      </form>
    </section>
  );
}
