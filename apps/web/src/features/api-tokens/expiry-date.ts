/** A date input's value ("2025-12-31") and the instant a token chosen for that day expires. */

/** The end of `date` in the browser's time zone, as the API's ISO timestamp; null for an empty input. */
export function endOfLocalDay(date: string): string | null {
  if (date === '') return null;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  const end = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59, 999);
  return Number.isNaN(end.getTime()) ? null : end.toISOString();
}

/** `YYYY-MM-DD` of `at` in the browser's time zone, as a date input reads and writes it. */
export function localDate(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}
