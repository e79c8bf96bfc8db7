import { useEffect, useRef } from 'react';
import type { FormErrors } from '../../lib/form-errors';

export interface SummaryField {
  label: string;
  /** the id of the input, so the summary can move focus to it */
  inputId: string;
}

export interface FormErrorSummaryProps {
  errors: FormErrors;
  /** Inputs by error key: when given, each field error is listed too, as a link that focuses its input. */
  fields?: Record<string, SummaryField>;
  /** Moves focus to the summary whenever this changes (e.g. a submit counter), so keyboard users land on it. */
  focusKey?: number;
}

/**
 * What stops a form from being sent: messages that belong to no input, and, on long forms, a list of the inputs
 * that need attention. Announced as an alert; each input still shows its own message beside it.
 */
export function FormErrorSummary({ errors, fields, focusKey }: FormErrorSummaryProps) {
  const ref = useRef<HTMLDivElement>(null);
  const linked = fields
    ? Object.entries(errors.fields).flatMap(([key, message]) =>
        fields[key] ? [{ key, message, ...fields[key] }] : [],
      )
    : [];
  const shown = errors.general.length > 0 || linked.length > 0;

  useEffect(() => {
    if (focusKey !== undefined && focusKey > 0) ref.current?.focus();
  }, [focusKey]);

  if (!shown) return null;
  return (
    <div ref={ref} className="form-error" role="alert" tabIndex={-1}>
      {errors.general.map((message) => (
        <p key={message}>{message}</p>
      ))}
      {linked.length > 0 ? (
        <>
          <p className="form-error-title">
            {linked.length === 1 ? 'One field needs attention:' : `${linked.length} fields need attention:`}
          </p>
          <ul className="form-error-list">
            {linked.map((item) => (
              <li key={item.key}>
                <a
                  href={`#${item.inputId}`}
                  onClick={(event) => {
                    // Following the fragment only scrolls; the person wants to type in the input.
                    event.preventDefault();
                    document.getElementById(item.inputId)?.focus();
                  }}
                >
                  {item.label}
                </a>
                : {item.message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
