/**
 * A job log as gitlab-runner writes it, kept in a form a browser can hold at 50 MB: one string per line (colour
 * codes left in, section markers and overwritten text taken out), the colour state each line starts with packed in
 * a number, and the collapsible sections. Lines are turned into coloured spans only when they are drawn
 * (`styledSpans`), so memory stays close to the size of the text and appending a chunk costs only that chunk.
 *
 * What the log contains:
 * - SGR colour codes (`ESC[31m`, `ESC[1;32m`, `ESC[38;5;208m`, `ESC[0m`); `ESC[0K` (erase line) is dropped.
 * - Carriage returns: what follows the last `\r` of a line overwrites it (progress bars), `\r\n` ends a line.
 * - Sections: `section_start:<unix time>:<name>[collapsed=true]\r ESC[0K<header>` opens one whose header is the
 *   rest of that line; `section_end:<unix time>:<name>\r ESC[0K` closes it and any section opened inside it.
 */

const ESC = '\u001b';
// ESC is the very character these expressions look for.
/* eslint-disable no-control-regex */
const SECTION_MARKER =
  /(?:\u001b\[0K)?section_(start|end):(\d+):([A-Za-z0-9_.-]+)(?:\[([^\]\r\n]*)\])?\r(?:\u001b\[0K)?/g;
const SGR = /\u001b\[([0-9;]*)m/g;
/** Any escape sequence other than colours: cursor movement, erase (drawn as nothing). */
const OTHER_CSI = /\u001b\[[0-9;?]*[A-Za-ln-z]/g;
/* eslint-enable no-control-regex */

/** Colour state packed in one number: foreground and background (0 = default, 1 + 256-colour index), flags. */
export type PackedStyle = number;
const BOLD = 1 << 18;
const ITALIC = 1 << 19;
const UNDERLINE = 1 << 20;
const FG_MASK = 0x1ff;
const BG_SHIFT = 9;

export interface Style {
  /** 256-colour palette index, or null for the default */
  fg: number | null;
  bg: number | null;
  bold: boolean;
  italic: boolean;
  underline: boolean;
}

export function unpackStyle(packed: PackedStyle): Style {
  const fg = packed & FG_MASK;
  const bg = (packed >> BG_SHIFT) & FG_MASK;
  return {
    fg: fg ? fg - 1 : null,
    bg: bg ? bg - 1 : null,
    bold: (packed & BOLD) !== 0,
    italic: (packed & ITALIC) !== 0,
    underline: (packed & UNDERLINE) !== 0,
  };
}

const withFg = (s: number, colour: number | null) => (s & ~FG_MASK) | (colour === null ? 0 : colour + 1);
const withBg = (s: number, colour: number | null) =>
  (s & ~(FG_MASK << BG_SHIFT)) | ((colour === null ? 0 : colour + 1) << BG_SHIFT);

/** Applies one SGR parameter list (`1;31`) to a style. */
export function applySgr(style: PackedStyle, params: string): PackedStyle {
  const codes = params === '' ? [0] : params.split(';').map((p) => (p === '' ? 0 : Number(p)));
  let s = style;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0) s = 0;
    else if (c === 1) s |= BOLD;
    else if (c === 3) s |= ITALIC;
    else if (c === 4) s |= UNDERLINE;
    else if (c === 22) s &= ~BOLD;
    else if (c === 23) s &= ~ITALIC;
    else if (c === 24) s &= ~UNDERLINE;
    else if (c >= 30 && c <= 37) s = withFg(s, c - 30);
    else if (c >= 90 && c <= 97) s = withFg(s, c - 90 + 8);
    else if (c === 39) s = withFg(s, null);
    else if (c >= 40 && c <= 47) s = withBg(s, c - 40);
    else if (c >= 100 && c <= 107) s = withBg(s, c - 100 + 8);
    else if (c === 49) s = withBg(s, null);
    else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
      const colour = codes[i + 2];
      if (colour !== undefined && colour >= 0 && colour <= 255)
        s = c === 38 ? withFg(s, colour) : withBg(s, colour);
      i += 2;
    } else if ((c === 38 || c === 48) && codes[i + 1] === 2) {
      // 24-bit colour: not in the palette; the text keeps the default colour rather than a wrong one.
      s = c === 38 ? withFg(s, null) : withBg(s, null);
      i += 4;
    }
  }
  return s;
}

/** The style after a line's colour codes, starting from `style`. */
function styleAfter(style: PackedStyle, text: string): PackedStyle {
  let s = style;
  SGR.lastIndex = 0;
  for (let m = SGR.exec(text); m; m = SGR.exec(text)) s = applySgr(s, m[1]!);
  return s;
}

export interface Span {
  text: string;
  style: PackedStyle;
}

/** A stored line drawn as spans of one style each. */
export function styledSpans(line: string, start: PackedStyle): Span[] {
  const spans: Span[] = [];
  let style = start;
  let last = 0;
  SGR.lastIndex = 0;
  for (let m = SGR.exec(line); m; m = SGR.exec(line)) {
    if (m.index > last) spans.push({ text: line.slice(last, m.index), style });
    style = applySgr(style, m[1]!);
    last = m.index + m[0].length;
  }
  if (last < line.length) spans.push({ text: line.slice(last), style });
  return spans;
}

export interface Section {
  name: string;
  /** the line holding its header (the text after `section_start`) */
  headerLine: number;
  /** first line after the section's last line; null while it is open */
  endLine: number | null;
  depth: number;
  collapsedByDefault: boolean;
  startedAt: number;
  endedAt: number | null;
}

export class TraceDocument {
  readonly lines: string[] = [];
  /** style at the start of each line */
  readonly startStyles: PackedStyle[] = [];
  readonly sections: Section[] = [];
  /** bytes received so far, as counted by the server (the offset to resume from) */
  size = 0;
  private open: number[] = [];
  private style: PackedStyle = 0;
  /** raw text after the last newline, drawn as a provisional last line */
  private partial = '';
  private partialCommitted = false;
  /** whether the provisional last line was stored (a line holding only section markers is not) */
  private partialPushed = false;

  /** Appends the next piece of the log. `bytes` is its UTF-8 length, for the resume offset. */
  append(text: string, bytes = new TextEncoder().encode(text).length): void {
    this.size += bytes;
    this.dropProvisional();
    const all = this.partial + text;
    let from = 0;
    for (let nl = all.indexOf('\n', from); nl !== -1; nl = all.indexOf('\n', from)) {
      this.addLine(all.slice(from, nl), true);
      from = nl + 1;
    }
    this.partial = all.slice(from);
    if (this.partial) {
      this.partialPushed = this.addLine(this.partial, false);
      this.partialCommitted = true;
    }
  }

  get lineCount(): number {
    return this.lines.length;
  }

  private dropProvisional(): void {
    if (!this.partialCommitted) return;
    this.partialCommitted = false;
    if (this.partialPushed) {
      this.lines.pop();
      this.startStyles.pop();
    }
    // The provisional line may have opened or closed sections: undo them by replaying from a snapshot.
    const s = this.provisionalUndo;
    if (s) {
      this.style = s.style;
      this.open = s.open;
      this.sections.length = s.sectionCount;
      for (const [index, endLine, endedAt] of s.closed) {
        this.sections[index]!.endLine = endLine;
        this.sections[index]!.endedAt = endedAt;
      }
    }
  }

  private provisionalUndo: {
    style: PackedStyle;
    open: number[];
    sectionCount: number;
    closed: Array<[number, number | null, number | null]>;
  } | null = null;

  /** Stores one line; false when it held only section markers (GitLab does not show those as lines). */
  private addLine(raw: string, complete: boolean): boolean {
    const index = this.lines.length;
    this.provisionalUndo = complete
      ? null
      : { style: this.style, open: [...this.open], sectionCount: this.sections.length, closed: [] };
    const startStyle = this.style;
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;

    SECTION_MARKER.lastIndex = 0;
    const markers = [...text.matchAll(SECTION_MARKER)];
    if (markers.length) {
      text = text.replace(SECTION_MARKER, '');
      for (const m of markers) {
        const [, kind, time, name, options] = m;
        if (kind === 'start') {
          this.open.push(this.sections.length);
          this.sections.push({
            name: name!,
            headerLine: index,
            endLine: null,
            depth: this.open.length - 1,
            collapsedByDefault: /(^|,)\s*collapsed=true\s*(,|$)/.test(options ?? ''),
            startedAt: Number(time),
            endedAt: null,
          });
        } else {
          const at = this.open.findLastIndex((i) => this.sections[i]!.name === name);
          if (at === -1) continue;
          // Closing a section closes whatever was left open inside it.
          for (const i of this.open.splice(at)) {
            this.provisionalUndo?.closed.push([i, this.sections[i]!.endLine, this.sections[i]!.endedAt]);
            this.sections[i]!.endLine = index;
            this.sections[i]!.endedAt = Number(time);
          }
        }
      }
    }

    // What follows the last carriage return overwrites the line; its colours still count.
    const cr = text.lastIndexOf('\r');
    let style = startStyle;
    if (cr !== -1) {
      style = styleAfter(style, text.slice(0, cr));
      text = text.slice(cr + 1);
    }
    text = text.replace(OTHER_CSI, '');
    if (markers.length && text === '') {
      this.style = style;
      return false;
    }
    this.lines.push(text);
    this.startStyles.push(style);
    this.style = text.includes(ESC) ? styleAfter(style, text) : style;
    return true;
  }
}

/**
 * The lines to draw, given which sections are collapsed: a collapsed section shows its header line only. Returns line indices in order; recomputed when a
 * section is toggled, in time linear in the number of lines.
 */
export function visibleLines(doc: TraceDocument, collapsed: ReadonlySet<number>): Int32Array {
  const count = doc.lineCount;
  const hidden = new Uint8Array(count);
  for (const index of collapsed) {
    const s = doc.sections[index];
    if (!s) continue;
    const end = Math.min(s.endLine ?? count, count);
    hidden.fill(1, s.headerLine + 1, end);
  }
  const out = new Int32Array(count);
  let n = 0;
  for (let line = 0; line < count; line++) if (!hidden[line]) out[n++] = line;
  return out.subarray(0, n);
}
