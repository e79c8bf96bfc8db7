import { useState } from 'react';
import type { FormEvent } from 'react';
import { CreateGitlabInstanceBody, UpdateGitlabInstanceBody } from '@paddock/contracts';
import type { FieldError, GitlabInstance } from '@paddock/contracts';
import type { z } from 'zod';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { describeError, isApiError } from '../../../lib/api-client';
import { useCreateGitlabInstance } from '../api/create-gitlab-instance';
import { useUpdateGitlabInstance } from '../api/update-gitlab-instance';

const FIELDS = ['name', 'url', 'accessToken'] as const;
type FormField = (typeof FIELDS)[number];
type Values = Record<FormField, string>;

export interface FormErrors {
  fields: Partial<Record<FormField, string>>;
  general: string[];
}

const NO_ERRORS: FormErrors = { fields: {}, general: [] };

function isFormField(name: string | undefined): name is FormField {
  return FIELDS.some((f) => f === name);
}

/** Client-side issues, keyed by the field they name; issues about the whole body (e.g. "nothing to change") are general. */
export function errorsFromIssues(issues: z.core.$ZodIssue[]): FormErrors {
  const result: FormErrors = { fields: {}, general: [] };
  for (const issue of issues) {
    const field = issue.path[0];
    if (typeof field === 'string' && isFormField(field)) result.fields[field] ??= issue.message;
    else result.general.push(issue.message);
  }
  return result;
}

/** Server field errors name the request part (`body.url`); strip it to find the input. */
export function errorsFromServer(errors: FieldError[]): FormErrors {
  const result: FormErrors = { fields: {}, general: [] };
  for (const error of errors) {
    const field = error.path.replace(/^body\./, '');
    if (isFormField(field)) result.fields[field] ??= error.message;
    else result.general.push(`${error.path}: ${error.message}`);
  }
  return result;
}

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
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [formKey, setFormKey] = useState(0);
  const [connected, setConnected] = useState<string>();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setConnected(undefined);
    const parsed = CreateGitlabInstanceBody.safeParse(readValues(event.currentTarget));
    if (!parsed.success) {
      setErrors(errorsFromIssues(parsed.error.issues));
      return;
    }
    setErrors(NO_ERRORS);
    create.mutate(parsed.data, {
      onSuccess: (created) => {
        // A fresh form drops the token from the DOM as soon as it is stored.
        setFormKey((k) => k + 1);
        setConnected(created.name);
        onDone?.(created);
      },
      onError: (error) => setErrors(serverErrors(error)),
    });
  };

  return (
    <form key={formKey} className="form" onSubmit={submit} noValidate>
      <FormFields errors={errors} tokenRequired />
      <FormErrorsSummary errors={errors} />
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
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);

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
      setErrors(errorsFromIssues(parsed.error.issues));
      return;
    }
    setErrors(NO_ERRORS);
    update.mutate(parsed.data, {
      onSuccess: (updated) => onDone?.(updated),
      onError: (error) => setErrors(serverErrors(error)),
    });
  };

  return (
    <form className="form" onSubmit={submit} noValidate>
      <FormFields errors={errors} initial={instance} />
      <FormErrorsSummary errors={errors} />
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

function FormErrorsSummary({ errors }: { errors: FormErrors }) {
  if (errors.general.length === 0) return null;
  return (
    <div className="form-error" role="alert">
      {errors.general.map((message) => (
        <p key={message}>{message}</p>
      ))}
    </div>
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

function serverErrors(error: unknown): FormErrors {
  if (isApiError(error) && error.fieldErrors.length > 0) {
    const mapped = errorsFromServer(error.fieldErrors);
    return mapped;
  }
  return { fields: {}, general: [describeError(error)] };
}
