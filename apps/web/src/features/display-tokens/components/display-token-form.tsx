import { useState } from 'react';
import type { FormEvent } from 'react';
import { CreateDisplayTokenBody } from '@paddock/contracts';
import type { CreatedDisplayToken } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { FormErrorSummary } from '../../../components/ui/form-error-summary';
import { formErrorsFromError, formErrorsFromIssues, NO_FORM_ERRORS } from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { useCreateDisplayToken } from '../api/create-display-token';

const fieldOf = (path: string) => (path === 'name' ? 'name' : undefined);

/** Creates a display token; the wall link goes to `onCreated` and is never kept by the form. */
export function DisplayTokenForm({ onCreated }: { onCreated: (created: CreatedDisplayToken) => void }) {
  const create = useCreateDisplayToken();
  const [errors, setErrors] = useState<FormErrors>(NO_FORM_ERRORS);
  const [formKey, setFormKey] = useState(0);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const parsed = CreateDisplayTokenBody.safeParse({
      name: String(new FormData(event.currentTarget).get('name') ?? ''),
    });
    if (!parsed.success) {
      setErrors(formErrorsFromIssues(parsed.error.issues, { field: fieldOf }));
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
        setErrors(
          formErrorsFromError(error, { field: fieldOf, context: 'Could not create the display token' }),
        ),
    });
  };

  return (
    <form key={formKey} className="form" onSubmit={submit} noValidate aria-label="Create a display token">
      <Field
        label="Name"
        hint="Where the screen hangs, e.g. “ops room TV”, so you know which one to revoke later."
        error={errors.fields.name}
      >
        {(control) => (
          <input {...control} name="name" className="input" maxLength={100} autoComplete="off" required />
        )}
      </Field>
      <FormErrorSummary errors={errors} />
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={create.isPending}>
          Create display token
        </Button>
      </div>
    </form>
  );
}
