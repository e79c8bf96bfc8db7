import type { ReactNode } from 'react';
import type { Role } from '@paddock/contracts';
import { EmptyState } from '../../../components/ui/empty-state';
import { PageHeader } from '../../../components/ui/page-header';
import { useDocumentTitle } from '../../../lib/use-document-title';
import { useCurrentUser } from '../api/get-session';
import { ROLE_LABELS, roleAllows } from '../roles';

/**
 * A page only some roles may use. The navigation already hides it from the others; this answers a typed or shared
 * address with an explanation instead of a page full of 403 errors.
 */
export function RequireRole({ role, title, children }: { role: Role; title: string; children: ReactNode }) {
  const user = useCurrentUser();
  if (user && roleAllows(user.role, role)) return children;
  return <NotAllowed role={role} title={title} current={user?.role} />;
}

function NotAllowed({ role, title, current }: { role: Role; title: string; current: Role | undefined }) {
  useDocumentTitle(title);
  return (
    <div className="page">
      <PageHeader title={title} />
      <EmptyState title={`This page needs the ${ROLE_LABELS[role].toLowerCase()} role`}>
        <p>
          {current ? `You are signed in as ${ROLE_LABELS[current].toLowerCase()}. ` : null}
          Ask an admin if you need access.
        </p>
      </EmptyState>
    </div>
  );
}
