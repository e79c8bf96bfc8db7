/** Paddock's mark: decorative, the name always stands beside it. */
export function BrandMark() {
  return (
    <svg viewBox="0 0 16 16" width="20" height="20" aria-hidden="true" focusable="false">
      <rect x="1" y="1" width="14" height="14" rx="3" fill="currentColor" />
      <path
        d="M4 12V4h4.5a2.5 2.5 0 0 1 0 5H4"
        fill="none"
        stroke="var(--brand-contrast)"
        strokeWidth="1.8"
      />
    </svg>
  );
}
