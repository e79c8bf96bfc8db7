import { useState } from 'react';
import { ROLES } from '@paddock/contracts';
import type { Role, User } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { EmptyState } from '../../../components/ui/empty-state';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { PageHeader } from '../../../components/ui/page-header';
import { RelativeTime } from '../../../components/ui/relative-time';
import { StatusBadge } from '../../../components/ui/status-badge';
import { TableWrap } from '../../../components/ui/table-wrap';
import { describeError } from '../../../lib/api-client';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useCurrentUser } from '../../auth/api/get-session';
import { RequireRole } from '../../auth/components/require-role';
import { ROLE_LABELS } from '../../auth/roles';
import { useCreatePasswordLink } from '../api/create-password-link';
import { useUsers } from '../api/get-users';
import { useUpdateUser } from '../api/update-user';
import { InviteUserForm } from './invite-user-form';
import { PasswordLink } from './password-link';
import type { PasswordLinkProps } from './password-link';

type ShownLink = Omit<PasswordLinkProps, 'onDone'>;

/** Settings → Users (admins): who has an account, their role, and whether they may sign in. */
export function UsersPage() {
  return (
    <RequireRole role="admin" title="Users">
      <Users />
    </RequireRole>
  );
}

const personOf = (user: Pick<User, 'name' | 'email'>) => user.name ?? user.email;

function Users() {
  useDocumentTitle('Users');
  const users = useUsers();
  const me = useCurrentUser();
  // The link carries a credential: it lives here until "Done", never in the query cache.
  const [link, setLink] = useState<ShownLink>();
  const [status, setStatus] = useState('');
  const [toggling, setToggling] = useState<{ user: User; open: boolean }>();

  return (
    <div className="page">
      <PageHeader
        title="Users"
        description="People who can sign in to Paddock, and what their role lets them do."
      />
      {link ? <PasswordLink {...link} onDone={() => setLink(undefined)} /> : null}
      <section className="section" aria-labelledby="users-list">
        <h2 id="users-list">People</h2>
        {users.isPending ? (
          <LoadingState label="Loading users…" />
        ) : users.isError ? (
          <ErrorState
            level={3}
            title="Could not load users"
            error={users.error}
            onRetry={() => void users.refetch()}
            retrying={users.isFetching}
          />
        ) : users.data.items.length === 0 ? (
          <EmptyState level={3} title="No users yet" />
        ) : (
          <>
            <TableWrap label="Users">
              <table className="table">
                <caption className="visually-hidden">Users</caption>
                <thead>
                  <tr>
                    <th scope="col">Person</th>
                    <th scope="col">Role</th>
                    <th scope="col">Status</th>
                    <th scope="col">Last sign-in</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {users.data.items.map((user) => (
                    <UserRow
                      key={user.id}
                      user={user}
                      isMe={user.id === me?.id}
                      onStatus={setStatus}
                      onLink={setLink}
                      onToggle={() => setToggling({ user, open: true })}
                    />
                  ))}
                </tbody>
              </table>
            </TableWrap>
            <p role="status" className="form-status">
              {status}
            </p>
          </>
        )}
      </section>
      <section className="card" aria-labelledby="users-invite">
        <h2 id="users-invite">Invite someone</h2>
        <p className="muted">
          Paddock makes a one-time link with which they choose their own password. It works for 7 days.
        </p>
        <InviteUserForm
          onInvited={(created) =>
            setLink(
              created.invitePath
                ? { person: personOf(created), invitePath: created.invitePath, kind: 'invitation' }
                : undefined,
            )
          }
        />
      </section>
      {toggling ? (
        <ToggleDialog
          key={toggling.user.id}
          user={toggling.user}
          open={toggling.open}
          onClose={() => setToggling({ ...toggling, open: false })}
          onDone={(message) => {
            setStatus(message);
            setToggling({ ...toggling, open: false });
          }}
        />
      ) : null}
    </div>
  );
}

function UserStatus({ user }: { user: User }) {
  if (user.disabled) return <StatusBadge tone="danger">Disabled</StatusBadge>;
  if (!user.hasPassword) {
    return (
      <StatusBadge tone="info" icon="ring" title="Has not chosen a password yet">
        Invited
      </StatusBadge>
    );
  }
  return <StatusBadge tone="ok">Active</StatusBadge>;
}

function UserRow({
  user,
  isMe,
  onStatus,
  onLink,
  onToggle,
}: {
  user: User;
  isMe: boolean;
  onStatus: (message: string) => void;
  onLink: (link: ShownLink) => void;
  onToggle: () => void;
}) {
  const update = useUpdateUser(user.id);
  const newLink = useCreatePasswordLink(user.id);
  const person = personOf(user);

  const changeRole = (role: Role) => {
    onStatus(`Changing the role of ${person}…`);
    update.mutate(
      { role },
      {
        onSuccess: (updated) => onStatus(`${person} is now ${ROLE_LABELS[updated.role].toLowerCase()}.`),
        onError: (error) => onStatus(`Could not change the role of ${person}: ${describeError(error)}`),
      },
    );
  };

  const makeLink = () =>
    newLink.mutate(undefined, {
      onSuccess: ({ invitePath }) => {
        onLink({ person, invitePath, kind: user.hasPassword ? 'reset' : 'invitation' });
        newLink.reset();
      },
      onError: (error) => onStatus(`Could not make a link for ${person}: ${describeError(error)}`),
    });

  return (
    <tr>
      <th scope="row">
        <div className="stack">
          <span>
            {person}
            {isMe ? <span className="muted"> (you)</span> : null}
          </span>
          {user.name ? <span className="small muted">{user.email}</span> : null}
        </div>
      </th>
      <td>
        <label className="visually-hidden" htmlFor={`role-${user.id}`}>
          Role of {person}
        </label>
        <select
          id={`role-${user.id}`}
          className="select role-select"
          value={update.isPending && update.variables?.role ? update.variables.role : user.role}
          disabled={isMe || update.isPending}
          title={isMe ? 'Ask another admin to change your own role' : undefined}
          onChange={(event) => changeRole(event.target.value as Role)}
        >
          {ROLES.map((role) => (
            <option key={role} value={role}>
              {ROLE_LABELS[role]}
            </option>
          ))}
        </select>
      </td>
      <td>
        <UserStatus user={user} />
      </td>
      <td>
        <RelativeTime value={user.lastLoginAt} fallback="never" />
      </td>
      <td>
        <div className="row-actions">
          {!user.disabled ? (
            <Button
              variant="ghost"
              busy={newLink.isPending}
              aria-label={`${user.hasPassword ? 'New password link' : 'New invitation link'} for ${person}`}
              onClick={makeLink}
            >
              {user.hasPassword ? 'New password link' : 'New invitation link'}
            </Button>
          ) : null}
          {!isMe ? (
            <Button
              variant="ghost"
              aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${person}`}
              onClick={onToggle}
            >
              {user.disabled ? 'Enable' : 'Disable'}
            </Button>
          ) : null}
        </div>
      </td>
    </tr>
  );
}

function ToggleDialog({
  user,
  open,
  onClose,
  onDone,
}: {
  user: User;
  open: boolean;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const update = useUpdateUser(user.id);
  const person = personOf(user);
  const disabling = !user.disabled;
  return (
    <ConfirmDialog
      open={open}
      title={disabling ? `Disable ${person}?` : `Enable ${person}?`}
      confirmLabel={disabling ? 'Disable account' : 'Enable account'}
      busy={update.isPending}
      error={update.isError ? <p role="alert">{describeError(update.error)}</p> : null}
      onCancel={() => {
        onClose();
        update.reset();
      }}
      onConfirm={() =>
        update.mutate(
          { disabled: disabling },
          { onSuccess: () => onDone(disabling ? `${person} is disabled.` : `${person} can sign in again.`) },
        )
      }
    >
      {disabling ? (
        <p>
          {person} is signed out everywhere at once, and their API tokens stop working while the account is
          disabled. Nothing they did is undone, and you can enable the account again later.
        </p>
      ) : (
        <p>
          {person} can sign in again with their password, and their API tokens that have not expired or been
          revoked work again.
        </p>
      )}
    </ConfirmDialog>
  );
}
