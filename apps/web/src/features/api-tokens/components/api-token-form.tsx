import { useState } from 'react';
import type { FormEvent } from 'react';
import { CreateApiTokenBody, TokenScope } from '@paddock/contracts';
import type { CreatedApiToken } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { FormErrorSummary } from '../../../components/ui/form-error-summary';
import {
  formErrorsFromError,
  formErrorsFromIssues,
  mergeFormErrors,
  NO_FORM_ERRORS,
} from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { useCreateApiToken } from '../api/create-api-token';
import { endOfLocalDay, localDate } from '../expiry-date';

const FIELDS = ['name', 'scope', 'expiresAt'] as const;
const fieldOf = (path: string) => FIELDS.find((f) => f === path);

const SCOPE_CHOICES: Record<TokenScope, { label: string; hint: string }> = {
  read: { label: 'Read', hint: 'GET requests only: dashboards, exports, monitoring.' },
  write: { label: 'Read and write', hint: 'Everything your role allows, like you in the browser.' },
};

/** Creates an API token; the token itself goes to `onCreated` and is never kept by the form. */
export function ApiTokenForm({ onCreated }: { onCreated: (created: CreatedApiToken) => void }) {
  const create = useCreateApiToken();
  const [errors, setErrors] = useState<FormErrors>(NO_FORM_ERRORS);
  const [formKey, setFormKey] = useState(0);
  // Tomorrow is the first day a token can be chosen to expire.
  const [firstDay] = useState(() => localDate(new Date(Date.now() + 24 * 3600_000)));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const date = String(form.get('expiresAt') ?? '');
    const expiresAt = endOfLocalDay(date);
    const local: FormErrors =
      date !== '' && (expiresAt === null || Date.parse(expiresAt) <= Date.now())
        ? { fields: { expiresAt: 'must be a day in the future' }, general: [] }
        : NO_FORM_ERRORS;
    const parsed = CreateApiTokenBody.safeParse({
      name: String(form.get('name') ?? ''),
      scope: String(form.get('scope') ?? ''),
      expiresAt,
    });
    if (!parsed.success || local !== NO_FORM_ERRORS) {
      setErrors(
        mergeFormErrors(
          local,
          parsed.success ? NO_FORM_ERRORS : formErrorsFromIssues(parsed.error.issues, { field: fieldOf }),
        ),
      );
      return;
    }
    setErrors(NO_FORM_ERRORS);
    create.mutate(parsed.data, {
      onSuccess: (created) => {
        onCreated(created);
        create.reset();
        setFormKey((k) => k + 1);
      },
      onError: (error) =>
        setErrors(formErrorsFromError(error, { field: fieldOf, context: 'Could not create the token' })),
    });
  };

  return (
    <form key={formKey} className="form" onSubmit={submit} noValidate aria-label="Create an API token">
      <Field
        label="Name"
        hint="Says what uses it, e.g. “grafana export” or “deploy script”."
        error={errors.fields.name}
      >
        {(control) => (
          <input {...control} name="name" className="input" maxLength={100} autoComplete="off" required />
        )}
      </Field>
      <fieldset className="radio-group">
        <legend className="field-label">Scope</legend>
        {TokenScope.options.map((scope) => (
          <label key={scope} className="radio">
            <input type="radio" name="scope" value={scope} defaultChecked={scope === 'read'} />
            <span>
              <span className="radio-label">{SCOPE_CHOICES[scope].label}</span>
              <span className="small muted">{SCOPE_CHOICES[scope].hint}</span>
            </span>
          </label>
        ))}
        {errors.fields.scope ? (
          <p className="field-error">
            <span aria-hidden="true">⚠ </span>
            {errors.fields.scope}
          </p>
        ) : null}
      </fieldset>
      <Field
        label="Expires (optional)"
        hint="The token stops working at the end of this day. Leave empty for a token that does not expire."
        error={errors.fields.expiresAt}
        className="field-narrow"
      >
        {(control) => <input {...control} name="expiresAt" type="date" className="input" min={firstDay} />}
      </Field>
      <FormErrorSummary errors={errors} />
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={create.isPending}>
          Create API token
        </Button>
      </div>
    </form>
  );
}
