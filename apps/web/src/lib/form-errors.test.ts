import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError } from './api-client';
import {
  formErrorsFromError,
  formErrorsFromFieldErrors,
  formErrorsFromIssues,
  hasFormErrors,
  mergeFormErrors,
  NO_FORM_ERRORS,
  pathsUnder,
  withoutFields,
} from './form-errors';

const Body = z
  .object({
    name: z.string().min(1, { message: 'give a name' }).max(3, { message: 'too long' }),
    settings: z.object({ image: z.string().min(1, { message: 'needs an image' }) }),
  })
  .refine((b) => b.name !== 'x', { message: 'not x' });

const problem = (errors: { path: string; message: string }[]) =>
  new ApiError({
    type: 'urn:paddock:problem:validation_failed',
    title: 'Validation failed',
    status: 400,
    code: 'validation_failed',
    errors: errors.map((e) => ({ ...e, code: 'custom' })),
  });

describe('formErrorsFromIssues', () => {
  it('keys issues by their dotted path, keeps the first per input and puts pathless ones in general', () => {
    const issues = Body.safeParse({ name: '', settings: { image: '' } }).error!.issues;
    expect(formErrorsFromIssues(issues)).toEqual({
      fields: { name: 'give a name', 'settings.image': 'needs an image' },
      general: [],
    });
    const refined = Body.safeParse({ name: 'x', settings: { image: 'a' } }).error!.issues;
    expect(formErrorsFromIssues(refined)).toEqual({ fields: {}, general: ['not x'] });
  });

  it('lets the form map paths to its own keys and reword messages; unmapped paths go to general', () => {
    const issues = Body.safeParse({ name: 'long!', settings: { image: '' } }).error!.issues;
    const placed = formErrorsFromIssues(issues, {
      field: (path) => (path === 'name' ? 'title' : undefined),
      message: (issue) => `${issue.message}!`,
    });
    expect(placed).toEqual({ fields: { title: 'too long!' }, general: ['needs an image!'] });
  });
});

describe('formErrorsFromFieldErrors', () => {
  it('strips the body part, and keeps the path in the message when no input shows it', () => {
    const placed = formErrorsFromFieldErrors(
      [
        { path: 'body.tags.1', message: 'no commas', code: 'custom' },
        { path: 'body.tags.1', message: 'second message', code: 'custom' },
        { path: 'query.limit', message: 'too big', code: 'custom' },
        { path: 'body.secret', message: 'refused', code: 'custom' },
      ],
      (path) => (path.startsWith('tags.') ? 'tags' : undefined),
    );
    expect(placed).toEqual({
      fields: { tags: 'no commas' },
      general: ['query.limit: too big', 'body.secret: refused'],
    });
  });
});

describe('formErrorsFromError', () => {
  it('places the field errors of a problem, or says what failed in one line', () => {
    expect(formErrorsFromError(problem([{ path: 'body.name', message: 'taken' }]))).toEqual({
      fields: { name: 'taken' },
      general: [],
    });
    expect(formErrorsFromError(problem([]), { context: 'Could not save' })).toEqual({
      fields: {},
      general: ['Could not save: Validation failed'],
    });
    expect(formErrorsFromError(new Error('boom'))).toEqual({ fields: {}, general: ['boom'] });
  });
});

describe('helpers', () => {
  it('merges with the earlier message winning, tells whether anything is wrong, and clears inputs', () => {
    const merged = mergeFormErrors(
      { fields: { a: 'first' }, general: ['one'] },
      { fields: { a: 'second', b: 'bee' }, general: ['two'] },
    );
    expect(merged).toEqual({ fields: { a: 'first', b: 'bee' }, general: ['one', 'two'] });
    expect(hasFormErrors(merged)).toBe(true);
    expect(hasFormErrors(NO_FORM_ERRORS)).toBe(false);
    expect(withoutFields(merged, ['a'])).toEqual({ fields: { b: 'bee' }, general: ['one', 'two'] });
    expect(withoutFields(merged, ['zzz'])).toBe(merged);
  });

  it('resolves a path to the longest input key at or above it', () => {
    const resolve = pathsUnder(['tags', 'executor.settings', 'executor.settings.docker.image']);
    expect(resolve('tags')).toBe('tags');
    expect(resolve('tags.3')).toBe('tags');
    expect(resolve('tagsExtra')).toBeUndefined();
    expect(resolve('executor.settings.docker.image')).toBe('executor.settings.docker.image');
    expect(resolve('executor.settings.docker.pull_policy.0')).toBe('executor.settings');
    expect(resolve('limits.limit')).toBeUndefined();
  });
});
