import { useState } from 'react';
import type { FormEvent } from 'react';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { AcceptInviteBody } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { FormErrorSummary } from '../../../components/ui/form-error-summary';
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
import { useAcceptInvite } from '../api/accept-invite';
import { confirmError, linkIssueMessage, NewPasswordFields } from './new-password-fields';

const routeApi = getRouteApi('/invite');

const FIELDS = ['password', 'confirm'] as const;
const fieldOf = (path: string) => FIELDS.find((f) => f === path);

/** `/invite#token=…`: an invited person (or one who asked for a new password) chooses a password. */
export function InvitePage() {
  useDocumentTitle('Choose your password');
  const token = useLinkToken(routeApi.useSearch().token);
  return (
    <div className="auth-card">
      <h1>Choose your password</h1>
      {token ? (
        <>
          <p className="muted">You were invited to Paddock. Choose a password to finish and sign in.</p>
          <InviteForm token={token} />
        </>
      ) : (
        <div className="notice notice-warning">
          <p>
            This page needs the link an admin gave you, which looks like <code>/invite?token=…</code>. Ask
            them for a new one if you no longer have it.
          </p>
        </div>
      )}
    </div>
  );
}

function InviteForm({ token }: { token: string }) {
  const accept = useAcceptInvite();
  const navigate = useNavigate();
  const [errors, setErrors] = useState<FormErrors>(NO_FORM_ERRORS);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get('password') ?? '');
    const parsed = AcceptInviteBody.safeParse({ token, password });
    const mismatch = confirmError(password, String(form.get('confirm') ?? ''));
    if (!parsed.success || mismatch) {
      setErrors(
        mergeFormErrors(
          mismatch ? { fields: { confirm: mismatch }, general: [] } : NO_FORM_ERRORS,
          parsed.success
            ? NO_FORM_ERRORS
            : formErrorsFromIssues(parsed.error.issues, { field: fieldOf, message: linkIssueMessage }),
        ),
      );
      return;
    }
    setErrors(NO_FORM_ERRORS);
    accept.mutate(parsed.data, {
      onSuccess: () => void navigate({ to: '/', replace: true }),
      onError: (error) =>
        setErrors(
          isApiError(error) && error.status === 401
            ? { fields: {}, general: [error.problem.detail ?? 'This link is not valid any more.'] }
            : formErrorsFromError(error, { field: fieldOf, context: 'Could not set the password' }),
        ),
    });
  };

  return (
    <form className="form" onSubmit={submit} noValidate aria-label="Choose your password">
      <NewPasswordFields errors={errors} autoFocus />
      <FormErrorSummary errors={errors} />
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={accept.isPending}>
          Set password and sign in
        </Button>
      </div>
    </form>
  );
}
