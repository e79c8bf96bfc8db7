/**
 * OpenAPI document at /api/v1/openapi.json, generated from the same zod schemas that validate requests and
 * responses, and a browsable docs page at /api/v1/docs. Each operation says who may call it: public ones carry no
 * security requirement, the others name the role they need (`config.access`, enforced by the auth plugin).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { SESSION_COOKIE, type Access } from './auth.js';

const ACCESS_TEXT: Record<Access, string> = {
  public: 'No credentials needed.',
  user: 'Any signed-in user.',
  display: 'Viewer role or above, or a display token (wall screens).',
  viewer: 'Viewer role or above.',
  operator: 'Operator role or above.',
  admin: 'Admin role.',
};

const transform: typeof jsonSchemaTransform = (input) => {
  const out = jsonSchemaTransform(input);
  const access = input.route.config?.access;
  if (!access) return out;
  const schema = out.schema as Record<string, unknown>;
  const note = `**Access:** ${ACCESS_TEXT[access]}`;
  const description = typeof schema.description === 'string' ? `${schema.description}\n\n${note}` : note;
  return {
    ...out,
    schema: { ...schema, description, ...(access === 'public' && { security: [] }) },
  };
};

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
            "previous page's `nextCursor`. Request bodies reject unknown fields.\n\n" +
            'Scripts authenticate with a personal API token, `Authorization: Bearer pdt_…` (a `read` token may ' +
            'only call GET). Browsers use the session cookie set by `POST /api/v1/auth/login`; with it, every ' +
            'request that changes something also sends the `x-csrf-token` header (the `csrfToken` from the login ' +
            'response or `GET /api/v1/auth/session`). Roles: viewer reads; operator also changes limits, ' +
            'assignments, drains, rotations, registrations, rollbacks, watched scopes and syncs, and reads the ' +
            'audit log; admin also manages users, GitLab instances, enrollment, display tokens and agents.',
        },
        tags: [
          { name: 'auth', description: 'Sign-in, sessions, first-admin setup and passwords' },
          { name: 'machines', description: 'Hosts running the Paddock agent beside gitlab-runner' },
          { name: 'runners', description: 'GitLab runners and their tokens' },
          { name: 'jobs', description: 'Job queues, jobs and the projects and groups they are read from' },
          { name: 'tags', description: 'Runner tags' },
          { name: 'agents', description: 'Enrollment of paddock-agent on runner hosts' },
          { name: 'gitlab', description: 'Connected GitLab instances' },
          { name: 'health', description: 'Liveness and readiness' },
        ],
        components: {
          securitySchemes: {
            apiToken: {
              type: 'http',
              scheme: 'bearer',
              description:
                "A personal API token (`pdt_…`), acting with its owner's role; `read` tokens may only call GET.",
            },
            session: {
              type: 'apiKey',
              in: 'cookie',
              name: SESSION_COOKIE,
              description:
                'A browser session from `POST /api/v1/auth/login`. Requests that change something also need the ' +
                "session's CSRF token in the `x-csrf-token` header.",
            },
          },
        },
        security: [{ apiToken: [] }, { session: [] }],
      },
      transform,
    });
    app.get('/api/v1/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
      app.swagger(),
    );
    await app.register(swaggerUi, { routePrefix: '/api/v1/docs', uiConfig: { url: '/api/v1/openapi.json' } });
  },
  { name: 'openapi' },
);
