/**
 * Makes the process-wide dependencies reachable from every module: the database, the secret box and the parsed
 * environment. They are created by server.ts (or a test) and handed to buildApp; the app never opens or closes them.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Database } from '../db/client.js';
import type { Env } from '../env.js';
import type { SecretBox } from '../lib/secrets.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    secrets: SecretBox;
    env: Env;
  }
}

export default fp(
  async function dbPlugin(app: FastifyInstance, opts: { db: Database; secrets: SecretBox; env: Env }) {
    app.decorate('db', opts.db);
    app.decorate('secrets', opts.secrets);
    app.decorate('env', opts.env);
  },
  { name: 'db' },
);
