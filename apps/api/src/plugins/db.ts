/**
 * Makes the process-wide dependencies reachable from every module: the database, the secret box, the parsed
 * environment and the event bus. They are created by server.ts (or a test) and handed to buildApp; the app never
 * opens or closes them.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Database } from '../db/client.js';
import type { Env } from '../env.js';
import type { EventBus } from '../lib/event-bus.js';
import type { SecretBox } from '../lib/secrets.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    secrets: SecretBox;
    env: Env;
    events: EventBus;
  }
}

export default fp(
  async function dbPlugin(
    app: FastifyInstance,
    opts: { db: Database; secrets: SecretBox; env: Env; events: EventBus },
  ) {
    app.decorate('db', opts.db);
    app.decorate('secrets', opts.secrets);
    app.decorate('env', opts.env);
    app.decorate('events', opts.events);
  },
  { name: 'db' },
);
