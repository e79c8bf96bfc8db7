import { useState } from 'react';
import type { FormEvent } from 'react';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { SetupBody } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { ErrorState } from '../../../components/ui/error-state';
import { Field } from '../../../components/ui/field';
import { FormErrorSummary } from '../../../components/ui/form-error-summary';
import { LoadingState } from '../../../components/ui/loading-state';
import { isApiError } from '../../../lib/api-client';
import {
  formErrorsFromError,
  formErrorsFromIssues,
  mergeFormErrors,
  NO_FORM_ERRORS,
} from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useLinkToken } from '../link-token';
import { useCompleteSetup } from '../api/complete-setup';
import { useSetupStatus } from '../api/get-setup-status';
import { confirmError, linkIssueMessage, NewPasswordFields } from './new-password-fields';

const routeApi = getRouteApi('/setup');

const FIELDS = ['email', 'name', 'password', 'confirm'] as const;
const fieldOf = (path: string) => FIELDS.find((f) => f === path);

/** `/setup#token=…`: the first admin, with the one-time link the server prints at its first start. */
export function SetupPage() {
  useDocumentTitle('Set up Paddock');
  const token = useLinkToken(routeApi.useSearch().token);
  const status = useSetupStatus();

  return (
    <div className="auth-card">
      <h1>Set up Paddock</h1>
      {status.isPending ? (
        <LoadingState label="Checking whether setup is needed…" />
      ) : status.isError ? (
        <ErrorState
          title="Could not check whether setup is needed"
          error={status.error}
          onRetry={() => void status.refetch()}
          retrying={status.isFetching}
        />
      ) : !status.data.needed ? (
        <>
          <p>This Paddock already has an admin, so the setup link has done its job.</p>
          <p>
            <Link to="/login" className="btn btn-primary">
              Go to sign in
            </Link>
          </p>
        </>
      ) : !token ? (
        <div className="notice notice-warning">
          <p>
            This page needs the one-time setup link that Paddock printed in its log when it started, which
            looks like <code>/setup?token=…</code>. Restart Paddock to print a new one if it has expired.
          </p>
        </div>
      ) : (
        <>
          <p className="muted">Create the first admin account. You can invite everyone else afterwards.</p>
          <SetupForm token={token} />
        </>
      )}
    </div>
  );
}

function SetupForm({ token }: { token: string }) {
  const setup = useCompleteSetup();
  const navigate = useNavigate();
  const [errors, setErrors] = useState<FormErrors>(NO_FORM_ERRORS);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (key: string) => String(form.get(key) ?? '');
    const name = value('name').trim();
    const parsed = SetupBody.safeParse({
      token,
      email: value('email'),
      name: name === '' ? undefined : name,
      password: value('password'),
    });
    const mismatch = confirmError(value('password'), value('confirm'));
    const local: FormErrors = mismatch ? { fields: { confirm: mismatch }, general: [] } : NO_FORM_ERRORS;
    if (!parsed.success || mismatch) {
      const issues = parsed.success
        ? NO_FORM_ERRORS
        : formErrorsFromIssues(parsed.error.issues, { field: fieldOf, message: linkIssueMessage });
      setErrors(mergeFormErrors(local, issues));
      return;
    }
    setErrors(NO_FORM_ERRORS);
    setup.mutate(parsed.data, {
      onSuccess: () => void navigate({ to: '/', replace: true }),
      onError: (error) =>
        setErrors(
          isApiError(error) && error.status === 401
            ? { fields: {}, general: [error.problem.detail ?? 'The setup link is not valid any more.'] }
            : formErrorsFromError(error, { field: fieldOf, context: 'Could not create the admin' }),
        ),
    });
  };

  return (
    <form className="form" onSubmit={submit} noValidate aria-label="Create the first admin">
      <Field label="Email" error={errors.fields.email}>
        {(control) => (
          <input
            {...control}
            name="email"
            type="email"
            className="input"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            maxLength={320}
            required
            autoFocus
          />
        )}
      </Field>
      <Field label="Name (optional)" hint="How Paddock shows you to others." error={errors.fields.name}>
        {(control) => (
          <input {...control} name="name" className="input" autoComplete="name" maxLength={200} />
        )}
      </Field>
      <NewPasswordFields errors={errors} />
      <FormErrorSummary errors={errors} />
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={setup.isPending}>
          Create admin and sign in
        </Button>
      </div>
    </form>
  );
}
