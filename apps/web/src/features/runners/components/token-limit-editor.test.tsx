import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Rollout, RolloutStatus, RunnerDetail } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import { ROLLOUT_POLL_LIMIT_MS, ROLLOUT_POLL_MS } from '../../rollouts/api/get-rollout';
import type { Handler } from '../../../lib/testing';
import { aRunnerDetail, anAssignment } from '../testing';

const A = '0190f1a2-0000-7000-8000-00000000000a';
const B = '0190f1a2-0000-7000-8000-00000000000b';
const ROLLOUT = '0190f1a2-0000-7000-8000-0000000000f1';

function twoMachineRunner(overrides: Partial<RunnerDetail> = {}): RunnerDetail {
  return aRunnerDetail({
    assignments: [
      anAssignment({ machineId: A, hostname: 'alpha', effectiveLimit: 4 }),
      anAssignment({ machineId: B, hostname: 'bravo', effectiveLimit: 4 }),
    ],
    ...overrides,
  });
}

const rollout = (overrides: Partial<Rollout> = {}): Rollout => ({
  rolloutId: ROLLOUT,
  revisions: [
    { machineId: A, revision: 5 },
    { machineId: B, revision: 8 },
  ],
  unchanged: [],
  shortfalls: [],
  ...overrides,
});

/** Serves the runner; `patch` answers the PATCH; `rollouts` are answered in turn, the last one repeated. */
function serve(runner: RunnerDetail, patch: Handler, rollouts: RolloutStatus[] = []) {
  let reads = 0;
  return stubFetch((request) => {
    const { url, method } = request;
    if (url.pathname === `/api/v1/runners/${runner.id}/token` && method === 'PATCH') return patch(request);
    if (url.pathname === `/api/v1/runners/${runner.id}`) return json(runner);
    if (url.pathname === `/api/v1/rollouts/${ROLLOUT}` && rollouts.length > 0) {
      const answer = rollouts[Math.min(reads, rollouts.length - 1)]!;
      reads += 1;
      return json(answer);
    }
    return undefined;
  });
}

const status = (
  machines: [string, string, number, RolloutStatus['machines'][number]['status'], string?][],
) => ({
  rolloutId: ROLLOUT,
  reason: 'token limit: 6 per machine',
  createdAt: '2025-01-01T10:00:00.000Z',
  machines: machines.map(([machineId, hostname, revision, state, error]) => ({
    machineId,
    hostname,
    revision,
    status: state,
    error: error ?? null,
    appliedAt: state === 'applied' ? new Date().toISOString() : null,
  })),
});

function setNumber(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

async function openEditor(runner: RunnerDetail) {
  const app = renderApp(`/runners/${runner.id}`);
  await screen.findByRole('heading', { name: 'Job limit' });
  return app;
}

const patches = (requests: { method: string; body: unknown }[]) =>
  requests.filter((r) => r.method === 'PATCH').map((r) => r.body);

afterEach(() => {
  vi.useRealTimers();
});

describe('token limit editor', () => {
  it('saves a per-machine limit with only the overrides that changed', async () => {
    const runner = twoMachineRunner({
      assignments: [
        anAssignment({ machineId: A, hostname: 'alpha', limitOverride: 2 }),
        anAssignment({ machineId: B, hostname: 'bravo' }),
      ],
    });
    const { requests } = serve(runner, () => json(rollout({ revisions: [] })));
    await openEditor(runner);

    expect((screen.getByRole('radio', { name: /Per machine/ }) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('Jobs per machine') as HTMLInputElement).value).toBe('4');
    expect((screen.getByLabelText('Limit override for alpha') as HTMLInputElement).value).toBe('2');
    setNumber('Jobs per machine', '6');
    setNumber('Limit override for bravo', '3');
    setNumber('Request concurrency', '2');
    fireEvent.click(screen.getByRole('button', { name: 'Save limits' }));

    await waitFor(() =>
      expect(patches(requests)).toEqual([
        {
          limitMode: 'per_machine',
          limit: 6,
          requestConcurrency: 2,
          overrides: [{ machineId: B, limit: 3 }],
        },
      ]),
    );
    expect(requests.find((r) => r.method === 'PATCH')?.url.pathname).toBe(
      `/api/v1/runners/${runner.id}/token`,
    );
    expect(await screen.findByText(/Nothing changed:/)).toBeTruthy();
  });

  it('sends null for an unlimited limit and for a removed override', async () => {
    const runner = twoMachineRunner({
      assignments: [anAssignment({ machineId: A, hostname: 'alpha', limitOverride: 2 })],
    });
    const { requests } = serve(runner, () => json(rollout({ revisions: [] })));
    await openEditor(runner);

    fireEvent.click(screen.getByRole('checkbox', { name: 'Unlimited' }));
    expect((screen.getByLabelText('Jobs per machine') as HTMLInputElement).disabled).toBe(true);
    setNumber('Limit override for alpha', '');
    fireEvent.click(screen.getByRole('button', { name: 'Save limits' }));

    await waitFor(() =>
      expect(patches(requests)).toEqual([
        {
          limitMode: 'per_machine',
          limit: null,
          requestConcurrency: null,
          overrides: [{ machineId: A, limit: null }],
        },
      ]),
    );
  });

  it('has no "Unlimited" and no overrides for a fleet budget, and explains how the budget is split', async () => {
    const runner = twoMachineRunner();
    const { requests } = serve(runner, () => json(rollout({ revisions: [] })));
    await openEditor(runner);

    expect(screen.getByRole('checkbox', { name: 'Unlimited' })).toBeTruthy();
    fireEvent.click(screen.getByRole('radio', { name: /Fleet budget/ }));

    expect(screen.queryByRole('checkbox', { name: 'Unlimited' })).toBeNull();
    expect(screen.queryByLabelText('Limit override for alpha')).toBeNull();
    expect(
      screen.getByText(
        /split across this runner's healthy machines by capacity .* re-split when a machine goes offline, drains or comes back/,
      ),
    ).toBeTruthy();
    setNumber('Total jobs across the fleet', '10');
    fireEvent.click(screen.getByRole('button', { name: 'Save limits' }));

    await waitFor(() =>
      expect(patches(requests)).toEqual([{ limitMode: 'fleet_budget', limit: 10, requestConcurrency: null }]),
    );
  });

  it('checks the form with the contract before sending', async () => {
    const runner = twoMachineRunner();
    const { requests } = serve(runner, () => json(rollout()));
    await openEditor(runner);

    fireEvent.click(screen.getByRole('radio', { name: /Fleet budget/ }));
    setNumber('Total jobs across the fleet', '');
    setNumber('Request concurrency', '0');
    fireEvent.click(screen.getByRole('button', { name: 'Save limits' }));

    expect(await screen.findByText('Enter the number of jobs the whole fleet may run at once')).toBeTruthy();
    expect(screen.getByLabelText('Total jobs across the fleet').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Request concurrency').getAttribute('aria-invalid')).toBe('true');
    expect(patches(requests)).toEqual([]);
  });

  it('puts server field errors next to the input they name, including an override by its index', async () => {
    const runner = twoMachineRunner();
    serve(runner, () =>
      json(
        {
          type: 'urn:paddock:problem:validation_failed',
          title: 'Validation failed',
          status: 400,
          code: 'validation_failed',
          errors: [
            {
              path: 'body.overrides.1.machineId',
              message: 'this runner is not assigned to that machine',
              code: 'not_assigned',
            },
            {
              path: 'body.limit',
              message: 'a fleet budget is a number of jobs, not unlimited',
              code: 'required',
            },
          ],
        },
        400,
      ),
    );
    await openEditor(runner);

    setNumber('Limit override for alpha', '1');
    setNumber('Limit override for bravo', '2');
    fireEvent.click(screen.getByRole('button', { name: 'Save limits' }));

    const overrideError = await screen.findByText('this runner is not assigned to that machine');
    const bravo = screen.getByLabelText('Limit override for bravo');
    const alpha = screen.getByLabelText('Limit override for alpha');
    expect(bravo.closest('tr')!.contains(overrideError)).toBe(true);
    expect(bravo.getAttribute('aria-invalid')).toBe('true');
    expect(bravo.getAttribute('aria-describedby')).toBe(overrideError.closest('p')!.id);
    expect(alpha.getAttribute('aria-invalid')).toBeNull();

    const limitError = screen.getByText('a fleet budget is a number of jobs, not unlimited');
    const limit = screen.getByLabelText('Jobs per machine');
    expect(limit.getAttribute('aria-invalid')).toBe('true');
    expect(limit.getAttribute('aria-describedby')).toContain(limitError.closest('p')!.id);
  });

  it('follows the rollout machine by machine until none is pending', async () => {
    const runner = twoMachineRunner();
    const { requests } = serve(runner, () => json(rollout()), [
      status([
        [A, 'alpha', 5, 'pending'],
        [B, 'bravo', 8, 'pending'],
      ]),
      status([
        [A, 'alpha', 5, 'applied'],
        [B, 'bravo', 8, 'failed', 'permission denied: /etc/gitlab-runner/config.toml'],
      ]),
    ]);
    await openEditor(runner);

    setNumber('Jobs per machine', '6');
    fireEvent.click(screen.getByRole('button', { name: 'Save limits' }));

    const table = await screen.findByRole('table', { name: 'Rollout progress by machine' });
    const row = (host: string) => within(table).getByRole('link', { name: host }).closest('tr')!;
    const badge = (host: string, text: string) =>
      within(row(host)).getByText(text, { selector: '.badge > span' });
    await waitFor(() => expect(badge('alpha', 'Pending')).toBeTruthy());
    expect(within(row('alpha')).getByText('#5')).toBeTruthy();
    expect(within(row('bravo')).getByText('#8')).toBeTruthy();
    expect(screen.getByText(/Applying to 2 machines: 0 applied, 0 failed, 2 pending/)).toBeTruthy();

    // The second answer arrives on the next 1 s poll.
    await waitFor(() => expect(badge('alpha', 'Applied')).toBeTruthy(), { timeout: 4_000 });
    expect(badge('bravo', 'Failed')).toBeTruthy();
    expect(within(row('bravo')).getByText('permission denied: /etc/gitlab-runner/config.toml')).toBeTruthy();
    expect(screen.getByText('Finished with errors: 1 of 2 machines applied, 1 failed.')).toBeTruthy();

    // Settled: no more polling.
    const reads = requests.filter((r) => r.url.pathname === `/api/v1/rollouts/${ROLLOUT}`).length;
    expect(reads).toBe(2);
  });

  it('moves the rollout from pending to applied on a live push, and does not poll while live', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const runner = twoMachineRunner();
    const pending = status([
      [A, 'alpha', 5, 'pending'],
      [B, 'bravo', 8, 'pending'],
    ]);
    const { requests } = serve(runner, () => json(rollout()), [pending]);
    const { live, queryClient } = await openEditor(runner);
    const socket = live.latest();
    act(() => socket.accept());

    setNumber('Jobs per machine', '6');
    fireEvent.click(screen.getByRole('button', { name: 'Save limits' }));

    const table = await screen.findByRole('table', { name: 'Rollout progress by machine' });
    const badge = (host: string, text: string) =>
      within(within(table).getByRole('link', { name: host }).closest('tr')!).queryByText(text, {
        selector: '.badge > span',
      });
    await waitFor(() => expect(socket.topics).toContain(`rollout:${ROLLOUT}`));
    const reads = () => requests.filter((r) => r.url.pathname === `/api/v1/rollouts/${ROLLOUT}`).length;
    await waitFor(() => expect(reads()).toBe(1));
    expect(badge('alpha', 'Pending')).toBeTruthy();
    await act(() => vi.advanceTimersByTimeAsync(3 * ROLLOUT_POLL_MS));
    expect(reads()).toBe(1);

    act(() =>
      socket.receive({
        type: 'rollout',
        rollout: status([
          [A, 'alpha', 5, 'applied'],
          [B, 'bravo', 8, 'applied'],
        ]),
      }),
    );
    await waitFor(() => expect(badge('alpha', 'Applied')).toBeTruthy());
    expect(badge('bravo', 'Applied')).toBeTruthy();
    expect(screen.getByText('Done: 2 of 2 machines applied.')).toBeTruthy();
    expect(reads()).toBe(1);

    // A REST answer read before the push and arriving after it does not put the machines back to pending.
    await act(() => queryClient.refetchQueries({ queryKey: ['rollouts', ROLLOUT] }));
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(reads()).toBe(2);
    expect(badge('alpha', 'Applied')).toBeTruthy();
    expect(badge('alpha', 'Pending')).toBeNull();
  });

  it('asks once more when two minutes are up while live, to say the rollout is still in progress', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const runner = twoMachineRunner();
    const pending = status([
      [A, 'alpha', 5, 'pending'],
      [B, 'bravo', 8, 'pending'],
    ]);
    const { requests } = serve(runner, () => json(rollout()), [pending]);
    const { live } = await openEditor(runner);
    act(() => live.latest().accept());

    setNumber('Jobs per machine', '6');
    fireEvent.click(screen.getByRole('button', { name: 'Save limits' }));
    const reads = () => requests.filter((r) => r.url.pathname === `/api/v1/rollouts/${ROLLOUT}`).length;
    await waitFor(() => expect(reads()).toBe(1));

    await act(() => vi.advanceTimersByTimeAsync(ROLLOUT_POLL_LIMIT_MS - 5_000));
    expect(reads()).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(5_000));
    expect(await screen.findByText(/^Still in progress after 2 minutes/)).toBeTruthy();
    expect(reads()).toBe(2);
    await act(() => vi.advanceTimersByTimeAsync(ROLLOUT_POLL_LIMIT_MS));
    expect(reads()).toBe(2);
  });

  it('says plainly when a fleet budget leaves machines without jobs', async () => {
    const runner = twoMachineRunner({
      token: { ...aRunnerDetail().token!, limitMode: 'fleet_budget', limitValue: 3 },
    });
    serve(runner, () =>
      json(rollout({ revisions: [], shortfalls: [{ runnerId: runner.id, healthy: 3, budget: 2 }] })),
    );
    await openEditor(runner);

    setNumber('Total jobs across the fleet', '2');
    fireEvent.click(screen.getByRole('button', { name: 'Save limits' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The fleet budget of this runner is 2 jobs for 3 healthy machines');
    expect(alert.textContent).toContain("1 machine gets none of this runner's jobs");
    expect(screen.getByText(/Nothing changed:/)).toBeTruthy();
  });
});
