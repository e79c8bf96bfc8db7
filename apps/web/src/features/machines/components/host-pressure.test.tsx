/**
 * Host figures and the pressure flag on the machine list and the machine page; the suggested limit opens the
 * runner's normal limit editor prefilled, and nothing is sent until the person saves.
 */
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Machine, MachinePressure } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import { aSessionAs } from '../../auth/testing';
import { aRunnerDetail, anAssignment } from '../../runners/testing';
import { aMachine } from '../testing';

const GiB = 1024 ** 3;
const RUNNER_ID = '0190f1a2-0000-7000-8000-00000000bbbb';

const HOST: NonNullable<Machine['host']> = {
  cpuCount: 8,
  load1: 7.5,
  cpuBusyPercent: 95,
  cpuPercent: 95,
  memoryBytes: 16 * GiB,
  memoryAvailableBytes: 4 * GiB,
  memoryPercent: 75,
  runningJobs: 6,
};

const HIGH: MachinePressure = {
  level: 'high',
  since: new Date(Date.now() - 7 * 60_000).toISOString(),
  runners: [
    {
      runnerId: RUNNER_ID,
      description: 'docker-builders',
      limitMode: 'per_machine',
      limitValue: 8,
      limitOverride: null,
      effectiveLimit: 8,
      running: 6,
      waiting: 0,
      suggestedLimit: 5,
    },
  ],
};

function serve(machine: Machine, role: 'admin' | 'viewer' = 'admin') {
  const runner = aRunnerDetail({
    id: RUNNER_ID,
    token: { ...aRunnerDetail().token!, limitValue: 8 },
    assignments: [anAssignment({ machineId: machine.id, hostname: machine.hostname, effectiveLimit: 8 })],
    machineCount: 1,
  });
  return stubFetch(({ url, method }) => {
    if (url.pathname === '/api/v1/auth/session') return json(aSessionAs(role));
    if (url.pathname === `/api/v1/machines/${machine.id}`) return json(machine);
    if (url.pathname === `/api/v1/machines/${machine.id}/revisions`) return json({ items: [] });
    if (url.pathname === '/api/v1/machines') return json({ items: [machine], nextCursor: null, total: 1 });
    if (url.pathname === `/api/v1/runners/${RUNNER_ID}` && method === 'GET') return json(runner);
    if (url.pathname === `/api/v1/runners/${RUNNER_ID}/token` && method === 'PATCH')
      return json({ id: '0190f1a2-0000-7000-8000-0000000000cc', revisions: [] });
    return undefined;
  });
}

describe('host pressure', () => {
  it('shows CPU and memory use and the flag in the machine list', async () => {
    serve(aMachine({ hostname: 'hot-1', host: HOST, pressure: HIGH }));
    renderApp('/machines');

    const row = (await screen.findByRole('link', { name: 'hot-1' })).closest('tr')!;
    expect(within(row).getByText('CPU 95 % · Memory 75 %')).toBeTruthy();
    expect(within(row).getByText('Host overloaded')).toBeTruthy();
  });

  it('shows the host figures, the flag and the suggested limit on the machine page', async () => {
    const machine = aMachine({ hostname: 'hot-2', host: HOST, pressure: HIGH });
    serve(machine);
    renderApp(`/machines/${machine.id}`);

    const host = await screen.findByRole('region', { name: 'Host' });
    expect(within(host).getByText('7.50')).toBeTruthy();
    expect(within(host).getByText('12 GiB of 16 GiB (75 %)')).toBeTruthy();
    expect(within(host).getByRole('heading', { name: 'This host is overloaded' })).toBeTruthy();
    const row = within(host).getByRole('link', { name: 'docker-builders' }).closest('tr')!;
    expect(
      within(row)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['8', '6', '5', expect.any(String)]);
  });

  it('opens the limit editor with the suggestion filled in, and saves only when the person does', async () => {
    const machine = aMachine({ hostname: 'hot-3', host: HOST, pressure: HIGH });
    const { requests } = serve(machine);
    renderApp(`/machines/${machine.id}`);

    fireEvent.click(
      await screen.findByRole('button', { name: 'Review the suggested limit for docker-builders' }),
    );
    const override = await screen.findByRole('spinbutton', { name: 'Limit override for hot-3' });
    expect((override as HTMLInputElement).value).toBe('5');
    expect(screen.getByText('Unsaved changes')).toBeTruthy();
    expect(requests.some((r) => r.method === 'PATCH')).toBe(false);

    fireEvent.click(screen.getByRole('button', { name: 'Save limits' }));
    await waitFor(() => expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(1));
    expect(requests.find((r) => r.method === 'PATCH')?.body).toMatchObject({
      limitMode: 'per_machine',
      limit: 8,
      overrides: [{ machineId: machine.id, limit: 5 }],
    });
  });

  it('offers no editor to a viewer', async () => {
    const flagged = aMachine({ hostname: 'hot-4', host: HOST, pressure: { ...HIGH, level: 'idle' } });
    serve(flagged, 'viewer');
    renderApp(`/machines/${flagged.id}`);
    expect(
      await screen.findByRole('heading', { name: 'This host is idle while jobs wait for its runners' }),
    ).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Review the suggested limit/ })).toBeNull();
  });

  it('says when the agent has sent no figures yet', async () => {
    const fresh = aMachine({ hostname: 'new-1' });
    serve(fresh);
    renderApp(`/machines/${fresh.id}`);
    expect(await screen.findByText("The agent has not reported this host's figures yet.")).toBeTruthy();
  });
});
