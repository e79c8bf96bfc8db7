/**
 * Copies text, answering whether it worked. The Clipboard API exists only in secure contexts (HTTPS or
 * localhost), so a Paddock served over plain HTTP on a LAN gets `false` and the page asks for a manual copy.
 */
export async function copyToClipboard(text: string): Promise<boolean> {
  if (typeof navigator === 'undefined' || !navigator.clipboard) return false;
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
