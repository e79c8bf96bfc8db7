import { useState } from 'react';
import type { CreatedDisplayToken, DisplayToken } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { CredentialState } from '../../../components/ui/credential-state';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { PageHeader } from '../../../components/ui/page-header';
import { RelativeTime } from '../../../components/ui/relative-time';
import { RevokeDialog } from '../../../components/ui/revoke-dialog';
import { SecretValue, ShownOnce } from '../../../components/ui/shown-once';
import { TableWrap } from '../../../components/ui/table-wrap';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { RequireRole } from '../../auth/components/require-role';
import { useDisplayTokens } from '../api/get-display-tokens';
import { useRevokeDisplayToken } from '../api/revoke-display-token';
import { DisplayTokenForm } from './display-token-form';

/** Settings → Display tokens (admins): read-only links for wall screens. */
export function DisplayTokensPage() {
  return (
    <RequireRole role="admin" title="Display tokens">
      <DisplayTokens />
    </RequireRole>
  );
}

function DisplayTokens() {
  useDocumentTitle('Display tokens');
  const tokens = useDisplayTokens();
  // The wall link carries the token: it lives here until "Done", never in the query cache.
  const [created, setCreated] = useState<CreatedDisplayToken>();
  const [revoking, setRevoking] = useState<{ token: DisplayToken; open: boolean }>();

  return (
    <div className="page">
      <PageHeader
        title="Display tokens"
        description="A display token opens the wall screen, a read-only fleet summary for a TV, without signing in. It can read nothing else."
      />
      {created ? (
        <ShownOnce
          title={`Display token “${created.name}” created`}
          warning="Open this link on the wall screen, or copy it now. Paddock keeps only a hash of the token and cannot show it again."
          onDone={() => setCreated(undefined)}
        >
          <SecretValue
            label="Wall screen link"
            value={`${window.location.origin}${created.wallPath}`}
            what="wall link"
          />
        </ShownOnce>
      ) : null}
      <section className="section" aria-labelledby="display-tokens-list">
        <h2 id="display-tokens-list">Display tokens</h2>
        {tokens.isPending ? (
          <LoadingState label="Loading display tokens…" />
        ) : tokens.isError ? (
          <ErrorState
            level={3}
            title="Could not load display tokens"
            error={tokens.error}
            onRetry={() => void tokens.refetch()}
            retrying={tokens.isFetching}
          />
        ) : tokens.data.items.length === 0 ? (
          <p className="muted">No display tokens yet. Create one below for each wall screen.</p>
        ) : (
          <TableWrap label="Display tokens">
            <table className="table">
              <caption className="visually-hidden">Display tokens</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Starts with</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Created</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.items.map((token) => (
                  <tr key={token.id}>
                    <th scope="row">{token.name}</th>
                    <td>
                      <code>{token.prefix}…</code>
                    </td>
                    <td>
                      <RelativeTime value={token.lastUsedAt} fallback="never" />
                    </td>
                    <td>
                      <RelativeTime value={token.createdAt} />
                    </td>
                    <td>
                      <CredentialState {...token} />
                    </td>
                    <td>
                      <div className="row-actions">
                        {token.revokedAt === null ? (
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
        )}
      </section>
      <section className="card" aria-labelledby="display-tokens-create">
        <h2 id="display-tokens-create">Create a display token</h2>
        <DisplayTokenForm onCreated={setCreated} />
      </section>
      {revoking ? (
        <RevokeTokenDialog
          key={revoking.token.id}
          token={revoking.token}
          open={revoking.open}
          onClose={() => setRevoking({ ...revoking, open: false })}
        />
      ) : null}
    </div>
  );
}

function RevokeTokenDialog({
  token,
  open,
  onClose,
}: {
  token: DisplayToken;
  open: boolean;
  onClose: () => void;
}) {
  const revoke = useRevokeDisplayToken(token.id);
  return (
    <RevokeDialog name={token.name} open={open} onClose={onClose} revoke={revoke}>
      <p>
        Wall screens showing this token's link go blank at once and cannot reconnect. Create a new token for a
        screen that should keep running.
      </p>
    </RevokeDialog>
  );
}
