/**
 * Serves the built web app on the API's port: hashed assets cached for a year, index.html for every other page
 * path so client-side routes survive a reload. API paths never fall through to the app.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { NotFoundError } from '../lib/errors.js';

const NOT_APP = /^\/(api|agent|live|healthz|readyz|metrics|downloads)(\/|$|\?)/;

export default fp(
  async function webPlugin(app: FastifyInstance, opts: { root: string }) {
    const index = path.join(opts.root, 'index.html');
    if (!existsSync(index)) {
      app.log.warn({ root: opts.root }, 'web app not built: serving the API only (run `pnpm build`)');
      return;
    }
    await app.register(fastifyStatic, {
      root: opts.root,
      wildcard: false,
      index: false,
      setHeaders(reply, filePath) {
        const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
        reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    // Pages declare no `config.access` on purpose: they hold no data, and a declared rule would make the auth
    // plugin check the credentials a page URL carries, so `/wall?display=<revoked token>` would answer 401
    // instead of loading the app that explains it.
    app.get('/*', { schema: { hide: true } }, (request, reply) => {
      if (NOT_APP.test(request.url)) throw new NotFoundError('Route', request.url.split('?')[0]);
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
    app.get('/', { schema: { hide: true } }, (_request, reply) =>
      reply.header('cache-control', 'no-cache').sendFile('index.html'),
    );
  },
  { name: 'web' },
);
