import { useState } from 'react';
import type { FormEvent } from 'react';
import { CreateUserBody, ROLES } from '@paddock/contracts';
import type { CreatedUser } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { FormErrorSummary } from '../../../components/ui/form-error-summary';
import { formErrorsFromError, formErrorsFromIssues, NO_FORM_ERRORS } from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { ROLE_DESCRIPTIONS, ROLE_LABELS } from '../../auth/roles';
import { useCreateUser } from '../api/create-user';

const FIELDS = ['email', 'name', 'role'] as const;
const fieldOf = (path: string) => FIELDS.find((f) => f === path);

/** Invites a person with a role; the one-time link goes to `onInvited`, never into the form's state. */
export function InviteUserForm({ onInvited }: { onInvited: (created: CreatedUser) => void }) {
  const create = useCreateUser();
  const [errors, setErrors] = useState<FormErrors>(NO_FORM_ERRORS);
  const [formKey, setFormKey] = useState(0);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = String(form.get('name') ?? '').trim();
    const parsed = CreateUserBody.safeParse({
      email: String(form.get('email') ?? ''),
      name: name === '' ? undefined : name,
      role: String(form.get('role') ?? ''),
    });
    if (!parsed.success) {
      setErrors(formErrorsFromIssues(parsed.error.issues, { field: fieldOf }));
      return;
    }
    setErrors(NO_FORM_ERRORS);
    create.mutate(parsed.data, {
      onSuccess: (created) => {
        onInvited(created);
        create.reset();
        setFormKey((k) => k + 1);
      },
      onError: (error) =>
        setErrors(formErrorsFromError(error, { field: fieldOf, context: 'Could not invite' })),
    });
  };

  return (
    <form key={formKey} className="form" onSubmit={submit} noValidate aria-label="Invite someone">
      <Field label="Email" error={errors.fields.email}>
        {(control) => (
          <input
            {...control}
            name="email"
            type="email"
            className="input"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            maxLength={320}
            required
          />
        )}
      </Field>
      <Field label="Name (optional)" error={errors.fields.name}>
        {(control) => <input {...control} name="name" className="input" autoComplete="off" maxLength={200} />}
      </Field>
      <fieldset className="radio-group">
        <legend className="field-label">Role</legend>
        {ROLES.map((role) => (
          <label key={role} className="radio">
            <input type="radio" name="role" value={role} defaultChecked={role === 'viewer'} />
            <span>
              <span className="radio-label">{ROLE_LABELS[role]}</span>
              <span className="small muted">{ROLE_DESCRIPTIONS[role]}</span>
            </span>
          </label>
        ))}
        {errors.fields.role ? (
          <p className="field-error">
            <span aria-hidden="true">⚠ </span>
            {errors.fields.role}
          </p>
        ) : null}
      </fieldset>
      <FormErrorSummary errors={errors} />
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={create.isPending}>
          Invite
        </Button>
      </div>
    </form>
  );
}
