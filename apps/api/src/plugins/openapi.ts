/**
 * OpenAPI document at /api/v1/openapi.json, generated from the same zod schemas that validate requests and
 * responses, and a browsable docs page at /api/v1/docs.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

export default fp(
  async function openapiPlugin(app: FastifyInstance, opts: { version: string }) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Paddock API',
          version: opts.version,
          description:
            'Control plane for fleets of GitLab Runner hosts. Errors are application/problem+json with a stable ' +
            '`code`. Lists are paginated with `limit` (1-200, default 50) and the opaque `cursor` from the ' +
            "previous page's `nextCursor`. Request bodies reject unknown fields.",
        },
        tags: [
          { name: 'machines', description: 'Hosts running the Paddock agent beside gitlab-runner' },
          { name: 'runners', description: 'GitLab runners and their tokens' },
          { name: 'tags', description: 'Runner tags' },
          { name: 'agents', description: 'Enrollment of paddock-agent on runner hosts' },
          { name: 'gitlab', description: 'Connected GitLab instances' },
          { name: 'health', description: 'Liveness and readiness' },
        ],
      },
      transform: jsonSchemaTransform,
    });
    app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    await app.register(swaggerUi, { routePrefix: '/api/v1/docs', uiConfig: { url: '/api/v1/openapi.json' } });
  },
  { name: 'openapi' },
);
