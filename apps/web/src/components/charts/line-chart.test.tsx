import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { BarList } from './bar-list';
import { LineChart, niceTicks, segments } from './line-chart';

const T0 = Date.UTC(2026, 0, 1, 9, 0);
const x = [0, 1, 2, 3, 4].map((i) => T0 + i * 60_000);
const formatX = (ms: number) => `t${(ms - T0) / 60_000}`;

describe('niceTicks', () => {
  it('climbs in round steps from zero past the highest value', () => {
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(100)).toEqual([0, 50, 100]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(3)).toEqual([0, 1, 2, 3]);
    const big = niceTicks(930);
    expect(big[0]).toBe(0);
    expect(big[big.length - 1]).toBeGreaterThanOrEqual(930);
    expect(big.length).toBeLessThanOrEqual(6);
  });
});

describe('segments', () => {
  it('breaks the line where a value is missing', () => {
    expect(segments([1, 2, null, 4, null, null, 5, 6])).toEqual([
      [
        [0, 1],
        [1, 2],
      ],
      [[3, 4]],
      [
        [6, 5],
        [7, 6],
      ],
    ]);
    expect(segments([null, null])).toEqual([]);
  });
});

describe('LineChart', () => {
  it('names itself for assistive technology and carries its numbers in a hidden table', () => {
    render(
      <LineChart
        title="Running jobs against capacity"
        description="Jobs running on all machines."
        x={x}
        formatX={formatX}
        series={[
          { id: 'running', label: 'Running', values: [1, 2, null, 3, 4], color: 'red', area: true },
          { id: 'limit', label: 'Capacity', values: [5, 5, 5, 5, 5], color: 'blue', dashed: true },
        ]}
      />,
    );
    const chart = screen.getByRole('img', { name: /Running jobs against capacity/ });
    expect(chart.querySelector('title')?.textContent).toBe('Running jobs against capacity');
    expect(chart.querySelector('desc')?.textContent).toBe('Jobs running on all machines.');
    // the gap splits "running" in two runs; "capacity" is one line
    expect(chart.querySelectorAll('[data-series="running"]')).toHaveLength(2);
    expect(chart.querySelectorAll('[data-series="limit"] path.chart-line-dashed')).toHaveLength(1);
    expect(chart.querySelectorAll('[data-series="running"] path.chart-area')).toHaveLength(2);

    const table = screen.getByRole('table', { name: 'Running jobs against capacity' });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(6);
    expect(
      within(rows[0]!)
        .getAllByRole('columnheader')
        .map((c) => c.textContent),
    ).toEqual(['Time', 'Running', 'Capacity']);
    expect(
      within(rows[3]!)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['no data', '5']);
    expect(within(rows[5]!).getByRole('rowheader').textContent).toBe('t4');
  });

  it('says when there is nothing to draw yet', () => {
    render(
      <LineChart
        title="Queue wait"
        description="Nothing sampled."
        x={x}
        series={[{ id: 'p50', label: 'p50', values: [null, null, null, null, null], color: 'red' }]}
      />,
    );
    expect(screen.getByRole('img', { name: /Queue wait/ }).textContent).toContain('No data yet');
    expect(document.querySelectorAll('path')).toHaveLength(0);
  });
});

describe('BarList', () => {
  it('shows each label with its count', () => {
    render(
      <BarList
        label="Machines by status"
        items={[
          { key: 'online', label: 'Online', value: 8, color: 'green' },
          { key: 'offline', label: 'Offline', value: 2, color: 'red' },
        ]}
      />,
    );
    const rows = within(screen.getByRole('list', { name: 'Machines by status' })).getAllByRole('listitem');
    expect(rows.map((r) => r.textContent)).toEqual(['Online8', 'Offline2']);
  });
});
