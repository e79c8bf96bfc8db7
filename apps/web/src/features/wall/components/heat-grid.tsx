/**
 * Every machine of the wall as one tile on a <canvas>: thousands of tiles redrawn every second cost one pass of
 * rectangles, not thousands of DOM nodes. Colour shows load (running jobs against the limit); the status is also
 * drawn as a mark on the tile (stripes, a bar, a cross, a hollow tile), so it reads without colour. The legend
 * shows the same marks, and a text summary stands in for the picture for screen readers.
 */
import type { WallMachineStatus, WallTile } from '@paddock/contracts';
import { useEffect, useMemo, useRef } from 'react';

/**
 * The User Timing measure around each canvas pass: it shows in a browser's performance profile, and
 * bench/wall-grid.ts reads it to time the grid's draws.
 */
export const GRID_DRAW_MEASURE = 'wall-grid:draw';

/** Load buckets, idle to full. */
export const HEAT_COLOURS = ['#1d5f52', '#2f8f5b', '#8fa83a', '#d99a2b', '#e0553a'] as const;
const OFFLINE_FILL = '#3b4148';
/** Tile fills by index: the load buckets, then offline; never-connected tiles are outlined, not filled. */
const FILLS: readonly string[] = [...HEAT_COLOURS, OFFLINE_FILL];
const OFFLINE = HEAT_COLOURS.length;
const NO_FILL = -1;
const MARK = 'rgba(8, 10, 12, 0.85)';
const NEVER_STROKE = '#7d8792';

export function heatBucket(running: number, limit: number): number {
  if (running <= 0) return 0;
  const ratio = limit > 0 ? running / limit : 1;
  return Math.min(
    HEAT_COLOURS.length - 1,
    1 + Math.floor(Math.min(ratio, 0.999) * (HEAT_COLOURS.length - 1)),
  );
}

/** The largest square tile (CSS pixels) that fits `count` tiles into `width` × `height`. */
export function gridLayout(count: number, width: number, height: number) {
  if (count === 0 || width <= 0 || height <= 0) return { size: 0, columns: 0 };
  let size = Math.max(1, Math.floor(Math.sqrt((width * height) / count)));
  while (size > 1 && Math.ceil(count / Math.floor(width / size)) * size > height) size -= 1;
  return { size, columns: Math.max(1, Math.floor(width / size)) };
}

/** Draws the tiles; exported for tests with a recording context. */
export function drawGrid(
  ctx: CanvasRenderingContext2D,
  tiles: readonly WallTile[],
  width: number,
  height: number,
  scale: number,
) {
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const { size, columns } = gridLayout(tiles.length, width, height);
  if (size === 0) return;
  const gap = size >= 6 ? Math.max(1, Math.round(size * 0.12)) : 0;
  const s = size - gap;
  const xOf = (i: number) => (i % columns) * size;
  const yOf = (i: number) => Math.floor(i / columns) * size;
  // This runs once a second for every machine of the fleet: one pass to sort tiles by fill into a typed array,
  // then one pass per fill, so a handful of style changes and no allocation per tile.
  const fillOf = new Int8Array(tiles.length);
  const used = new Array<boolean>(FILLS.length).fill(false);
  for (let i = 0; i < tiles.length; i++) {
    const tile = tiles[i]!;
    const f = tile[2] === 'never' ? NO_FILL : tile[2] === 'offline' ? OFFLINE : heatBucket(tile[3], tile[4]);
    fillOf[i] = f;
    if (f !== NO_FILL) used[f] = true;
  }
  for (let f = 0; f < FILLS.length; f++) {
    if (!used[f]) continue;
    ctx.fillStyle = FILLS[f]!;
    for (let i = 0; i < tiles.length; i++) if (fillOf[i] === f) ctx.fillRect(xOf(i), yOf(i), s, s);
  }
  ctx.strokeStyle = NEVER_STROKE;
  ctx.lineWidth = Math.max(1, s / 8);
  const inset = ctx.lineWidth / 2;
  for (let i = 0; i < tiles.length; i++) {
    if (fillOf[i] === NO_FILL) ctx.strokeRect(xOf(i) + inset, yOf(i) + inset, s - 2 * inset, s - 2 * inset);
  }
  if (s < 5) return;
  // Every stripe and cross in one path, stroked once; the draining bars are rectangles.
  const w = Math.max(1, s / 6);
  ctx.fillStyle = MARK;
  ctx.strokeStyle = MARK;
  ctx.lineWidth = w;
  ctx.beginPath();
  for (let i = 0; i < tiles.length; i++) {
    const status = tiles[i]![2];
    const x = xOf(i);
    const y = yOf(i);
    if (status === 'drifting') {
      ctx.moveTo(x, y + s / 2);
      ctx.lineTo(x + s / 2, y);
      ctx.moveTo(x + s / 2, y + s);
      ctx.lineTo(x + s, y + s / 2);
    } else if (status === 'offline') {
      ctx.moveTo(x + s * 0.2, y + s * 0.2);
      ctx.lineTo(x + s * 0.8, y + s * 0.8);
      ctx.moveTo(x + s * 0.8, y + s * 0.2);
      ctx.lineTo(x + s * 0.2, y + s * 0.8);
    } else if (status === 'draining') {
      ctx.fillRect(x + s * 0.15, y + s / 2 - w, s * 0.7, w * 2);
    }
  }
  ctx.stroke();
}

const STATUS_TEXT: Record<WallMachineStatus, string> = {
  online: 'online',
  drifting: 'drifting',
  draining: 'draining',
  offline: 'offline',
  never: 'never connected',
};

/** how many machines the description names per status */
const NAMED_PER_STATUS = 10;

/** One sentence per status for screen readers, naming the machines that need a look (a few of them). */
export function gridDescription(tiles: readonly WallTile[]): string {
  // One pass, keeping only the names it will say: this runs for every summary, over every machine.
  const counts = new Map<WallMachineStatus, number>();
  const named = new Map<WallMachineStatus, string[]>();
  let busy = 0;
  for (const [, hostname, status, running, limit] of tiles) {
    counts.set(status, (counts.get(status) ?? 0) + 1);
    if (status === 'online') {
      if (limit > 0 && running >= limit) busy += 1;
      continue;
    }
    const names = named.get(status) ?? [];
    if (names.length < NAMED_PER_STATUS) names.push(hostname);
    named.set(status, names);
  }
  const parts = [`${tiles.length.toLocaleString()} machines.`];
  for (const status of ['online', 'drifting', 'draining', 'offline', 'never'] as const) {
    const count = counts.get(status) ?? 0;
    if (count === 0) continue;
    const listed =
      status === 'online'
        ? ''
        : `: ${(named.get(status) ?? []).join(', ')}${count > NAMED_PER_STATUS ? ', …' : ''}`;
    parts.push(`${count.toLocaleString()} ${STATUS_TEXT[status]}${listed}.`);
  }
  if (busy > 0) parts.push(`${busy.toLocaleString()} running at their job limit.`);
  return parts.join(' ');
}

export function HeatGrid({ tiles }: { tiles: readonly WallTile[] }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const description = useMemo(() => gridDescription(tiles), [tiles]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    let frame = 0;
    const paint = () => {
      frame = 0;
      const width = canvas.clientWidth;
      const height = canvas.clientHeight;
      const scale = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(width * scale)) canvas.width = Math.round(width * scale);
      if (canvas.height !== Math.round(height * scale)) canvas.height = Math.round(height * scale);
      const ctx = canvas.getContext('2d');
      if (!ctx) return;
      const started = performance.now();
      drawGrid(ctx, tiles, width, height, scale);
      // The observers and a recorded profile still get the entry; the page's own buffer must not grow for weeks.
      performance.measure(GRID_DRAW_MEASURE, { start: started });
      performance.clearMeasures(GRID_DRAW_MEASURE);
    };
    frame = requestAnimationFrame(paint);
    const observer =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver(() => {
            frame ||= requestAnimationFrame(paint);
          });
    observer?.observe(canvas);
    return () => {
      cancelAnimationFrame(frame);
      observer?.disconnect();
    };
  }, [tiles]);

  return (
    <figure className="wall-grid">
      <canvas ref={canvasRef} className="wall-grid-canvas" role="img" aria-label={description} />
      <figcaption className="wall-legend">
        <LegendItem status="online" label="Online (colour: load)" />
        <LegendItem status="drifting" label="Drifting" />
        <LegendItem status="draining" label="Draining" />
        <LegendItem status="offline" label="Offline" />
        <LegendItem status="never" label="Never connected" />
        <span className="wall-legend-scale" aria-hidden="true">
          idle
          {HEAT_COLOURS.map((c) => (
            <svg key={c} viewBox="0 0 10 10" className="wall-legend-swatch">
              <rect width="10" height="10" fill={c} />
            </svg>
          ))}
          full
        </span>
      </figcaption>
    </figure>
  );
}

function LegendItem({ status, label }: { status: WallMachineStatus; label: string }) {
  const fill = status === 'offline' ? OFFLINE_FILL : status === 'never' ? 'none' : HEAT_COLOURS[1];
  return (
    <span className="wall-legend-item">
      <svg viewBox="0 0 12 12" className="wall-legend-swatch" aria-hidden="true">
        <rect
          x="0.75"
          y="0.75"
          width="10.5"
          height="10.5"
          fill={fill}
          stroke={status === 'never' ? NEVER_STROKE : 'none'}
          strokeWidth="1.5"
        />
        {status === 'drifting' && <path d="M0 6 L6 0 M6 12 L12 6" stroke={MARK} strokeWidth="2" />}
        {status === 'draining' && <rect x="2" y="5" width="8" height="2" fill={MARK} />}
        {status === 'offline' && (
          <path d="M2.5 2.5 L9.5 9.5 M9.5 2.5 L2.5 9.5" stroke={MARK} strokeWidth="2" />
        )}
      </svg>
      {label}
    </span>
  );
}
