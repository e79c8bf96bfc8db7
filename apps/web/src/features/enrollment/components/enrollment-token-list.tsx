import { useState } from 'react';
import type { EnrollmentToken } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { ChipList } from '../../../components/ui/chip';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { RelativeTime } from '../../../components/ui/relative-time';
import { StatusBadge } from '../../../components/ui/status-badge';
import { TableWrap } from '../../../components/ui/table-wrap';
import { describeError } from '../../../lib/api-client';
import { labelStrings } from '../../machines/components/machine-status';
import { useEnrollmentTokens } from '../api/get-enrollment-tokens';
import { useRevokeEnrollmentToken } from '../api/revoke-enrollment-token';

/** The API says whether a token is usable; the reason it is not follows from its fields. */
export function TokenStateBadge({ token }: { token: EnrollmentToken }) {
  if (token.revokedAt) {
    return (
      <StatusBadge tone="danger" title={`Revoked ${new Date(token.revokedAt).toLocaleString()}`}>
        Revoked
      </StatusBadge>
    );
  }
  if (token.active) return <StatusBadge tone="ok">Active</StatusBadge>;
  if (token.maxUses !== null && token.uses >= token.maxUses) {
    return <StatusBadge tone="neutral">Used up</StatusBadge>;
  }
  return (
    <StatusBadge tone="warning" icon="ring">
      Expired
    </StatusBadge>
  );
}

export function EnrollmentTokenList() {
  const tokens = useEnrollmentTokens();
  const [revoking, setRevoking] = useState<{ token: EnrollmentToken; open: boolean }>();

  if (tokens.isPending) return <LoadingState label="Loading enrollment tokens…" />;
  if (tokens.isError) {
    return (
      <ErrorState
        level={3}
        title="Could not load enrollment tokens"
        error={tokens.error}
        onRetry={() => void tokens.refetch()}
        retrying={tokens.isFetching}
      />
    );
  }
  if (tokens.data.items.length === 0) {
    return <p className="muted">No enrollment tokens yet. Create one above to enroll your first host.</p>;
  }
  return (
    <>
      <TableWrap label="Enrollment tokens">
        <table className="table">
          <caption className="visually-hidden">Enrollment tokens</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="num">
                Uses
              </th>
              <th scope="col">Expires</th>
              <th scope="col">Status</th>
              <th scope="col">Labels</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.items.map((token) => (
              <tr key={token.id}>
                <th scope="row">{token.name}</th>
                <td className="num">
                  {token.uses} / {token.maxUses ?? 'unlimited'}
                </td>
                <td>
                  <RelativeTime value={token.expiresAt} fallback="never" />
                </td>
                <td>
                  <TokenStateBadge token={token} />
                </td>
                <td>
                  <ChipList items={labelStrings(token.labels)} />
                </td>
                <td>
                  <div className="row-actions">
                    {token.active ? (
                      <Button
                        variant="ghost"
                        aria-label={`Revoke ${token.name}`}
                        onClick={() => setRevoking({ token, open: true })}
                      >
                        Revoke
                      </Button>
                    ) : null}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {revoking ? (
        <RevokeDialog
          key={revoking.token.id}
          token={revoking.token}
          open={revoking.open}
          onClose={() => setRevoking({ ...revoking, open: false })}
        />
      ) : null}
    </>
  );
}

function RevokeDialog({
  token,
  open,
  onClose,
}: {
  token: EnrollmentToken;
  open: boolean;
  onClose: () => void;
}) {
  const revoke = useRevokeEnrollmentToken(token.id);
  return (
    <ConfirmDialog
      open={open}
      title={`Revoke ${token.name}?`}
      confirmLabel="Revoke token"
      busy={revoke.isPending}
      error={revoke.isError ? <p role="alert">Could not revoke: {describeError(revoke.error)}</p> : null}
      onCancel={() => {
        onClose();
        revoke.reset();
      }}
      onConfirm={() => revoke.mutate(undefined, { onSuccess: onClose })}
    >
      <p>
        No more machines can enroll with this token. Machines already enrolled with it keep their own
        credentials and stay connected.
      </p>
    </ConfirmDialog>
  );
}
