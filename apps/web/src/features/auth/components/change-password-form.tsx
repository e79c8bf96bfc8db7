import { useState } from 'react';
import type { FormEvent } from 'react';
import { ChangePasswordBody } from '@paddock/contracts';
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
import { useChangePassword } from '../api/change-password';
import { confirmError, NewPasswordFields } from './new-password-fields';

const FIELDS = ['currentPassword', 'newPassword', 'confirm'] as const;
const fieldOf = (path: string) => FIELDS.find((f) => f === path);

/** The current password, then the new one twice. The API keeps this session and ends the others. */
export function ChangePasswordForm() {
  const change = useChangePassword();
  const [errors, setErrors] = useState<FormErrors>(NO_FORM_ERRORS);
  const [formKey, setFormKey] = useState(0);
  const [done, setDone] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setDone(false);
    const form = new FormData(event.currentTarget);
    const value = (key: string) => String(form.get(key) ?? '');
    const parsed = ChangePasswordBody.safeParse({
      currentPassword: value('currentPassword'),
      newPassword: value('newPassword'),
    });
    const mismatch = confirmError(value('newPassword'), value('confirm'));
    if (!parsed.success || mismatch) {
      setErrors(
        mergeFormErrors(
          mismatch ? { fields: { confirm: mismatch }, general: [] } : NO_FORM_ERRORS,
          parsed.success ? NO_FORM_ERRORS : formErrorsFromIssues(parsed.error.issues, { field: fieldOf }),
        ),
      );
      return;
    }
    setErrors(NO_FORM_ERRORS);
    change.mutate(parsed.data, {
      onSuccess: () => {
        // A fresh form drops the passwords from the DOM.
        setFormKey((k) => k + 1);
        setDone(true);
      },
      onError: (error) =>
        setErrors(formErrorsFromError(error, { field: fieldOf, context: 'Could not change the password' })),
    });
  };

  return (
    <form key={formKey} className="form" onSubmit={submit} noValidate aria-label="Change password">
      <Field label="Current password" error={errors.fields.currentPassword}>
        {(control) => (
          <input
            {...control}
            name="currentPassword"
            type="password"
            className="input"
            autoComplete="current-password"
            maxLength={256}
            required
          />
        )}
      </Field>
      <NewPasswordFields errors={errors} name="newPassword" label="New password" />
      <FormErrorSummary errors={errors} />
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={change.isPending}>
          Change password
        </Button>
        <span role="status" className="form-status form-status-ok">
          {done ? 'Password changed. Your other browsers were signed out.' : ''}
        </span>
      </div>
    </form>
  );
}
