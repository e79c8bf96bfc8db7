import { Link } from '@tanstack/react-router';
import { EmptyState } from '../components/ui/empty-state';
import { PageHeader } from '../components/ui/page-header';
import { useDocumentTitle } from '../lib/use-document-title';

export function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <div className="page">
      <PageHeader title="Page not found" />
      <EmptyState
        title="There is nothing at this address"
        action={
          <Link to="/" className="btn btn-primary">
            Go to the overview
          </Link>
        }
      >
        <p>The link may be out of date, or the item was deleted.</p>
      </EmptyState>
    </div>
  );
}
