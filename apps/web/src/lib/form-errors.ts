/**
 * Form errors in one shape, whichever side found them: `fields` holds one message per input (keyed by the dotted
 * path of the value it edits, e.g. `executor.settings.docker.image`), `general` the rest. Client-side issues come
 * from the contract's zod schema; server field errors from a problem+json answer, whose paths name the request
 * part (`body.tags.2`). A form may map paths to its own keys (a row id, a machine id); a message it has no input
 * for is never dropped: it lands in `general`.
 */
import type { FieldError } from '@paddock/contracts';
import type { z } from 'zod';
import { describeError, isApiError } from './api-client';

export interface FormErrors {
  fields: Record<string, string>;
  general: string[];
}

export const NO_FORM_ERRORS: FormErrors = Object.freeze({
  fields: Object.freeze({}),
  general: [],
}) as FormErrors;

/** Maps a dotted path to the key of the input showing it; undefined when the form shows no input for it. */
export type FieldResolver = (path: string) => string | undefined;

const samePath: FieldResolver = (path) => (path === '' ? undefined : path);

/**
 * A resolver for forms whose inputs are keyed by contract paths: a path belongs to the longest key equal to it or
 * above it (`tags.3` → `tags`, `executor.settings.docker.volumes.0` → `executor.settings.docker.volumes`).
 */
export function pathsUnder(keys: readonly string[]): FieldResolver {
  const sorted = [...keys].sort((a, b) => b.length - a.length);
  return (path) => sorted.find((key) => path === key || path.startsWith(`${key}.`));
}

export function pathOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

export interface IssueOptions {
  field?: FieldResolver;
  /** A friendlier message for an issue, e.g. "Enter a whole number" for a NaN. */
  message?: (issue: z.core.$ZodIssue) => string;
}

/** Client-side validation: the first issue per input wins, so an input shows one message at a time. */
export function formErrorsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  { field = samePath, message = (issue) => issue.message }: IssueOptions = {},
): FormErrors {
  const result: FormErrors = { fields: {}, general: [] };
  for (const issue of issues) {
    const key = field(pathOf(issue.path));
    if (key === undefined) result.general.push(message(issue));
    else result.fields[key] ??= message(issue);
  }
  return result;
}

/**
 * Server field errors. Paths outside the body (`query.limit`) and body paths without an input keep their path in
 * the message, so the person can still tell what was refused.
 */
export function formErrorsFromFieldErrors(
  errors: readonly FieldError[],
  field: FieldResolver = samePath,
): FormErrors {
  const result: FormErrors = { fields: {}, general: [] };
  for (const error of errors) {
    const key = error.path.startsWith('body.') ? field(error.path.slice('body.'.length)) : undefined;
    if (key === undefined) result.general.push(`${error.path}: ${error.message}`);
    else result.fields[key] ??= error.message;
  }
  return result;
}

/**
 * A failed request as form errors: its field errors on their inputs, or one general line. `context` starts that
 * line ("Could not save") when the problem has no field errors.
 */
export function formErrorsFromError(
  error: unknown,
  { field, context }: { field?: FieldResolver; context?: string } = {},
): FormErrors {
  if (isApiError(error) && error.fieldErrors.length > 0)
    return formErrorsFromFieldErrors(error.fieldErrors, field);
  const line = describeError(error);
  return { fields: {}, general: [context ? `${context}: ${line}` : line] };
}

/** Several sources at once (local checks first): the earlier message for an input wins. */
export function mergeFormErrors(...all: FormErrors[]): FormErrors {
  const result: FormErrors = { fields: {}, general: [] };
  for (const errors of all) {
    for (const [key, message] of Object.entries(errors.fields)) result.fields[key] ??= message;
    result.general.push(...errors.general);
  }
  return result;
}

export function hasFormErrors(errors: FormErrors): boolean {
  return errors.general.length > 0 || Object.keys(errors.fields).length > 0;
}

/** The errors without the ones for `keys`, e.g. after the person edited those inputs. */
export function withoutFields(errors: FormErrors, keys: readonly string[]): FormErrors {
  if (!keys.some((key) => key in errors.fields)) return errors;
  const fields = { ...errors.fields };
  for (const key of keys) delete fields[key];
  return { fields, general: errors.general };
}
