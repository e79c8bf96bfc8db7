import { useState } from 'react';
import type { CreatedEnrollmentToken } from '@paddock/contracts';
import { PageHeader } from '../../../components/ui/page-header';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { RequireRole } from '../../auth/components/require-role';
import { CreatedToken } from './created-token';
import { EnrollmentTokenForm } from './enrollment-token-form';
import { EnrollmentTokenList } from './enrollment-token-list';

/**
 * Settings → Enrollment tokens (admins): the tokens with which hosts join, and after creating one, the exact
 * commands to install and enroll the agent. The token lives only in this page's state until "Done".
 */
export function EnrollmentTokensPage() {
  return (
    <RequireRole role="admin" title="Enrollment tokens">
      <EnrollmentTokens />
    </RequireRole>
  );
}

function EnrollmentTokens() {
  useDocumentTitle('Enrollment tokens');
  const [created, setCreated] = useState<CreatedEnrollmentToken>();
  return (
    <div className="page">
      <PageHeader
        title="Enrollment tokens"
        description="A host running gitlab-runner joins Paddock by enrolling its agent once with one of these tokens; it then gets a credential of its own."
      />
      {created ? <CreatedToken level={2} created={created} onDone={() => setCreated(undefined)} /> : null}
      <section className="card" aria-labelledby="enrollment-create">
        <h2 id="enrollment-create">Create an enrollment token</h2>
        <EnrollmentTokenForm onCreated={setCreated} />
      </section>
      <section className="section" aria-labelledby="enrollment-list">
        <h2 id="enrollment-list">Enrollment tokens</h2>
        <EnrollmentTokenList />
      </section>
    </div>
  );
}
