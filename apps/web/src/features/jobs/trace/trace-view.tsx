/**
 * A job log on screen: ANSI colours, collapsible sections, line numbers, and "follow" that keeps the newest line
 * in view while the job runs. Only the rows in view (plus a margin) are in the DOM, so a 50 MB log of half a
 * million lines scrolls like a short one; rows have one fixed height, which makes the scroll position a simple
 * multiplication.
 */
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
} from 'react';
import {
  styledSpans,
  unpackStyle,
  visibleLines,
  type PackedStyle,
  type TraceDocument,
} from './trace-document';

export const ROW_HEIGHT = 20;
const OVERSCAN = 20;

export interface TraceViewProps {
  doc: TraceDocument;
  /** changes whenever `doc` grew, so the view redraws */
  version: number;
  /** label of the log region for assistive technology */
  label: string;
  /** height used before the element is measured (and in tests) */
  initialHeight?: number;
}

function spanStyle(packed: PackedStyle): { className: string | undefined; style: CSSProperties | undefined } {
  if (packed === 0) return { className: undefined, style: undefined };
  const s = unpackStyle(packed);
  const classes: string[] = [];
  const style: CSSProperties = {};
  // The 16 basic colours follow the theme; the rest of the 256-colour palette is computed.
  if (s.fg !== null) {
    if (s.fg < 16) classes.push(`ansi-fg-${s.fg}`);
    else style.color = paletteColour(s.fg);
  }
  if (s.bg !== null) {
    if (s.bg < 16) classes.push(`ansi-bg-${s.bg}`);
    else style.backgroundColor = paletteColour(s.bg);
  }
  if (s.bold) classes.push('ansi-bold');
  if (s.italic) classes.push('ansi-italic');
  if (s.underline) classes.push('ansi-underline');
  return {
    className: classes.length ? classes.join(' ') : undefined,
    style: Object.keys(style).length ? style : undefined,
  };
}

/** xterm's 256-colour palette beyond the first 16: a 6×6×6 cube, then 24 greys. */
export function paletteColour(index: number): string {
  if (index >= 232) {
    const v = 8 + (index - 232) * 10;
    return `rgb(${v}, ${v}, ${v})`;
  }
  const i = index - 16;
  const level = (n: number) => (n === 0 ? 0 : 55 + n * 40);
  return `rgb(${level(Math.floor(i / 36))}, ${level(Math.floor(i / 6) % 6)}, ${level(i % 6)})`;
}

export function TraceView({ doc, version, label, initialHeight = 600 }: TraceViewProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [height, setHeight] = useState(initialHeight);
  const [scrollTop, setScrollTop] = useState(0);
  const [follow, setFollow] = useState(true);
  // Sections the reader opened or closed; the others follow their `collapsed=true` option.
  const [toggled, setToggled] = useState<ReadonlySet<number>>(() => new Set());

  const collapsed = useMemo(() => {
    const set = new Set<number>();
    doc.sections.forEach((s, i) => {
      if (s.collapsedByDefault !== toggled.has(i)) set.add(i);
    });
    return set;
    // `version` stands for the document's content, which grows in place.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [doc, version, toggled]);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const rows = useMemo(() => visibleLines(doc, collapsed), [doc, version, collapsed]);
  const headerOf = useMemo(() => {
    const map = new Map<number, number>();
    doc.sections.forEach((s, i) => map.set(s.headerLine, i));
    return map;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [doc, version]);

  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (el.clientHeight > 0) setHeight(el.clientHeight);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // New lines while following: keep the last one in view.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !follow) return;
    const bottom = Math.max(0, rows.length * ROW_HEIGHT - height);
    el.scrollTop = bottom;
    setScrollTop(bottom);
  }, [rows, follow, height]);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    const atBottom = el.scrollTop + height >= rows.length * ROW_HEIGHT - ROW_HEIGHT;
    setFollow(atBottom);
  }, [height, rows.length]);

  const toggle = (section: number) =>
    setToggled((prev) => {
      const next = new Set(prev);
      if (next.has(section)) next.delete(section);
      else next.add(section);
      return next;
    });

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const digits = String(doc.lineCount).length;

  const drawn = [];
  for (let r = first; r < last; r++) {
    const line = rows[r]!;
    const section = headerOf.get(line);
    const isCollapsed = section !== undefined && collapsed.has(section);
    const depth = section !== undefined ? doc.sections[section]!.depth : 0;
    drawn.push(
      <div
        key={line}
        className="trace-row"
        role="listitem"
        style={{ top: r * ROW_HEIGHT, height: ROW_HEIGHT }}
        data-line={line + 1}
      >
        <span className="trace-line-number" style={{ width: `${digits + 1}ch` }} aria-hidden="true">
          {line + 1}
        </span>
        {section !== undefined ? (
          <button
            type="button"
            className="trace-section-toggle"
            aria-expanded={!isCollapsed}
            aria-label={`${isCollapsed ? 'Expand' : 'Collapse'} section ${doc.sections[section]!.name}`}
            onClick={() => toggle(section)}
            style={{ marginLeft: `${depth}ch` }}
          >
            {isCollapsed ? '▸' : '▾'}
          </button>
        ) : null}
        <span className="trace-text">
          {styledSpans(doc.lines[line]!, doc.startStyles[line]!).map((span, i) => {
            const { className, style } = spanStyle(span.style);
            return (
              <span key={i} className={className} style={style}>
                {span.text}
              </span>
            );
          })}
        </span>
        {section !== undefined && doc.sections[section]!.endedAt !== null ? (
          <span className="trace-section-duration">
            {formatDuration(doc.sections[section]!.endedAt! - doc.sections[section]!.startedAt)}
          </span>
        ) : null}
      </div>,
    );
  }

  return (
    <div className="trace">
      <div className="trace-toolbar">
        <span>
          {doc.lineCount.toLocaleString()} lines · {formatBytes(doc.size)}
        </span>
        <button type="button" className="button" aria-pressed={follow} onClick={() => setFollow((f) => !f)}>
          {follow ? 'Following the end' : 'Follow the end'}
        </button>
      </div>
      <div
        ref={scroller}
        className="trace-scroller"
        onScroll={onScroll}
        tabIndex={0}
        role="list"
        aria-label={label}
        style={{ height: initialHeight }}
      >
        <div className="trace-canvas" style={{ height: rows.length * ROW_HEIGHT }}>
          {drawn}
        </div>
      </div>
    </div>
  );
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
