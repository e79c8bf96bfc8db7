/**
 * The hot reads of Paddock, each as the app's own code path: a request to the real route through `app.inject`, or
 * a call of the gateway's or the sampler's function. Nothing here holds SQL: the statements are recorded as the
 * code sends them (see explain-capture.ts), so this list cannot drift from the code. Where the SQL is built by
 * Prisma (the audit list, the rollout status), it is Prisma's own output for the route's own call.
 */
import type { App } from '../../apps/api/src/app.js';
import type { Database } from '../../apps/api/src/db/client.js';
import { gatewayStore } from '../../apps/api/src/agent-gateway/store.js';
import { fleetRepository } from '../../apps/api/src/modules/fleet/fleet.repository.js';
import { storedRevisions } from '../../apps/api/src/modules/revisions/revision-source.js';
import type { SecretBox } from '../../apps/api/src/lib/secrets.js';

/** Ids of seeded rows the reads need: picked from the middle of each table, not its first row. */
export interface HotReadIds {
  machineId: string;
  runnerId: string;
  /** a rollout of every machine, and one of 50 */
  fleetRolloutId: string;
  smallRolloutId: string;
  /** 1,000 machines: the slice the gateway reads desired revisions in */
  machineSlice: string[];
}

export interface HotReadContext {
  app: App;
  db: Database;
  secrets: SecretBox;
  authorization: string;
  ids: HotReadIds;
  /** runs `fn` with statement recording on; only what it sends is explained */
  measure(fn: () => Promise<unknown>): Promise<void>;
}

export interface HotRead {
  /** the endpoint or function, with its parameters */
  label: string;
  /** where its SQL is built */
  source: string;
  run(ctx: HotReadContext): Promise<void>;
}

/** GET with the bench admin's token; anything but 200 stops the run. */
async function get(ctx: HotReadContext, url: string): Promise<Record<string, unknown>> {
  const res = await ctx.app.inject({ method: 'GET', url, headers: { authorization: ctx.authorization } });
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

/**
 * The cursor of the middle page of a list, reached as a person paging through would: the first page tells the total,
 * then the API's own cursors lead halfway.
 */
async function middleCursor(ctx: HotReadContext, url: string): Promise<{ cursor: string; page: number }> {
  const limit = Number(new URL(url, 'http://x').searchParams.get('limit'));
  let page = await get(ctx, url);
  const pages = Math.floor(Number(page.total) / limit / 2);
  for (let i = 1; i <= pages; i++) {
    if (typeof page.nextCursor !== 'string') throw new Error(`${url} ended before page ${i + 1}`);
    if (i === pages) return { cursor: page.nextCursor, page: i + 1 };
    page = await get(ctx, `${url}&cursor=${page.nextCursor}`);
  }
  throw new Error(`${url} has a single page`);
}

const endpoint = (url: string, source: string): HotRead => ({
  label: `GET ${url}`,
  source,
  run: (ctx) => ctx.measure(() => get(ctx, url)),
});

/** The middle page, by the cursor the API itself handed out. */
const middlePage = (url: string, source: string): HotRead => ({
  label: `GET ${url}&cursor=… (middle page)`,
  source,
  async run(ctx) {
    const { cursor } = await middleCursor(ctx, url);
    await ctx.measure(() => get(ctx, `${url}&cursor=${cursor}`));
  },
});

const RUNNERS = 'runners.repository.ts list';
const MACHINES = 'machines.repository.ts list';
const JOBS = 'jobs.repository.ts jobsForQueues, runnersForMatching, lastUpdate';
const WALL = 'wall.repository.ts + jobs.repository.ts';
const FLEET = 'fleet.repository.ts';
const AUDIT = 'audit.routes.ts (Prisma findMany + count)';

export const HOT_READS: HotRead[] = [
  endpoint('/api/v1/runners?limit=100', RUNNERS),
  middlePage('/api/v1/runners?limit=100', RUNNERS),
  endpoint('/api/v1/runners?limit=100&tag=docker', RUNNERS),
  endpoint('/api/v1/runners?limit=100&tag=docker,linux', RUNNERS),
  endpoint('/api/v1/runners?limit=100&status=offline', RUNNERS),
  endpoint('/api/v1/runners?limit=100&status=paused', RUNNERS),
  endpoint('/api/v1/runners?limit=100&q=runner%20421', RUNNERS),
  {
    label: 'GET /api/v1/runners?limit=100&machineId=…',
    source: RUNNERS,
    run: (ctx) => ctx.measure(() => get(ctx, `/api/v1/runners?limit=100&machineId=${ctx.ids.machineId}`)),
  },
  endpoint('/api/v1/machines?limit=100', MACHINES),
  middlePage('/api/v1/machines?limit=100', MACHINES),
  endpoint('/api/v1/machines?limit=100&status=online&label=region=eu', MACHINES),
  endpoint('/api/v1/machines?limit=100&status=failed', MACHINES),
  endpoint('/api/v1/machines?limit=100&sort=-lastSeenAt', MACHINES),
  endpoint('/api/v1/machines?limit=100&q=runner-0123', MACHINES),
  endpoint('/api/v1/jobs?status=pending', JOBS),
  endpoint('/api/v1/jobs/queues', JOBS),
  endpoint('/api/v1/wall/summary', WALL),
  endpoint('/api/v1/wall/summary?tags=docker,windows', WALL),
  endpoint('/api/v1/wall/summary?label=region=eu', WALL),
  endpoint('/api/v1/fleet/trends?range=hour', FLEET),
  endpoint('/api/v1/fleet/trends?range=day', FLEET),
  {
    label: 'GET /api/v1/fleet/concurrency?machineId=…&range=day',
    source: FLEET,
    run: (ctx) =>
      ctx.measure(() => get(ctx, `/api/v1/fleet/concurrency?machineId=${ctx.ids.machineId}&range=day`)),
  },
  {
    label: 'GET /api/v1/fleet/concurrency?runnerId=…&range=day',
    source: FLEET,
    run: (ctx) =>
      ctx.measure(() => get(ctx, `/api/v1/fleet/concurrency?runnerId=${ctx.ids.runnerId}&range=day`)),
  },
  {
    label: 'fleet sampler pass: machinesForSample(), sampledAt()',
    source: FLEET,
    async run(ctx) {
      const repo = fleetRepository(ctx.db.prisma);
      await ctx.measure(async () => {
        await repo.machinesForSample();
        await repo.sampledAt(new Date(Math.floor(Date.now() / 60_000) * 60_000));
      });
    },
  },
  {
    label: 'agent gateway desired() for one machine (hello)',
    source: 'revision-source.ts desired',
    async run(ctx) {
      const source = storedRevisions(
        ctx.db,
        async (models) => models.map(() => ''),
        async () => {},
      );
      await ctx.measure(() => source.desired([ctx.ids.machineId]));
    },
  },
  {
    label: 'agent gateway desired() for a slice of 1,000 machines',
    source: 'revision-source.ts desired',
    async run(ctx) {
      const source = storedRevisions(
        ctx.db,
        async (models) => models.map(() => ''),
        async () => {},
      );
      await ctx.measure(() => source.desired(ctx.ids.machineSlice));
    },
  },
  {
    label: 'machinesOfRollout (rollout of every machine)',
    source: 'agent-gateway/store.ts machinesOfRollout',
    async run(ctx) {
      const store = gatewayStore({ prisma: ctx.db.prisma, secrets: ctx.secrets, replicaId: 'explain' });
      await ctx.measure(() => store.machinesOfRollout(ctx.ids.fleetRolloutId));
    },
  },
  {
    label: 'GET /api/v1/rollouts/… (rollout of every machine)',
    source: 'rollout-status.ts (Prisma findUnique + include)',
    run: (ctx) => ctx.measure(() => get(ctx, `/api/v1/rollouts/${ctx.ids.fleetRolloutId}`)),
  },
  {
    label: 'GET /api/v1/rollouts/… (rollout of 50 machines)',
    source: 'rollout-status.ts (Prisma findUnique + include)',
    run: (ctx) => ctx.measure(() => get(ctx, `/api/v1/rollouts/${ctx.ids.smallRolloutId}`)),
  },
  endpoint('/api/v1/audit-events?limit=50', AUDIT),
  middlePage('/api/v1/audit-events?limit=200', AUDIT),
  endpoint('/api/v1/audit-events?limit=50&action=runner.', AUDIT),
  endpoint('/api/v1/audit-events?limit=50&actorType=system', AUDIT),
  endpoint('/api/v1/audit-events?limit=50&actor=person3%40example', AUDIT),
  {
    label: 'GET /api/v1/audit-events?limit=50&targetType=runner&targetId=…',
    source: AUDIT,
    run: (ctx) =>
      ctx.measure(() =>
        get(ctx, `/api/v1/audit-events?limit=50&targetType=runner&targetId=${ctx.ids.runnerId}`),
      ),
  },
];
