import { formatDateTime, formatRelative } from '../../lib/format';

/** "5 minutes ago", with the exact time on hover and in the markup. */
export function RelativeTime({ value, fallback = 'never' }: { value: string | null; fallback?: string }) {
  if (!value) return <span className="muted">{fallback}</span>;
  return (
    <time dateTime={value} title={formatDateTime(value)}>
      {formatRelative(value)}
    </time>
  );
}
