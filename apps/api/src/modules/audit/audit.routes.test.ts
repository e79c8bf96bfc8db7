/**
 * Paging the audit log on a real database: the cursor walks every event once, newest first, including events that
 * share a timestamp (ordered by id), with and without filters.
 */
import type { AuditEventPage } from '@paddock/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/test-db.js';

const ctx = useTestApp();

/** Events of the `paging.` actions only, as written: newest first, ties on `at` by id descending. */
let expected: Array<{ id: string; action: string }>;

beforeAll(async () => {
  const base = Date.parse('2026-11-01T12:00:00.000Z');
  // Three timestamps shared by several events each, so page boundaries fall inside a tie.
  const offsets = [0, 0, 0, 1, 2, 2, 2, 2, 3, 5, 5];
  const rows = await Promise.all(
    offsets.map((s, i) =>
      ctx.db.prisma.auditEvent.create({
        data: {
          at: new Date(base + s * 1000),
          actorType: 'system',
          action: i % 2 === 0 ? 'paging.even' : 'paging.odd',
          targetType: 'test',
        },
      }),
    ),
  );
  expected = rows
    .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1))
    .map((r) => ({ id: r.id, action: r.action }));
});

async function walk(query: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/api/v1/audit-events?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await ctx.app.inject(url);
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json<AuditEventPage>();
    ids.push(...page.items.map((e) => e.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

describe('audit log pages', () => {
  it.each([1, 2, 3, 4])('walk every event once, ties on time by id, %i a page', async (limit) => {
    expect(await walk('action=paging.', limit)).toEqual(expected.map((e) => e.id));
  });

  it('keep the filter on every page', async () => {
    const odd = expected.filter((e) => e.action === 'paging.odd').map((e) => e.id);
    expect(await walk('action=paging.odd', 2)).toEqual(odd);
  });

  it('stop at the window asked for', async () => {
    const window = 'from=2026-11-01T12:00:01.000Z&to=2026-11-01T12:00:05.000Z';
    const ids = await walk(`action=paging.&${window}`, 2);
    // The events at 1, 2 and 3 s: the window's end is exclusive.
    expect(ids).toEqual(expected.slice(2, 8).map((e) => e.id));
  });
});
