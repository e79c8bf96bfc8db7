/**
 * `GET /downloads/paddock-agent.js`: the agent as one file that needs only Node, so a runner host can fetch the
 * version that matches this server: `curl -fsSLo /usr/local/bin/paddock-agent <paddock>/downloads/paddock-agent.js`.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { NotFoundError } from '../lib/errors.js';

export default fp(
  async function downloadsPlugin(app: FastifyInstance, opts: { agentBundle: string }) {
    app.get(
      '/downloads/paddock-agent.js',
      { config: { access: 'public' }, schema: { hide: true } },
      async (_request, reply) => {
        if (!existsSync(opts.agentBundle)) {
          throw new NotFoundError('The agent bundle (build it with `pnpm build`)');
        }
        return reply
          .type('text/javascript; charset=utf-8')
          .header('content-length', statSync(opts.agentBundle).size)
          .header('content-disposition', 'attachment; filename="paddock-agent"')
          .header('cache-control', 'no-cache')
          .send(createReadStream(opts.agentBundle));
      },
    );
  },
  { name: 'downloads' },
);
