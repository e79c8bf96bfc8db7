/**
 * Every machine of the wall as one tile on a <canvas>: thousands of tiles redrawn every second cost one pass of
 * rectangles, not thousands of DOM nodes. Colour shows load (running jobs against the limit); the status is also
 * drawn as a mark on the tile (stripes, a bar, a cross, a hollow tile), so it reads without colour. The legend
 * shows the same marks, and a text summary stands in for the picture for screen readers.
 */
import type { WallMachineStatus, WallTile } from '@paddock/contracts';
import { useEffect, useRef } from 'react';

/** Load buckets, idle to full. */
export const HEAT_COLOURS = ['#1d5f52', '#2f8f5b', '#8fa83a', '#d99a2b', '#e0553a'] as const;
const OFFLINE_FILL = '#3b4148';
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

function drawMark(ctx: CanvasRenderingContext2D, status: WallMachineStatus, x: number, y: number, s: number) {
  const w = Math.max(1, s / 6);
  if (status === 'drifting') {
    ctx.lineWidth = w;
    ctx.beginPath();
    ctx.moveTo(x, y + s / 2);
    ctx.lineTo(x + s / 2, y);
    ctx.moveTo(x + s / 2, y + s);
    ctx.lineTo(x + s, y + s / 2);
    ctx.stroke();
  } else if (status === 'draining') {
    ctx.fillRect(x + s * 0.15, y + s / 2 - w, s * 0.7, w * 2);
  } else if (status === 'offline') {
    ctx.lineWidth = w;
    ctx.beginPath();
    ctx.moveTo(x + s * 0.2, y + s * 0.2);
    ctx.lineTo(x + s * 0.8, y + s * 0.8);
    ctx.moveTo(x + s * 0.8, y + s * 0.2);
    ctx.lineTo(x + s * 0.2, y + s * 0.8);
    ctx.stroke();
  }
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
  const at = (i: number) => [(i % columns) * size, Math.floor(i / columns) * size] as const;
  // Fills grouped by colour: a handful of style changes per frame, whatever the fleet size.
  const byFill = new Map<string, number[]>();
  tiles.forEach((tile, i) => {
    const status = tile[2];
    if (status === 'never') return;
    const fill =
      status === 'offline' ? OFFLINE_FILL : (HEAT_COLOURS[heatBucket(tile[3], tile[4])] ?? HEAT_COLOURS[0]);
    const list = byFill.get(fill) ?? [];
    list.push(i);
    byFill.set(fill, list);
  });
  for (const [fill, indexes] of byFill) {
    ctx.fillStyle = fill;
    for (const i of indexes) {
      const [x, y] = at(i);
      ctx.fillRect(x, y, s, s);
    }
  }
  ctx.strokeStyle = NEVER_STROKE;
  ctx.lineWidth = Math.max(1, s / 8);
  tiles.forEach((tile, i) => {
    if (tile[2] !== 'never') return;
    const [x, y] = at(i);
    const inset = ctx.lineWidth / 2;
    ctx.strokeRect(x + inset, y + inset, s - 2 * inset, s - 2 * inset);
  });
  if (s < 5) return;
  ctx.fillStyle = MARK;
  ctx.strokeStyle = MARK;
  tiles.forEach((tile, i) => {
    const [x, y] = at(i);
    drawMark(ctx, tile[2], x, y, s);
  });
}

const STATUS_TEXT: Record<WallMachineStatus, string> = {
  online: 'online',
  drifting: 'drifting',
  draining: 'draining',
  offline: 'offline',
  never: 'never connected',
};

/** One sentence per status for screen readers, naming the machines that need a look (a few of them). */
export function gridDescription(tiles: readonly WallTile[]): string {
  const by = new Map<WallMachineStatus, string[]>();
  for (const t of tiles) by.set(t[2], [...(by.get(t[2]) ?? []), t[1]]);
  const busy = tiles.filter((t) => t[2] === 'online' && t[4] > 0 && t[3] >= t[4]).length;
  const parts = [`${tiles.length.toLocaleString()} machines.`];
  for (const status of ['online', 'drifting', 'draining', 'offline', 'never'] as const) {
    const names = by.get(status) ?? [];
    if (names.length === 0) continue;
    const listed =
      status === 'online' ? '' : `: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}`;
    parts.push(`${names.length.toLocaleString()} ${STATUS_TEXT[status]}${listed}.`);
  }
  if (busy > 0) parts.push(`${busy.toLocaleString()} running at their job limit.`);
  return parts.join(' ');
}

export function HeatGrid({ tiles }: { tiles: readonly WallTile[] }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);

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
      if (ctx) drawGrid(ctx, tiles, width, height, scale);
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
      <canvas ref={canvasRef} className="wall-grid-canvas" role="img" aria-label={gridDescription(tiles)} />
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
