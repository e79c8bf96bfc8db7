import { useCallback, useState } from 'react';
import type { FormEvent } from 'react';
import { LoginBody } from '@paddock/contracts';
import type { SessionInfo } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { FormErrorSummary } from '../../../components/ui/form-error-summary';
import { isApiError } from '../../../lib/api-client';
import { formErrorsFromError, formErrorsFromIssues, NO_FORM_ERRORS } from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { useLogin } from '../api/login';
import { ThrottleNotice } from './throttle-notice';

const FIELDS = ['email', 'password'] as const;
const fieldOf = (path: string) => FIELDS.find((f) => f === path);

/** When the API throttles without saying for how long. */
const DEFAULT_WAIT_SECONDS = 30;

const WRONG_LOGIN = 'The email or password is not right.';

/** Email and password; a wrong pair, a throttled address and an unreachable API each get their own message. */
export function LoginForm({ onSignedIn }: { onSignedIn?: (session: SessionInfo) => void }) {
  const login = useLogin();
  const [errors, setErrors] = useState<FormErrors>(NO_FORM_ERRORS);
  const [throttled, setThrottled] = useState<{ seconds: number; attempt: number }>();
  const [attempt, setAttempt] = useState(0);
  const endThrottle = useCallback(() => setThrottled(undefined), []);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = attempt + 1;
    setAttempt(next);
    const parsed = LoginBody.safeParse({
      email: String(form.get('email') ?? ''),
      password: String(form.get('password') ?? ''),
    });
    if (!parsed.success) {
      setErrors(formErrorsFromIssues(parsed.error.issues, { field: fieldOf }));
      return;
    }
    setErrors(NO_FORM_ERRORS);
    login.mutate(parsed.data, {
      onSuccess: onSignedIn,
      onError: (error) => {
        if (isApiError(error) && error.status === 429) {
          setThrottled({ seconds: error.retryAfterSeconds ?? DEFAULT_WAIT_SECONDS, attempt: next });
        } else if (isApiError(error) && error.status === 401) {
          setErrors({ fields: {}, general: [error.problem.detail ?? WRONG_LOGIN] });
        } else {
          setErrors(formErrorsFromError(error, { field: fieldOf, context: 'Could not sign in' }));
        }
      },
    });
  };

  return (
    <form className="form" onSubmit={submit} noValidate aria-label="Sign in">
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
      <Field label="Password" error={errors.fields.password}>
        {(control) => (
          <input
            {...control}
            name="password"
            type="password"
            className="input"
            autoComplete="current-password"
            maxLength={256}
            required
          />
        )}
      </Field>
      <FormErrorSummary errors={errors} />
      {throttled ? (
        <ThrottleNotice key={throttled.attempt} seconds={throttled.seconds} onDone={endThrottle} />
      ) : null}
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={login.isPending} disabled={throttled !== undefined}>
          Sign in
        </Button>
      </div>
    </form>
  );
}
