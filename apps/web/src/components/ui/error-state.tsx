import { isApiError } from '../../lib/api-client';
import { Button } from './button';

export interface ErrorStateProps {
  error: unknown;
  /** What failed, e.g. "Could not load machines"; the problem's own title follows it. */
  title?: string;
  onRetry?: () => void;
  retrying?: boolean;
  /** Heading level that keeps the page's outline in order (h2 under the page's h1 by default). */
  level?: 2 | 3;
}

/** Shows a failed request's problem (title, detail, request id to quote) with a way to try again. */
export function ErrorState({
  error,
  title = 'Something went wrong',
  onRetry,
  retrying,
  level = 2,
}: ErrorStateProps) {
  const Heading = level === 2 ? 'h2' : 'h3';
  const problem = isApiError(error) ? error.problem : null;
  const message = problem ? problem.title : error instanceof Error ? error.message : 'Unknown error';
  return (
    <section className="state state-error" role="alert" aria-label={title}>
      <Heading className="state-title">{title}</Heading>
      <p className="state-body">
        <strong>{message}</strong>
        {problem?.detail ? ` — ${problem.detail}` : null}
      </p>
      {problem?.requestId ? (
        <p className="state-meta">
          Request id: <code>{problem.requestId}</code>
        </p>
      ) : null}
      {onRetry ? (
        <div className="state-action">
          <Button onClick={onRetry} busy={retrying}>
            Retry
          </Button>
        </div>
      ) : null}
    </section>
  );
}
