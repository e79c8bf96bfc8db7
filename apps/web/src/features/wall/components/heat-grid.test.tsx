import type { WallMachineStatus, WallTile } from '@paddock/contracts';
import { describe, expect, it } from 'vitest';
import { drawGrid, gridDescription, gridLayout, HEAT_COLOURS } from './heat-grid';

const tile = (i: number, status: WallMachineStatus, running = 0, limit = 4): WallTile => [
  `0190f1a2-0000-7000-8000-${String(i).padStart(12, '0')}`,
  `host-${String(i).padStart(4, '0')}`,
  status,
  running,
  limit,
];

/** A 2D context that records the calls the grid makes, with the fill style each rectangle was filled with. */
function recordingContext() {
  const calls = { fillStyle: 0, stroke: 0, beginPath: 0, strokeRect: 0, moveTo: 0 };
  const rects: Array<{ x: number; y: number; w: number; h: number; fill: string }> = [];
  let fill = '';
  const ctx = {
    setTransform: () => {},
    clearRect: () => {},
    fillRect: (x: number, y: number, w: number, h: number) => rects.push({ x, y, w, h, fill }),
    strokeRect: () => (calls.strokeRect += 1),
    beginPath: () => (calls.beginPath += 1),
    moveTo: () => (calls.moveTo += 1),
    lineTo: () => {},
    stroke: () => (calls.stroke += 1),
    lineWidth: 1,
    strokeStyle: '',
    get fillStyle() {
      return fill;
    },
    set fillStyle(v: string) {
      calls.fillStyle += 1;
      fill = v;
    },
  } as unknown as CanvasRenderingContext2D;
  return { ctx, calls, rects };
}

describe('drawGrid', () => {
  it('fills each tile once, in its load colour and place, and strokes every status mark in one path', () => {
    const statuses = ['online', 'online', 'drifting', 'draining', 'offline', 'never'] as const;
    const tiles = Array.from({ length: 5_000 }, (_, i) => tile(i, statuses[i % statuses.length]!, i % 5, 4));
    const { ctx, calls, rects } = recordingContext();
    drawGrid(ctx, tiles, 1800, 900, 1);

    const { size, columns } = gridLayout(tiles.length, 1800, 900);
    // tiles are squares; the draining bars are wider than high
    const tileRects = rects.filter((r) => r.w === r.h);
    const filled = tiles.filter((t) => t[2] !== 'never').length;
    expect(tileRects).toHaveLength(filled);
    // online tiles with 1, 2, 0 and 4 of 4 jobs running, each in its place
    const expected = new Map([
      [1, HEAT_COLOURS[2]],
      [7, HEAT_COLOURS[3]],
      [30, HEAT_COLOURS[0]],
      [4_999, HEAT_COLOURS[4]],
    ]);
    for (const [i, colour] of expected) {
      const at = tileRects.filter(
        (r) => r.x === (i % columns) * size && r.y === Math.floor(i / columns) * size,
      );
      expect(at.map((r) => r.fill)).toEqual([colour]);
    }
    // the draining bars: the remaining rectangles, one per draining tile
    expect(rects.length - tileRects.length).toBe(tiles.filter((t) => t[2] === 'draining').length);
    expect(calls.strokeRect).toBe(tiles.filter((t) => t[2] === 'never').length);
    expect(calls.beginPath).toBe(1);
    expect(calls.stroke).toBe(1);
    expect(calls.moveTo).toBe(2 * tiles.filter((t) => t[2] === 'drifting' || t[2] === 'offline').length);
    // the load colours and the offline grey in use, then the marks
    expect(calls.fillStyle).toBeLessThanOrEqual(HEAT_COLOURS.length + 2);
  });

  it('leaves the marks out when tiles are too small to show them', () => {
    const tiles = Array.from({ length: 5_000 }, (_, i) => tile(i, i % 2 ? 'offline' : 'drifting'));
    const { ctx, calls } = recordingContext();
    drawGrid(ctx, tiles, 200, 100, 1);
    expect(calls.stroke).toBe(0);
  });
});

describe('gridDescription', () => {
  it('counts every status, names at most ten machines of each and the machines at their limit', () => {
    const tiles = [
      ...Array.from({ length: 4_000 }, (_, i) => tile(i, 'online', i < 25 ? 4 : 1)),
      ...Array.from({ length: 12 }, (_, i) => tile(4_000 + i, 'offline')),
      tile(5_000, 'drifting'),
      tile(5_001, 'never', 0, 0),
    ];
    const text = gridDescription(tiles);
    expect(text).toBe(
      '4,014 machines. 4,000 online. 1 drifting: host-5000. ' +
        `12 offline: ${Array.from({ length: 10 }, (_, i) => `host-${4_000 + i}`).join(', ')}, …. ` +
        '1 never connected: host-5001. 25 running at their job limit.',
    );
  });
});
