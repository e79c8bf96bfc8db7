import type { FormErrors } from '../../../lib/form-errors';
import { Field } from '../../../components/ui/field';

/** A token from a link that was cut short fails the contract; say that instead of quoting the schema. */
export function linkIssueMessage(issue: { path: readonly PropertyKey[]; message: string }): string {
  return issue.path[0] === 'token'
    ? 'The link is incomplete: open or paste the whole link again.'
    : issue.message;
}

/** Says so when the two entries differ, before anything is sent. */
export function confirmError(password: string, confirm: string): string | undefined {
  return password !== confirm ? 'does not match the password above' : undefined;
}

/**
 * A new password typed twice. `name` is the body key the contract knows the password by (`password`,
 * `newPassword`); the repetition is checked here only.
 */
export function NewPasswordFields({
  errors,
  name = 'password',
  label = 'Password',
  autoFocus = false,
}: {
  errors: FormErrors;
  name?: string;
  label?: string;
  autoFocus?: boolean;
}) {
  return (
    <>
      <Field
        label={label}
        hint="At least 12 characters. A few unrelated words make a password that is long and easy to type."
        error={errors.fields[name]}
      >
        {(control) => (
          <input
            {...control}
            name={name}
            type="password"
            className="input"
            autoComplete="new-password"
            minLength={12}
            maxLength={256}
            required
            autoFocus={autoFocus}
          />
        )}
      </Field>
      <Field label={`Repeat ${label.toLowerCase()}`} error={errors.fields.confirm}>
        {(control) => (
          <input
            {...control}
            name="confirm"
            type="password"
            className="input"
            autoComplete="new-password"
            maxLength={256}
            required
          />
        )}
      </Field>
    </>
  );
}
