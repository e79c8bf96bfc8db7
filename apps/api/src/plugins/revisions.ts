/**
 * The revisions service, shared by the REST modules that change what machines run and by the agent gateway.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { EventBus } from '../lib/event-bus.js';
import {
  revisionsService,
  type ConfigRenderer,
  type RevisionsService,
} from '../modules/revisions/revisions.service.js';

declare module 'fastify' {
  interface FastifyInstance {
    revisions: RevisionsService;
  }
}

export default fp(
  async function revisionsPlugin(app: FastifyInstance, opts: { events: EventBus; render: ConfigRenderer }) {
    app.decorate(
      'revisions',
      revisionsService({
        prisma: app.db.prisma,
        secrets: app.secrets,
        events: opts.events,
        render: opts.render,
        onRollout: ({ actor, revisions }) => {
          app.metrics.rollouts.inc({ actor: actor.type });
          app.metrics.revisionsRecorded.inc(revisions);
        },
        onListenerError: (err) => app.log.error({ err }, 'sending a committed rollout failed'),
      }),
    );
  },
  { name: 'revisions', dependencies: ['db', 'metrics'] },
);
