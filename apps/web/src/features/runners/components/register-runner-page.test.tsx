import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { RegisterRunnerBody } from '@paddock/contracts';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import type { RecordedRequest } from '../../../lib/testing';
import type { FakeWebSocket } from '../../../lib/live/testing';
import { aGitlabInstance } from '../../gitlab/testing';
import { aMachine } from '../../machines/testing';
import { aRunnerDetail } from '../testing';

const instance = aGitlabInstance();
const linux = aMachine({ hostname: 'build-1', labels: { os: 'linux' } });
const mac = aMachine({ hostname: 'mac-1', labels: { os: 'macos' } });

function stub(onRegister: (request: RecordedRequest) => Response | Promise<Response>) {
  return stubFetch((request) => {
    const { url, method } = request;
    if (url.pathname === '/api/v1/gitlab-instances') return json({ items: [instance] });
    if (url.pathname === '/api/v1/machines') {
      const labels = url.searchParams.getAll('label');
      const items = [linux, mac].filter((m) =>
        labels.every((l) => {
          const [key, value] = l.split('=');
          return m.labels[key!] === value;
        }),
      );
      return json({ items, nextCursor: null, total: items.length });
    }
    if (url.pathname === '/api/v1/runners' && method === 'POST') return onRegister(request);
    return undefined;
  });
}

const input = (name: string) => screen.getByLabelText(name) as HTMLInputElement;

async function fillValidForm() {
  fireEvent.change(input('Description'), { target: { value: 'docker-builders' } });
  fireEvent.change(input('Tags'), { target: { value: 'docker' } });
  fireEvent.keyDown(input('Tags'), { key: 'Enter' });
  fireEvent.click(screen.getByRole('radio', { name: /Docker/ }));
  fireEvent.change(input('Default image'), { target: { value: 'alpine:3.20' } });
  fireEvent.click(await screen.findByLabelText('build-1'));
}

function progress(
  socket: FakeWebSocket,
  registrationId: string,
  step: string,
  state: string,
  detail?: string,
) {
  socket.receive({ type: 'registration', registration: { registrationId, step, state, detail } });
}

describe('RegisterRunnerPage', () => {
  it('checks fields as they are left, subscribes before posting, shows each step and links to the new runner', async () => {
    let subscribedFirst = false;
    let sent: RegisterRunnerBody | undefined;
    // The handler runs after render, once the page's socket exists.
    const server: { socket?: FakeWebSocket } = {};
    const runner = aRunnerDetail({ description: 'docker-builders' });
    stub(({ body }) => {
      sent = body as RegisterRunnerBody;
      const id = sent.registrationId!;
      subscribedFirst = server.socket!.topics.includes(`registration:${id}`);
      progress(server.socket!, id, 'validate', 'done');
      progress(server.socket!, id, 'gitlab', 'started');
      return json(
        {
          registrationId: id,
          runner,
          rollout: { rolloutId: null, revisions: [], unchanged: [], shortfalls: [] },
        },
        201,
      );
    });
    const { live } = renderApp('/runners/new');
    expect(await screen.findByRole('button', { name: 'Register runner' })).toBeTruthy();
    server.socket = live.latest();
    act(() => server.socket!.accept());

    // Untouched inputs stay quiet; a left one speaks up, and follows each key from then on.
    fireEvent.click(screen.getByRole('radio', { name: /Docker/ }));
    expect(screen.queryByText('the docker executor needs a default image')).toBeNull();
    fireEvent.blur(input('Default image'));
    expect(screen.getByText('the docker executor needs a default image')).toBeTruthy();
    expect(input('Default image').getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(input('Default image'), { target: { value: 'alpine' } });
    expect(screen.queryByText('the docker executor needs a default image')).toBeNull();

    await fillValidForm();
    expect(screen.getByRole('button', { name: 'Remove tag docker' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Register runner' }));

    expect(await screen.findByRole('heading', { name: 'Runner registered' })).toBeTruthy();
    expect(subscribedFirst).toBe(true);
    expect(sent).toMatchObject({
      gitlabInstanceId: instance.id,
      runnerType: 'instance_type',
      description: 'docker-builders',
      tags: ['docker'],
      executor: { name: 'docker', settings: { docker: { image: 'alpine:3.20' } } },
      limits: { limitMode: 'per_machine', limit: null, requestConcurrency: null },
      machines: { ids: [linux.id] },
    });
    const steps = screen.getAllByRole('listitem').filter((li) => li.classList.contains('step-live'));
    expect(steps.map((li) => li.textContent)).toEqual([
      'Check the request and the machinesDone',
      'Create the runner in GitLabDone',
      'Store the runner and its tokenDone',
      "Send config.toml to the runner's machinesDone",
    ]);
    expect(screen.getByRole('link', { name: 'Open the runner' }).getAttribute('href')).toBe(
      `/runners/${runner.id}`,
    );
  });

  it('on failure shows where it stopped and why, with the refused fields on their inputs', async () => {
    // The handler runs after render, once the page's socket exists.
    const server: { socket?: FakeWebSocket } = {};
    stub(({ body }) => {
      const id = (body as RegisterRunnerBody).registrationId!;
      progress(server.socket!, id, 'validate', 'done');
      progress(server.socket!, id, 'gitlab', 'started');
      progress(server.socket!, id, 'gitlab', 'failed', 'GitLab refused the runner: tag is reserved');
      return json(
        {
          type: 'urn:paddock:problem:gitlab_error',
          title: 'GitLab refused the request',
          status: 422,
          code: 'gitlab_error',
          errors: [
            { path: 'body.tags.0', message: 'tag is reserved', code: 'gitlab' },
            { path: 'body.executor.settings.docker.dns', message: 'not allowed here', code: 'runner_config' },
          ],
        },
        422,
      );
    });
    const { live } = renderApp('/runners/new');
    await screen.findByRole('button', { name: 'Register runner' });
    server.socket = live.latest();
    act(() => server.socket!.accept());
    await fillValidForm();
    fireEvent.click(screen.getByRole('button', { name: 'Register runner' }));

    const failure = await screen.findByText('The runner was not registered.');
    expect(failure.closest('[role="alert"]')!.textContent).toContain('GitLab refused the request');
    const gitlabStep = screen.getByText('Create the runner in GitLab').closest('li')!;
    expect(within(gitlabStep).getByText('Failed')).toBeTruthy();
    expect(within(gitlabStep).getByText('GitLab refused the runner: tag is reserved')).toBeTruthy();
    const storeStep = screen.getByText('Store the runner and its token').closest('li')!;
    expect(within(storeStep).getByText('Not reached')).toBeTruthy();

    expect(input('Tags').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getAllByText('tag is reserved').length).toBeGreaterThan(0);
    // A refused setting without an input of its own is still named, in the summary.
    expect(screen.getByText('body.executor.settings.docker.dns: not allowed here')).toBeTruthy();

    // Editing the tags clears the server's word on them.
    fireEvent.click(screen.getByRole('button', { name: 'Remove tag docker' }));
    fireEvent.change(input('Tags'), { target: { value: 'linux,' } });
    expect(input('Tags').getAttribute('aria-invalid')).toBeNull();
  });

  it('refuses to send an invalid form, lists what to fix and focuses an input from the list', async () => {
    const { requests } = stub(() => json({}, 500));
    renderApp('/runners/new');
    await screen.findByRole('button', { name: 'Register runner' });
    fireEvent.click(screen.getByRole('radio', { name: /Group/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Register runner' }));

    const summary = await screen.findByText(/fields need attention/);
    const list = summary.nextElementSibling as HTMLElement;
    const groupLink = within(list).getByRole('link', { name: 'Group ID' });
    fireEvent.click(groupLink);
    expect(document.activeElement).toBe(input('Group ID'));
    expect(within(list).getByRole('link', { name: 'Run untagged jobs' })).toBeTruthy();
    expect(within(list).getByRole('link', { name: 'Machines' })).toBeTruthy();
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
  });
});
