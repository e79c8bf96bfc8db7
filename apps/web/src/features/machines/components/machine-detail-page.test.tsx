import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Machine } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import { machineKey } from '../api/get-machine';
import { aMachine } from '../testing';

function serve(machine: Machine) {
  let current = machine;
  return stubFetch(({ url, method, body }) => {
    if (url.pathname === `/api/v1/machines/${machine.id}`) {
      if (method === 'PATCH') {
        current = { ...current, ...(body as Pick<Machine, 'labels'>) };
        return json(current);
      }
      if (method === 'DELETE') return new Response(null, { status: 204 });
      return json(current);
    }
    if (url.pathname === `/api/v1/machines/${machine.id}/revisions`) return json({ items: [] });
    if (url.pathname === '/api/v1/machines') return json({ items: [], nextCursor: null, total: 0 });
    return undefined;
  });
}

describe('MachineDetailPage', () => {
  it('keeps the "saved" confirmation after the saved labels come back from the server', async () => {
    const machine = aMachine({ hostname: 'build-07', labels: { region: 'eu' } });
    serve(machine);
    const { queryClient } = renderApp(`/machines/${machine.id}`);

    expect(await screen.findByRole('heading', { level: 1, name: 'build-07' })).toBeTruthy();
    expect(document.title).toBe('build-07 · Paddock');
    fireEvent.change(screen.getByRole('textbox', { name: 'Value' }), { target: { value: 'us' } });
    expect(screen.getByText('Unsaved changes')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save labels' }));

    expect(await screen.findByText('Labels saved.')).toBeTruthy();
    // The page re-renders with the machine the server returned; the editor must survive that.
    await waitFor(() =>
      expect(queryClient.getQueryData<Machine>(machineKey(machine.id))?.labels).toEqual({ region: 'us' }),
    );
    // One macrotask: TanStack Query delivers cache updates to components in a setTimeout(0) batch.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(screen.getByText('Labels saved.')).toBeTruthy();
    expect((screen.getByRole('textbox', { name: 'Value' }) as HTMLInputElement).value).toBe('us');
  });

  it('deletes after confirmation and returns to the list', async () => {
    const machine = aMachine({ hostname: 'old-host' });
    const { requests } = serve(machine);
    const { router } = renderApp(`/machines/${machine.id}`);

    fireEvent.click(await screen.findByRole('button', { name: 'Delete machine' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole('heading', { name: 'Delete old-host?' })).toBeTruthy();
    expect(requests.some((r) => r.method === 'DELETE')).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete machine' }));

    await waitFor(() => expect(router.state.location.pathname).toBe('/machines'));
    expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(await screen.findByRole('heading', { name: 'No machines yet' })).toBeTruthy();
  });

  it('says so when the machine does not exist', async () => {
    stubFetch(() => undefined);
    renderApp('/machines/0190f1a2-0000-7000-8000-00000000ffff');

    expect(await screen.findByRole('heading', { name: 'This machine does not exist' })).toBeTruthy();
  });
});
