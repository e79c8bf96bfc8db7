import type { ErrorComponentProps } from '@tanstack/react-router';
import { ErrorState } from '../components/ui/error-state';
import { useDocumentTitle } from '../lib/use-document-title';

/** Last line of defence for a page that threw while rendering or whose chunk failed to load. */
export function RouteErrorPage({ error, reset }: ErrorComponentProps) {
  useDocumentTitle('Error');
  return (
    <div className="page">
      <h1 className="visually-hidden">Error</h1>
      <ErrorState error={error} title="This page could not be shown" onRetry={reset} />
    </div>
  );
}
