/** `datetime-local` inputs speak the browser's local time without a zone; the API and the URL speak ISO instants. */

const pad = (n: number) => String(n).padStart(2, '0');

/** "2025-03-01T09:30" (local) → ISO instant; undefined for an empty or unreadable input. */
export function localInputToIso(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** ISO instant → the local "YYYY-MM-DDTHH:mm" a `datetime-local` input shows. */
export function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}
