export type DiffLineKind = 'file' | 'hunk' | 'add' | 'remove' | 'context';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

/**
 * Splits a unified diff into typed lines. `---`/`+++` are file headers only before the first hunk: inside a hunk
 * they are a removed `--…` or an added `++…` line.
 */
export function parseUnifiedDiff(diff: string): DiffLine[] {
  const lines = diff.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let inHunk = false;
  return lines.map((text) => {
    if (text.startsWith('@@')) {
      inHunk = true;
      return { kind: 'hunk', text };
    }
    if (!inHunk && (text.startsWith('---') || text.startsWith('+++'))) return { kind: 'file', text };
    if (text.startsWith('+')) return { kind: 'add', text };
    if (text.startsWith('-')) return { kind: 'remove', text };
    return { kind: 'context', text };
  });
}

/**
 * A unified diff with every added line in <ins> and every removed line in <del>: the +/- prefix stays in the text
 * and the styling repeats it, so the change reads the same without colour and to a screen reader.
 */
export function DiffView({ diff, label }: { diff: string; label: string }) {
  const lines = parseUnifiedDiff(diff);
  return (
    <>
      <p className="small muted">
        Lines starting with <code>+</code> were added, lines starting with <code>-</code> were removed.
      </p>
      <pre className="code-block diff" aria-label={label} tabIndex={0}>
        <code>
          {lines.map((line, index) => {
            const key = `${index}`;
            if (line.kind === 'add') {
              return (
                <ins key={key} className="diff-line diff-add">
                  {line.text}
                </ins>
              );
            }
            if (line.kind === 'remove') {
              return (
                <del key={key} className="diff-line diff-remove">
                  {line.text}
                </del>
              );
            }
            return (
              <span key={key} className={`diff-line diff-${line.kind}`}>
                {line.text === '' ? ' ' : line.text}
              </span>
            );
          })}
        </code>
      </pre>
    </>
  );
}
