/** Escapes LIKE/ILIKE wildcards so user text matches literally (the default escape character is backslash). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
