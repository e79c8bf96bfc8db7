import { useState } from 'react';
import type { FormEvent } from 'react';
import { CreateGitlabInstanceBody, UpdateGitlabInstanceBody } from '@paddock/contracts';
import type { GitlabInstance } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { FormErrorSummary } from '../../../components/ui/form-error-summary';
import { formErrorsFromError, formErrorsFromIssues, NO_FORM_ERRORS } from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { useCreateGitlabInstance } from '../api/create-gitlab-instance';
import { useUpdateGitlabInstance } from '../api/update-gitlab-instance';

const FIELDS = ['name', 'url', 'accessToken'] as const;
type FormField = (typeof FIELDS)[number];
type Values = Record<FormField, string>;

/** Issues and field errors about these inputs go on them; anything else (e.g. "nothing to change") is general. */
const fieldOf = (path: string): FormField | undefined => FIELDS.find((f) => f === path);

interface GitlabInstanceFormProps {
  /** Edit this instance; without it the form connects a new one. */
  instance?: GitlabInstance;
  onDone?: (instance: GitlabInstance) => void;
  onCancel?: () => void;
}

export function GitlabInstanceForm({ instance, onDone, onCancel }: GitlabInstanceFormProps) {
  return instance ? (
    <EditForm instance={instance} onDone={onDone} onCancel={onCancel} />
  ) : (
    <CreateForm onDone={onDone} />
  );
}

function CreateForm({ onDone }: { onDone?: (instance: GitlabInstance) => void }) {
  const create = useCreateGitlabInstance();
  const [errors, setErrors] = useState<FormErrors>(NO_FORM_ERRORS);
  const [formKey, setFormKey] = useState(0);
  const [connected, setConnected] = useState<string>();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setConnected(undefined);
    const parsed = CreateGitlabInstanceBody.safeParse(readValues(event.currentTarget));
    if (!parsed.success) {
      setErrors(formErrorsFromIssues(parsed.error.issues, { field: fieldOf }));
      return;
    }
    setErrors(NO_FORM_ERRORS);
    create.mutate(parsed.data, {
      onSuccess: (created) => {
        // A fresh form drops the token from the DOM as soon as it is stored.
        setFormKey((k) => k + 1);
        setConnected(created.name);
        onDone?.(created);
      },
      onError: (error) => setErrors(formErrorsFromError(error, { field: fieldOf })),
    });
  };

  return (
    <form key={formKey} className="form" onSubmit={submit} noValidate>
      <FormFields errors={errors} tokenRequired />
      <FormErrorSummary errors={errors} />
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={create.isPending}>
          Connect GitLab
        </Button>
        <span role="status" className="form-status form-status-ok">
          {connected ? `Connected ${connected}.` : ''}
        </span>
      </div>
    </form>
  );
}

function EditForm({
  instance,
  onDone,
  onCancel,
}: {
  instance: GitlabInstance;
  onDone?: (instance: GitlabInstance) => void;
  onCancel?: () => void;
}) {
  const update = useUpdateGitlabInstance(instance.id);
  const [errors, setErrors] = useState<FormErrors>(NO_FORM_ERRORS);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const values = readValues(event.currentTarget);
    // Send only what changed; an empty token field keeps the stored token.
    const body: Partial<Values> = {};
    if (values.name.trim() !== instance.name) body.name = values.name;
    if (values.url.trim().replace(/\/+$/, '') !== instance.url) body.url = values.url;
    if (values.accessToken !== '') body.accessToken = values.accessToken;
    const parsed = UpdateGitlabInstanceBody.safeParse(body);
    if (!parsed.success) {
      setErrors(formErrorsFromIssues(parsed.error.issues, { field: fieldOf }));
      return;
    }
    setErrors(NO_FORM_ERRORS);
    update.mutate(parsed.data, {
      onSuccess: (updated) => onDone?.(updated),
      onError: (error) => setErrors(formErrorsFromError(error, { field: fieldOf })),
    });
  };

  return (
    <form className="form" onSubmit={submit} noValidate>
      <FormFields errors={errors} initial={instance} />
      <FormErrorSummary errors={errors} />
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={update.isPending}>
          Save changes
        </Button>
        <Button onClick={onCancel} disabled={update.isPending}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function FormFields({
  errors,
  initial,
  tokenRequired = false,
}: {
  errors: FormErrors;
  initial?: GitlabInstance;
  tokenRequired?: boolean;
}) {
  return (
    <>
      <Field
        label="Name"
        hint="How Paddock shows this GitLab, e.g. “GitLab.com” or “Internal”."
        error={errors.fields.name}
      >
        {(control) => (
          <input
            {...control}
            name="name"
            className="input"
            defaultValue={initial?.name}
            maxLength={100}
            required
            autoFocus={Boolean(initial)}
          />
        )}
      </Field>
      <Field label="URL" hint="The GitLab address, e.g. https://gitlab.example.com" error={errors.fields.url}>
        {(control) => (
          <input
            {...control}
            name="url"
            type="url"
            inputMode="url"
            className="input"
            defaultValue={initial?.url}
            placeholder="https://gitlab.example.com"
            autoCapitalize="none"
            spellCheck={false}
            required
          />
        )}
      </Field>
      <Field
        label="Access token"
        hint={
          tokenRequired
            ? 'A personal, group or project access token with the create_runner and manage_runner scopes. It is stored encrypted and never shown again.'
            : `Leave empty to keep the current token (ending in ${initial?.accessTokenLast4 ?? '????'}).`
        }
        error={errors.fields.accessToken}
      >
        {(control) => (
          <input
            {...control}
            name="accessToken"
            type="password"
            className="input"
            autoComplete="off"
            spellCheck={false}
            required={tokenRequired}
          />
        )}
      </Field>
    </>
  );
}

function readValues(form: HTMLFormElement): Values {
  const data = new FormData(form);
  return {
    name: String(data.get('name') ?? ''),
    url: String(data.get('url') ?? '').trim(),
    accessToken: String(data.get('accessToken') ?? ''),
  };
}
