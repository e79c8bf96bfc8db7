import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Machine, Revision, Rollout } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import type { RecordedRequest } from '../../../lib/testing';
import { aMachine, aRevision } from '../testing';

const ROLLOUT_ID = '0190f1a2-0000-7000-8000-0000000000f1';

/**
 * A small fake of the machine endpoints with state: actions add a pending revision, and `applyNext` makes the
 * next revisions read report it applied, the way an agent would.
 */
function fakeServer(initial: Machine, revisions: Revision[]) {
  const state = { machine: initial, revisions: [...revisions], applyOnRead: false };
  const base = `/api/v1/machines/${initial.id}`;
  const addRevision = (reason: string, change: Partial<Machine> = {}, rollbackOf: number | null = null) => {
    const number = Math.max(0, ...state.revisions.map((r) => r.number)) + 1;
    state.revisions = [
      aRevision({ number, reason, status: 'pending', appliedAt: null, rollbackOf, rolloutId: ROLLOUT_ID }),
      ...state.revisions,
    ];
    state.machine = { ...state.machine, ...change, desiredRevision: number, revisionState: 'applying' };
    const rollout: Rollout = {
      rolloutId: ROLLOUT_ID,
      revisions: [{ machineId: initial.id, revision: number }],
      unchanged: [],
      shortfalls: [],
    };
    return json(rollout);
  };
  const handler = ({ url, method }: RecordedRequest) => {
    const path = url.pathname;
    if (path === base && method === 'GET') return json(state.machine);
    if (path === `${base}/revisions`) {
      const answer = json({ items: state.revisions });
      if (state.applyOnRead && state.revisions[0]?.status === 'pending') {
        // The agent applies between this read and the next one.
        const [latest, ...rest] = state.revisions;
        state.revisions = [{ ...latest!, status: 'applied', appliedAt: new Date().toISOString() }, ...rest];
        state.machine = {
          ...state.machine,
          appliedRevision: latest!.number,
          revisionState: 'in_sync',
          drifting: false,
          driftKeys: [],
        };
      }
      return answer;
    }
    const detail = path.match(/\/revisions\/(\d+)$/);
    if (detail && method === 'GET') {
      const revision = state.revisions.find((r) => r.number === Number(detail[1]));
      return revision
        ? json({
            ...revision,
            config: `concurrent = 4\n\n[[runners]]\n  name = "docker"\n  token = "glrt-****"\n`,
          })
        : undefined;
    }
    const diff = path.match(/\/revisions\/(\d+)\/diff$/);
    if (diff) {
      const to = Number(diff[1]);
      return json({
        from: to > 1 ? to - 1 : null,
        to,
        diff: [
          `--- revision ${to - 1}`,
          `+++ revision ${to}`,
          '@@ -1,4 +1,4 @@',
          'concurrent = 4',
          ' [[runners]]',
          '-  limit = 2',
          '+  limit = 6',
          '   token = "glrt-****"',
          '',
        ].join('\n'),
      });
    }
    if (method === 'POST' && path === `${base}/restore`) return addRevision('restore after drift');
    if (method === 'POST' && path === `${base}/drain`) {
      return addRevision('drain', { drainingSince: new Date().toISOString() });
    }
    if (method === 'POST' && path === `${base}/resume`) return addRevision('resume', { drainingSince: null });
    const rollback = path.match(/\/revisions\/(\d+)\/rollback$/);
    if (method === 'POST' && rollback) {
      return addRevision(`rollback to revision ${rollback[1]}`, {}, Number(rollback[1]));
    }
    return undefined;
  };
  return { state, ...stubFetch(handler) };
}

const posts = (requests: RecordedRequest[]) =>
  requests.filter((r) => r.method === 'POST').map((r) => r.url.pathname);

describe('machine page: drift', () => {
  it('explains the drift, restores on request and follows the new revision until it is applied', async () => {
    const machine = aMachine({
      hostname: 'build-07',
      drifting: true,
      driftKeys: ['runners.docker.limit', 'concurrent'],
    });
    const server = fakeServer(machine, [aRevision({ number: 3 }), aRevision({ number: 2 })]);
    renderApp(`/machines/${machine.id}`);

    const banner = await screen.findByRole('region', { name: 'config.toml was changed on this host' });
    expect(within(banner).getByText(/edited the file on the host/)).toBeTruthy();
    expect(within(banner).getByText('runners.docker.limit')).toBeTruthy();
    expect(within(banner).getByText('concurrent')).toBeTruthy();
    expect(posts(server.requests)).toEqual([]);

    server.state.applyOnRead = true;
    fireEvent.click(within(banner).getByRole('button', { name: 'Restore config.toml' }));

    await waitFor(() => expect(posts(server.requests)).toEqual([`/api/v1/machines/${machine.id}/restore`]));
    const result = await screen.findByText(/^Restore:/);
    expect(result.closest('[role="status"]')?.textContent).toMatch(/revision 4/);
    // The revisions poll (every 2 s while a revision is pending) turns "Pending" into "Applied".
    await waitFor(
      () => expect(result.closest('[role="status"]')?.textContent).toMatch(/revision 4\s*Applied/),
      { timeout: 5_000 },
    );
    await waitFor(() =>
      expect(screen.queryByRole('region', { name: 'config.toml was changed on this host' })).toBeNull(),
    );
  });

  it('shows why a restore was refused', async () => {
    const machine = aMachine({ drifting: true, driftKeys: [] });
    stubFetch(({ url, method }) => {
      if (url.pathname === `/api/v1/machines/${machine.id}`) return json(machine);
      if (url.pathname.endsWith('/revisions')) return json({ items: [] });
      if (method === 'POST') {
        return json(
          {
            type: 'urn:paddock:problem:conflict',
            title: 'Conflict',
            status: 409,
            code: 'conflict',
            detail: 'This machine has no revision to restore yet.',
          },
          409,
        );
      }
      return undefined;
    });
    renderApp(`/machines/${machine.id}`);

    expect(await screen.findByText('The agent did not report which settings changed.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Restore config.toml' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Restore failed.');
    expect(alert.textContent).toContain('This machine has no revision to restore yet.');
  });
});

describe('machine page: drain and resume', () => {
  it('drains only after confirmation, then shows the draining badge and offers Resume', async () => {
    const machine = aMachine({ hostname: 'build-08' });
    const server = fakeServer(machine, [aRevision({ number: 3 })]);
    renderApp(`/machines/${machine.id}`);

    fireEvent.click(await screen.findByRole('button', { name: 'Drain' }));
    const dialog = await screen.findByRole('dialog', { name: 'Drain build-08?' });
    expect(within(dialog).getByText(/Jobs already running finish normally; no new jobs start/)).toBeTruthy();
    expect(posts(server.requests)).toEqual([]);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Drain machine' }));

    await waitFor(() => expect(posts(server.requests)).toEqual([`/api/v1/machines/${machine.id}/drain`]));
    expect(await screen.findByText(/Draining since/)).toBeTruthy();
    expect(screen.getByText(/^Drain:/).closest('[role="status"]')?.textContent).toMatch(/revision 4/);
    await waitFor(() => expect(dialog.hasAttribute('open')).toBe(false));
    expect(screen.queryByRole('button', { name: 'Drain' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() =>
      expect(posts(server.requests)).toEqual([
        `/api/v1/machines/${machine.id}/drain`,
        `/api/v1/machines/${machine.id}/resume`,
      ]),
    );
    expect(await screen.findByRole('button', { name: 'Drain' })).toBeTruthy();
    expect(screen.queryByText(/Draining since/)).toBeNull();
  });

  it('sends nothing when the drain is cancelled', async () => {
    const machine = aMachine();
    const server = fakeServer(machine, []);
    renderApp(`/machines/${machine.id}`);

    fireEvent.click(await screen.findByRole('button', { name: 'Drain' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));

    expect(dialog.hasAttribute('open')).toBe(false);
    expect(posts(server.requests)).toEqual([]);
  });
});

describe('machine page: revision history', () => {
  const history = () => [
    aRevision({ number: 3, reason: 'token limit: 6 per machine', status: 'applied' }),
    aRevision({
      number: 2,
      reason: 'token limit: 2 per machine',
      status: 'failed',
      appliedAt: null,
      error: 'permission denied writing config.toml',
      actorType: 'system',
    }),
    aRevision({ number: 1, reason: 'runner assigned', status: 'superseded', appliedAt: null }),
  ];

  it('lists revisions with status, reason, author and error, and opens one with its diff and config', async () => {
    const machine = aMachine({ desiredRevision: 3, appliedRevision: 3 });
    const server = fakeServer(machine, history());
    renderApp(`/machines/${machine.id}`);

    const table = await screen.findByRole('table', { name: 'Revisions of config.toml, newest first' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(3);
    expect(within(rows[0]!).getByText('#3')).toBeTruthy();
    expect(within(rows[0]!).getByText('Applied')).toBeTruthy();
    expect(within(rows[0]!).getByText('on host')).toBeTruthy();
    expect(within(rows[0]!).getByText('token limit: 6 per machine')).toBeTruthy();
    // The desired revision cannot be rolled back to: it is what the machine should run already.
    expect(within(rows[0]!).queryByRole('button', { name: /Roll back/ })).toBeNull();
    expect(within(rows[1]!).getByText('Failed')).toBeTruthy();
    expect(within(rows[1]!).getByText('permission denied writing config.toml')).toBeTruthy();
    expect(within(rows[1]!).getByText('Paddock')).toBeTruthy();
    expect(within(rows[2]!).getByText('Superseded')).toBeTruthy();

    const view = within(rows[0]!).getByRole('button', { name: 'View revision 3' });
    expect(view.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(view);
    expect(view.getAttribute('aria-expanded')).toBe('true');

    const diff = await screen.findByLabelText('Diff of revision 3');
    const added = within(diff).getByText('+ limit = 6');
    const removed = within(diff).getByText('- limit = 2');
    expect(added.tagName).toBe('INS');
    expect(added.className).toContain('diff-add');
    expect(removed.tagName).toBe('DEL');
    expect(removed.className).toContain('diff-remove');
    // Context and header lines are not marked as changes.
    expect(within(diff).getByText('--- revision 2').tagName).toBe('SPAN');
    expect(within(diff).getByText('@@ -1,4 +1,4 @@').className).toContain('diff-hunk');
    expect(screen.getByRole('heading', { name: 'Changes from revision 2 to 3' })).toBeTruthy();

    const config = await screen.findByLabelText('Masked config.toml of revision 3');
    expect(config.tagName).toBe('PRE');
    expect(config.textContent).toContain('token = "glrt-****"');
    expect(server.requests.some((r) => r.url.pathname.endsWith('/revisions/3/diff'))).toBe(true);

    fireEvent.click(view);
    expect(screen.queryByLabelText('config.toml of revision 3')).toBeNull();
  });

  it('rolls back to a revision after confirmation, with a POST to that revision', async () => {
    const machine = aMachine({ hostname: 'build-09', desiredRevision: 3, appliedRevision: 3 });
    const server = fakeServer(machine, history());
    renderApp(`/machines/${machine.id}`);

    const table = await screen.findByRole('table', { name: 'Revisions of config.toml, newest first' });
    fireEvent.click(within(table).getByRole('button', { name: 'Roll back to this (revision 1)' }));
    const dialog = await screen.findByRole('dialog', { name: 'Roll back to revision 1?' });
    expect(within(dialog).getByText(/new revision with the settings of revision 1/)).toBeTruthy();
    expect(posts(server.requests)).toEqual([]);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Roll back to revision 1' }));

    await waitFor(() =>
      expect(posts(server.requests)).toEqual([`/api/v1/machines/${machine.id}/revisions/1/rollback`]),
    );
    // The new revision appears on top, pending, marked as a rollback.
    const newest = await within(table).findByText('#4');
    const row = newest.closest('tr')!;
    expect(within(row).getByText('Pending')).toBeTruthy();
    expect(within(row).getByText('(rollback to #1)')).toBeTruthy();
    expect(screen.getByText(/^Roll back to revision 1:/)).toBeTruthy();
  });

  it('says when a machine has no revisions yet', async () => {
    const machine = aMachine({ desiredRevision: 0, appliedRevision: null, revisionState: 'none' });
    fakeServer(machine, []);
    renderApp(`/machines/${machine.id}`);

    expect(await screen.findByRole('heading', { name: 'No revisions yet' })).toBeTruthy();
  });
});
