import { useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { CreateEnrollmentTokenBody, LABEL_KEY_PATTERN } from '@paddock/contracts';
import type { CreatedEnrollmentToken, FieldError } from '@paddock/contracts';
import type { z } from 'zod';
import { Button } from '../../../components/ui/button';
import { Field } from '../../../components/ui/field';
import { describeError, isApiError } from '../../../lib/api-client';
import { useCreateEnrollmentToken } from '../api/create-enrollment-token';

const HOUR_MS = 3600_000;

export const EXPIRY_OPTIONS = [
  { value: '1h', label: '1 hour', ms: HOUR_MS },
  { value: '24h', label: '24 hours', ms: 24 * HOUR_MS },
  { value: '7d', label: '7 days', ms: 7 * 24 * HOUR_MS },
  { value: 'never', label: 'Never', ms: null },
] as const;
type Expiry = (typeof EXPIRY_OPTIONS)[number]['value'];

/** The ISO expiry for a choice, counted from `now`; null never expires. */
export function expiresAtFor(expiry: Expiry, now: number): string | null {
  const option = EXPIRY_OPTIONS.find((o) => o.value === expiry);
  return option?.ms == null ? null : new Date(now + option.ms).toISOString();
}

interface LabelRow {
  rowId: number;
  key: string;
  value: string;
}

interface FormErrors {
  name?: string;
  maxUses?: string;
  expiresAt?: string;
  /** by row id */
  labels: Record<number, string>;
  general: string[];
}

const NO_ERRORS: FormErrors = { labels: {}, general: [] };

const KEY_MESSAGE =
  'Keys are 1-63 characters of a-z, 0-9, ".", "_", "/" and "-", starting and ending with a letter or digit';

function hasErrors(errors: FormErrors): boolean {
  return Boolean(
    errors.name ||
    errors.maxUses ||
    errors.expiresAt ||
    Object.keys(errors.labels).length > 0 ||
    errors.general.length > 0,
  );
}

function rowWithKey(rows: LabelRow[], key: string): LabelRow | undefined {
  return rows.find((r) => r.key.trim() === key);
}

function placeIssues(issues: z.core.$ZodIssue[], rows: LabelRow[]): FormErrors {
  const result: FormErrors = { labels: {}, general: [] };
  for (const issue of issues) {
    const [field, key] = issue.path;
    if (field === 'name') result.name ??= issue.message;
    else if (field === 'maxUses') result.maxUses ??= issue.message;
    else if (field === 'expiresAt') result.expiresAt ??= issue.message;
    else if (field === 'labels' && typeof key === 'string' && rowWithKey(rows, key)) {
      result.labels[rowWithKey(rows, key)!.rowId] ??=
        issue.code === 'invalid_key' ? KEY_MESSAGE : issue.message;
    } else result.general.push(issue.message);
  }
  return result;
}

/** Server field errors (`body.name`, `body.labels.<key>`) placed on their input. */
function placeServerErrors(errors: FieldError[], rows: LabelRow[]): FormErrors {
  const result: FormErrors = { labels: {}, general: [] };
  for (const error of errors) {
    const path = error.path.replace(/^body\./, '');
    if (path === 'name') result.name ??= error.message;
    else if (path === 'maxUses') result.maxUses ??= error.message;
    else if (path === 'expiresAt') result.expiresAt ??= error.message;
    else if (path.startsWith('labels.') && rowWithKey(rows, path.slice('labels.'.length))) {
      result.labels[rowWithKey(rows, path.slice('labels.'.length))!.rowId] ??= error.message;
    } else result.general.push(`${error.path}: ${error.message}`);
  }
  return result;
}

/** Creates an enrollment token; the token itself goes to `onCreated` and is never kept by the form. */
export function EnrollmentTokenForm({ onCreated }: { onCreated: (created: CreatedEnrollmentToken) => void }) {
  const create = useCreateEnrollmentToken();
  const id = useId();
  const [name, setName] = useState('');
  const [uses, setUses] = useState('1');
  const [unlimitedUses, setUnlimitedUses] = useState(false);
  const [expiry, setExpiry] = useState<Expiry>('24h');
  const [rows, setRows] = useState<LabelRow[]>([]);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const focusRow = useRef<number>(undefined);
  const addButton = useRef<HTMLButtonElement>(null);

  const editRow = (rowId: number, patch: Partial<LabelRow>) =>
    setRows((current) => current.map((r) => (r.rowId === rowId ? { ...r, ...patch } : r)));
  const addRow = () => {
    const rowId = Math.max(0, ...rows.map((r) => r.rowId)) + 1;
    focusRow.current = rowId;
    setRows([...rows, { rowId, key: '', value: '' }]);
  };
  const removeRow = (rowId: number) => {
    setRows((current) => current.filter((r) => r.rowId !== rowId));
    // The focused Remove button disappears; keep the keyboard inside the labels.
    addButton.current?.focus();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const local: FormErrors = { labels: {}, general: [] };
    const filled = rows.filter((r) => r.key.trim() !== '' || r.value !== '');
    const seen = new Set<string>();
    for (const row of filled) {
      const key = row.key.trim();
      if (key === '') local.labels[row.rowId] = 'Give this label a key';
      else if (!LABEL_KEY_PATTERN.test(key)) local.labels[row.rowId] = KEY_MESSAGE;
      else if (seen.has(key)) local.labels[row.rowId] = `"${key}" is already used above`;
      seen.add(key);
    }
    if (!unlimitedUses && !/^\d+$/.test(uses.trim())) local.maxUses = 'Enter a whole number of uses';
    const parsed = CreateEnrollmentTokenBody.safeParse({
      name,
      maxUses: unlimitedUses ? null : Number(uses.trim()),
      expiresAt: expiresAtFor(expiry, Date.now()),
      labels: Object.fromEntries(filled.map((r) => [r.key.trim(), r.value])),
    });
    const placed = parsed.success ? NO_ERRORS : placeIssues(parsed.error.issues, rows);
    const merged: FormErrors = {
      name: placed.name,
      maxUses: local.maxUses ?? placed.maxUses,
      expiresAt: placed.expiresAt,
      labels: { ...placed.labels, ...local.labels },
      general: placed.general,
    };
    setErrors(merged);
    if (!parsed.success || hasErrors(merged)) return;

    create.mutate(parsed.data, {
      onSuccess: (created) => {
        onCreated(created);
        // Forget the answer (it holds the token) now that the panel above has it.
        create.reset();
        setName('');
        setUses('1');
        setUnlimitedUses(false);
        setExpiry('24h');
        setRows([]);
      },
      onError: (error) =>
        setErrors(
          isApiError(error) && error.fieldErrors.length > 0
            ? placeServerErrors(error.fieldErrors, rows)
            : { labels: {}, general: [`Could not create the token: ${describeError(error)}`] },
        ),
    });
  };

  return (
    <form className="form" onSubmit={submit} noValidate>
      <Field
        label="Name"
        hint="Says what the token is for, e.g. “eu-west build hosts”. Hosts never see it."
        error={errors.name}
      >
        {(control) => (
          <input
            {...control}
            className="input"
            value={name}
            maxLength={100}
            required
            autoFocus
            onChange={(event) => setName(event.target.value)}
          />
        )}
      </Field>
      <div className="field-pair">
        <Field
          label="Uses"
          hint="How many machines may enroll with it."
          error={errors.maxUses}
          className="field-narrow"
        >
          {(control) => (
            <input
              {...control}
              type="number"
              inputMode="numeric"
              min={1}
              max={100_000}
              step={1}
              className="input input-number"
              value={unlimitedUses ? '' : uses}
              placeholder={unlimitedUses ? 'any number' : undefined}
              disabled={unlimitedUses}
              onChange={(event) => setUses(event.target.value)}
            />
          )}
        </Field>
        <label className="checkbox field-pair-check">
          <input
            type="checkbox"
            checked={unlimitedUses}
            onChange={(event) => setUnlimitedUses(event.target.checked)}
          />
          <span>Any number of machines</span>
        </label>
      </div>
      <Field label="Expires after" error={errors.expiresAt} className="field-narrow">
        {(control) => (
          <select
            {...control}
            className="select"
            value={expiry}
            onChange={(event) => setExpiry(event.target.value as Expiry)}
          >
            {EXPIRY_OPTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <fieldset className="checkbox-group">
        <legend className="field-label">Labels (optional)</legend>
        <p className="field-hint">Every machine enrolled with this token gets these labels.</p>
        {rows.length > 0 ? (
          <ul className="label-rows">
            {rows.map((row, index) => {
              const error = errors.labels[row.rowId];
              const errorId = `${id}-label-${row.rowId}-error`;
              const rowName = row.key.trim() || `row ${index + 1}`;
              return (
                <li key={row.rowId} className="label-row">
                  <div className="label-row-inputs">
                    <label className="field">
                      <span className="field-label">Key</span>
                      <input
                        ref={(el) => {
                          if (el && focusRow.current === row.rowId) {
                            focusRow.current = undefined;
                            el.focus();
                          }
                        }}
                        className="input"
                        value={row.key}
                        aria-invalid={error ? true : undefined}
                        aria-describedby={error ? errorId : undefined}
                        autoCapitalize="none"
                        spellCheck={false}
                        maxLength={63}
                        onChange={(event) => editRow(row.rowId, { key: event.target.value })}
                      />
                    </label>
                    <label className="field">
                      <span className="field-label">Value</span>
                      <input
                        className="input"
                        value={row.value}
                        maxLength={255}
                        onChange={(event) => editRow(row.rowId, { value: event.target.value })}
                      />
                    </label>
                    <Button
                      variant="ghost"
                      onClick={() => removeRow(row.rowId)}
                      aria-label={`Remove label ${rowName}`}
                    >
                      Remove
                    </Button>
                  </div>
                  {error ? (
                    <p id={errorId} className="field-error">
                      <span aria-hidden="true">⚠ </span>
                      {error}
                    </p>
                  ) : null}
                </li>
              );
            })}
          </ul>
        ) : null}
        <div className="form-actions">
          <Button ref={addButton} onClick={addRow}>
            Add label
          </Button>
        </div>
      </fieldset>
      {errors.general.length > 0 ? (
        <div className="form-error" role="alert">
          {errors.general.map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      ) : null}
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={create.isPending}>
          Create enrollment token
        </Button>
      </div>
    </form>
  );
}
