import { useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { UpdateMachineBody } from '@paddock/contracts';
import type { FieldError, Machine } from '@paddock/contracts';
import type { z } from 'zod';
import { Button } from '../../../components/ui/button';
import { describeError, isApiError } from '../../../lib/api-client';
import { useUpdateMachine } from '../api/update-machine';

interface Row {
  rowId: number;
  key: string;
  value: string;
}

/** An error that belongs to one row; `on` says which input to mark invalid. */
interface RowError {
  message: string;
  on: 'key' | 'value';
}

const LABEL_PATH_PREFIXES = ['body.labels.', 'labels.'];

/**
 * Finds the label key a field error is about. Keys may contain dots (`topology.io/zone`), so everything after
 * the `labels.` prefix is the key, not a further path.
 */
export function labelKeyOfPath(path: string): string | undefined {
  const prefix = LABEL_PATH_PREFIXES.find((p) => path.startsWith(p));
  return prefix ? path.slice(prefix.length) : undefined;
}

function rowsFrom(labels: Record<string, string>): Row[] {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value], index) => ({ rowId: index + 1, key, value }));
}

/** A comparable form of a label set, to tell whether the rows differ from what the server has. */
function signatureOf(entries: [string, string][]): string {
  return JSON.stringify([...entries].sort(([a], [b]) => a.localeCompare(b)));
}

function rowsSignature(rows: Row[]): string {
  return signatureOf(
    rows.filter((r) => r.key.trim() !== '' || r.value !== '').map((r) => [r.key.trim(), r.value]),
  );
}

/** The row-level and form-level errors for a set of issues, each placed on the row whose key it names. */
function placeErrors(
  rows: Row[],
  issues: { key: string | undefined; message: string; code: string }[],
): { byRow: Map<number, RowError>; general: string[] } {
  const byRow = new Map<number, RowError>();
  const general: string[] = [];
  for (const issue of issues) {
    const row = issue.key === undefined ? undefined : rows.find((r) => r.key.trim() === issue.key);
    if (row && !byRow.has(row.rowId)) {
      byRow.set(row.rowId, { message: issue.message, on: issue.code === 'invalid_key' ? 'key' : 'value' });
    } else if (!row) {
      general.push(issue.key ? `${issue.key}: ${issue.message}` : issue.message);
    }
  }
  return { byRow, general };
}

/** zod reports a bad record key as "Invalid key in record"; the key schema's own message says what is wrong. */
function clientIssues(error: z.ZodError) {
  return error.issues.map((issue) => {
    const inner = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
    const key = issue.path[0] === 'labels' && issue.path.length > 1 ? String(issue.path[1]) : undefined;
    return { key, message: inner ?? issue.message, code: issue.code };
  });
}

function serverIssues(errors: FieldError[]) {
  return errors.map((e) => ({ key: labelKeyOfPath(e.path), message: e.message, code: e.code }));
}

export function LabelsEditor({ machine }: { machine: Machine }) {
  const [rows, setRows] = useState<Row[]>(() => rowsFrom(machine.labels));
  const serverSignature = signatureOf(Object.entries(machine.labels));
  const [baseline, setBaseline] = useState(serverSignature);
  const dirty = rowsSignature(rows) !== baseline;
  // Someone else changed the labels (or our save came back): follow the server unless there are unsaved edits,
  // which must never be thrown away by a background refetch.
  if (serverSignature !== baseline) {
    setBaseline(serverSignature);
    if (!dirty) setRows(rowsFrom(machine.labels));
  }
  const [rowErrors, setRowErrors] = useState<Map<number, RowError>>(new Map());
  const [generalErrors, setGeneralErrors] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  // The row whose key input takes focus when it mounts, so "Add label" works from the keyboard alone.
  const focusOnMount = useRef<number>(undefined);
  const addButton = useRef<HTMLButtonElement>(null);
  const update = useUpdateMachine(machine.id);
  const headingId = useId();

  const edit = (rowId: number, change: Partial<Row>) => {
    setSaved(false);
    setRows((current) => current.map((r) => (r.rowId === rowId ? { ...r, ...change } : r)));
    setRowErrors((current) => {
      if (!current.has(rowId)) return current;
      const next = new Map(current);
      next.delete(rowId);
      return next;
    });
  };

  const addRow = () => {
    const rowId = Math.max(0, ...rows.map((r) => r.rowId)) + 1;
    setSaved(false);
    setRows([...rows, { rowId, key: '', value: '' }]);
    focusOnMount.current = rowId;
  };

  const removeRow = (rowId: number) => {
    setSaved(false);
    setRows((current) => current.filter((r) => r.rowId !== rowId));
    // Row ids are reused after removal, so the removed row's error must not linger.
    setRowErrors((current) => {
      const next = new Map(current);
      next.delete(rowId);
      return next;
    });
    // The focused button is about to disappear; keep focus inside the editor.
    addButton.current?.focus();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const filled = rows.filter((r) => r.key.trim() !== '' || r.value !== '');
    const local = new Map<number, RowError>();
    const seen = new Set<string>();
    for (const row of filled) {
      const key = row.key.trim();
      if (key === '') local.set(row.rowId, { message: 'Give this label a key', on: 'key' });
      else if (seen.has(key)) local.set(row.rowId, { message: `"${key}" is already used above`, on: 'key' });
      seen.add(key);
    }
    const labels = Object.fromEntries(filled.map((r) => [r.key.trim(), r.value]));
    const parsed = UpdateMachineBody.safeParse({ labels });
    const placed = parsed.success
      ? { byRow: new Map(), general: [] }
      : placeErrors(rows, clientIssues(parsed.error));
    const byRow = new Map([...placed.byRow, ...local]);
    setRowErrors(byRow);
    setGeneralErrors(placed.general);
    if (byRow.size > 0 || placed.general.length > 0 || !parsed.success) return;

    update.mutate(parsed.data, {
      onSuccess: (updated) => {
        setRows(rowsFrom(updated.labels));
        setRowErrors(new Map());
        setGeneralErrors([]);
        setSaved(true);
      },
      onError: (error) => {
        if (isApiError(error) && error.fieldErrors.length > 0) {
          const server = placeErrors(rows, serverIssues(error.fieldErrors));
          setRowErrors(server.byRow);
          setGeneralErrors(server.general);
        } else {
          setGeneralErrors([`Could not save: ${describeError(error)}`]);
        }
      },
    });
  };

  const reset = () => {
    setRows(rowsFrom(machine.labels));
    setRowErrors(new Map());
    setGeneralErrors([]);
    setSaved(false);
  };

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Labels</h2>
      <p className="muted">
        Labels group machines for filtering and for choosing where runners run. Saving replaces all labels.
      </p>
      <form onSubmit={submit} noValidate>
        {rows.length === 0 ? <p className="muted">This machine has no labels.</p> : null}
        <ul className="label-rows">
          {rows.map((row, index) => {
            const error = rowErrors.get(row.rowId);
            const errorId = `${headingId}-row-${row.rowId}-error`;
            const name = row.key.trim() || `row ${index + 1}`;
            return (
              <li key={row.rowId} className="label-row" data-testid={`label-row-${index}`}>
                <div className="label-row-inputs">
                  <label className="field">
                    <span className="field-label">Key</span>
                    <input
                      ref={(el) => {
                        if (el && focusOnMount.current === row.rowId) {
                          focusOnMount.current = undefined;
                          el.focus();
                        }
                      }}
                      className="input"
                      value={row.key}
                      onChange={(event) => edit(row.rowId, { key: event.target.value })}
                      aria-invalid={error?.on === 'key' ? true : undefined}
                      aria-describedby={error ? errorId : undefined}
                      autoCapitalize="none"
                      spellCheck={false}
                      maxLength={63}
                    />
                  </label>
                  <label className="field">
                    <span className="field-label">Value</span>
                    <input
                      className="input"
                      value={row.value}
                      onChange={(event) => edit(row.rowId, { value: event.target.value })}
                      aria-invalid={error?.on === 'value' ? true : undefined}
                      aria-describedby={error ? errorId : undefined}
                      maxLength={255}
                    />
                  </label>
                  <Button
                    variant="ghost"
                    onClick={() => removeRow(row.rowId)}
                    aria-label={`Remove label ${name}`}
                  >
                    Remove
                  </Button>
                </div>
                {error ? (
                  <p id={errorId} className="field-error">
                    <span aria-hidden="true">⚠ </span>
                    {error.message}
                  </p>
                ) : null}
              </li>
            );
          })}
        </ul>
        {generalErrors.length > 0 ? (
          <div className="form-error" role="alert">
            {generalErrors.map((message) => (
              <p key={message}>{message}</p>
            ))}
          </div>
        ) : null}
        <div className="form-actions">
          <Button ref={addButton} onClick={addRow}>
            Add label
          </Button>
          <Button onClick={reset} variant="ghost" disabled={!dirty || update.isPending}>
            Reset
          </Button>
          <Button type="submit" variant="primary" busy={update.isPending}>
            Save labels
          </Button>
          <span role="status" className={saved ? 'form-status form-status-ok' : 'form-status'}>
            {saved ? 'Labels saved.' : dirty ? 'Unsaved changes' : ''}
          </span>
        </div>
      </form>
    </section>
  );
}
