import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { json, renderWithQueryClient, stubFetch } from '../../../lib/testing';
import { aMachine } from '../testing';
import { LabelsEditor, labelKeyOfPath } from './labels-editor';

/** The list item holding the row whose key input has this value. */
function rowWithKey(key: string): HTMLElement {
  const input = screen
    .getAllByRole('textbox', { name: 'Key' })
    .find((el) => (el as HTMLInputElement).value === key);
  if (!input) throw new Error(`no row with key ${key}`);
  return input.closest('li')!;
}

describe('LabelsEditor', () => {
  it('shows a server field error next to the row it is about', async () => {
    const machine = aMachine({ labels: { region: 'eu', 'paddock.io/owner': 'ops' } });
    const { requests } = stubFetch(({ method }) =>
      method === 'PATCH'
        ? json(
            {
              type: 'urn:paddock:problem:validation_failed',
              title: 'Validation failed',
              status: 400,
              code: 'validation_failed',
              errors: [
                {
                  path: 'body.labels.paddock.io/owner',
                  message: 'keys under paddock.io/ are reserved',
                  code: 'invalid_key',
                },
              ],
            },
            400,
          )
        : undefined,
    );
    renderWithQueryClient(<LabelsEditor machine={machine} />);

    fireEvent.click(screen.getByRole('button', { name: 'Save labels' }));

    const message = await screen.findByText('keys under paddock.io/ are reserved');
    const reservedRow = rowWithKey('paddock.io/owner');
    expect(reservedRow.contains(message)).toBe(true);
    expect(rowWithKey('region').contains(message)).toBe(false);

    // The key input is marked invalid and announces the message; the value input is not blamed.
    const keyInput = within(reservedRow).getByRole('textbox', { name: 'Key' });
    expect(keyInput.getAttribute('aria-invalid')).toBe('true');
    expect(keyInput.getAttribute('aria-describedby')).toBe(message.closest('p')!.id);
    expect(
      within(reservedRow).getByRole('textbox', { name: 'Value' }).getAttribute('aria-invalid'),
    ).toBeNull();

    expect(requests[0]?.method).toBe('PATCH');
    expect(requests[0]?.url.pathname).toBe(`/api/v1/machines/${machine.id}`);
    expect(requests[0]?.body).toEqual({ labels: { 'paddock.io/owner': 'ops', region: 'eu' } });
  });

  it('checks keys with the contract before sending anything', async () => {
    const { requests } = stubFetch(() => undefined);
    renderWithQueryClient(<LabelsEditor machine={aMachine({ labels: { region: 'eu' } })} />);

    fireEvent.click(screen.getByRole('button', { name: 'Add label' }));
    const keys = screen.getAllByRole('textbox', { name: 'Key' });
    const newKey = keys[keys.length - 1]!;
    // The new row takes focus, so the keyboard flow continues where the person is typing.
    expect(document.activeElement).toBe(newKey);
    fireEvent.change(newKey, { target: { value: 'Bad Key' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save labels' }));

    expect(within(rowWithKey('Bad Key')).getByText(/label keys are 1-63 chars/)).toBeTruthy();
    expect(within(rowWithKey('region')).queryByText(/label keys/)).toBeNull();
    expect(requests).toHaveLength(0);
  });

  it('saves the edited set and says so', async () => {
    const machine = aMachine({ labels: { region: 'eu', old: 'x' } });
    const { requests } = stubFetch(({ method, body }) =>
      method === 'PATCH' ? json({ ...machine, ...(body as object) }) : undefined,
    );
    renderWithQueryClient(<LabelsEditor machine={machine} />);

    fireEvent.click(within(rowWithKey('old')).getByRole('button', { name: 'Remove label old' }));
    fireEvent.change(within(rowWithKey('region')).getByRole('textbox', { name: 'Value' }), {
      target: { value: 'us' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save labels' }));

    expect(await screen.findByText('Labels saved.')).toBeTruthy();
    expect(requests[0]?.body).toEqual({ labels: { region: 'us' } });
  });
});

describe('labelKeyOfPath', () => {
  it('keeps dots inside the key', () => {
    expect(labelKeyOfPath('body.labels.topology.io/zone')).toBe('topology.io/zone');
    expect(labelKeyOfPath('body.name')).toBeUndefined();
  });
});
