import { useState } from 'react';
import type { ApiToken, CreatedApiToken as CreatedApiTokenType } from '@paddock/contracts';
import { Button } from '../../../components/ui/button';
import { CredentialState } from '../../../components/ui/credential-state';
import { ErrorState } from '../../../components/ui/error-state';
import { LoadingState } from '../../../components/ui/loading-state';
import { PageHeader } from '../../../components/ui/page-header';
import { RelativeTime } from '../../../components/ui/relative-time';
import { RevokeDialog } from '../../../components/ui/revoke-dialog';
import { TableWrap } from '../../../components/ui/table-wrap';
import { formatDateTime } from '../../../lib/format';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useApiTokens } from '../api/get-api-tokens';
import { useRevokeApiToken } from '../api/revoke-api-token';
import { ApiTokenForm } from './api-token-form';
import { CreatedApiToken } from './created-api-token';

const SCOPE_LABELS = { read: 'Read', write: 'Read and write' } as const;

/** Settings → API tokens: your own tokens for scripts. */
export function ApiTokensPage() {
  useDocumentTitle('API tokens');
  const tokens = useApiTokens();
  // The token itself lives here until "Done", never in the query cache.
  const [created, setCreated] = useState<CreatedApiTokenType>();
  const [revoking, setRevoking] = useState<{ token: ApiToken; open: boolean }>();

  return (
    <div className="page">
      <PageHeader
        title="API tokens"
        description={
          <>
            Your personal tokens for scripts and tools: send one as{' '}
            <code>Authorization: Bearer &lt;token&gt;</code>. A token acts as you, with your role, so it stops
            working if your account is disabled.
          </>
        }
      />
      {created ? <CreatedApiToken created={created} onDone={() => setCreated(undefined)} /> : null}
      <section className="section" aria-labelledby="api-tokens-list">
        <h2 id="api-tokens-list">Your tokens</h2>
        {tokens.isPending ? (
          <LoadingState label="Loading API tokens…" />
        ) : tokens.isError ? (
          <ErrorState
            level={3}
            title="Could not load API tokens"
            error={tokens.error}
            onRetry={() => void tokens.refetch()}
            retrying={tokens.isFetching}
          />
        ) : tokens.data.items.length === 0 ? (
          <p className="muted">You have no API tokens yet. Create one below.</p>
        ) : (
          <TableWrap label="API tokens">
            <table className="table">
              <caption className="visually-hidden">API tokens</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Starts with</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
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
                    <td>{SCOPE_LABELS[token.scope]}</td>
                    <td>
                      {token.expiresAt ? (
                        <time dateTime={token.expiresAt}>{formatDateTime(token.expiresAt)}</time>
                      ) : (
                        <span className="muted">never</span>
                      )}
                    </td>
                    <td>
                      <RelativeTime value={token.lastUsedAt} fallback="never" />
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
      <section className="card" aria-labelledby="api-tokens-create">
        <h2 id="api-tokens-create">Create an API token</h2>
        <ApiTokenForm onCreated={setCreated} />
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
  token: ApiToken;
  open: boolean;
  onClose: () => void;
}) {
  const revoke = useRevokeApiToken(token.id);
  return (
    <RevokeDialog name={token.name} open={open} onClose={onClose} revoke={revoke}>
      <p>
        Scripts using <code>{token.prefix}…</code> are refused from their next request. This cannot be undone;
        create a new token if you need one again.
      </p>
    </RevokeDialog>
  );
}
