import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { json, renderApp, stubFetch } from '../../../lib/testing';
import { aGitlabInstance } from '../testing';

const list = (items: unknown[]) => json({ items });

function fill(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

describe('GitlabPage', () => {
  it('validates with the contract before sending, then shows server field errors by their field', async () => {
    const { requests } = stubFetch(({ url, method }) => {
      if (url.pathname !== '/api/v1/gitlab-instances') return undefined;
      if (method === 'GET') return list([]);
      return json(
        {
          type: 'urn:paddock:problem:validation_failed',
          title: 'Validation failed',
          status: 422,
          code: 'gitlab_error',
          errors: [
            { path: 'body.accessToken', message: 'GitLab says: 401 Unauthorized', code: 'gitlab_error' },
          ],
        },
        422,
      );
    });
    renderApp('/gitlab');

    expect(await screen.findByRole('heading', { level: 1, name: 'GitLab' })).toBeTruthy();
    expect(await screen.findByRole('heading', { name: 'No GitLab connected yet' })).toBeTruthy();

    fill('Name', 'Internal');
    fill('URL', 'ftp://gitlab.internal');
    fill('Access token', 'short');
    fireEvent.click(screen.getByRole('button', { name: 'Connect GitLab' }));

    expect(await screen.findByText('must be an http(s) URL')).toBeTruthy();
    expect(screen.getByText('looks too short for a GitLab access token')).toBeTruthy();
    expect(screen.getByLabelText('URL').getAttribute('aria-invalid')).toBe('true');
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(0);

    fill('URL', 'https://gitlab.internal/');
    fill('Access token', 'glpat-0123456789');
    fireEvent.click(screen.getByRole('button', { name: 'Connect GitLab' }));

    expect(await screen.findByText('GitLab says: 401 Unauthorized')).toBeTruthy();
    expect(screen.getByLabelText('Access token').getAttribute('aria-invalid')).toBe('true');
    const post = requests.find((r) => r.method === 'POST');
    // The contract's transform trims the trailing slash before sending.
    expect(post?.body).toEqual({
      name: 'Internal',
      url: 'https://gitlab.internal',
      accessToken: 'glpat-0123456789',
    });
  });

  it('lists instances with a masked token and explains a 409 on delete', async () => {
    const instance = aGitlabInstance({ runnerCount: 2 });
    stubFetch(({ url, method }) => {
      if (url.pathname === '/api/v1/gitlab-instances') return list([instance]);
      if (method === 'DELETE') {
        return json(
          {
            type: 'urn:paddock:problem:conflict',
            title: 'Conflict',
            status: 409,
            code: 'conflict',
            detail: 'GitLab.com still has 2 runners',
          },
          409,
        );
      }
      return undefined;
    });
    renderApp('/gitlab');

    const table = await screen.findByRole('table');
    expect(within(table).getByText('••••a1b2')).toBeTruthy();
    expect(within(table).queryByText(/glpat/)).toBeNull();

    fireEvent.click(within(table).getByRole('button', { name: 'Delete GitLab.com' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));

    expect(await within(dialog).findByText('This GitLab instance still has runners.')).toBeTruthy();
    expect(within(dialog).getByText('Conflict: GitLab.com still has 2 runners')).toBeTruthy();
  });
});
