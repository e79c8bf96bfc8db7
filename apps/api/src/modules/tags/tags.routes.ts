/** Runner tags in use, with how many runners carry each. */
import { TagList } from '@paddock/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

const tagsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/tags',
    {
      config: { access: 'viewer' },
      schema: { tags: ['tags'], summary: 'List runner tags with runner counts', response: { 200: TagList } },
    },
    async () => {
      const rows = await app.db.prisma.$queryRaw<Array<{ tag: string; runner_count: bigint }>>`
        SELECT tag, count(*) AS runner_count FROM runners, unnest(tags) AS tag GROUP BY tag ORDER BY tag`;
      return { items: rows.map((r) => ({ tag: r.tag, runnerCount: Number(r.runner_count) })) };
    },
  );
};

export default tagsRoutes;
