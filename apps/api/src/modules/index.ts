/**
 * The REST modules mounted under /api/v1. Each one builds its own service and repository from the app's
 * dependencies; adding a domain is one line here.
 */
import type { FastifyPluginAsync } from 'fastify';
import enrollmentRoutes from './enrollment/enrollment.routes.js';
import gitlabInstancesRoutes from './gitlab-instances/gitlab-instances.routes.js';
import jobsRoutes from './jobs/jobs.routes.js';
import limitsRoutes from './limits/limits.routes.js';
import machinesRoutes from './machines/machines.routes.js';
import revisionsRoutes from './revisions/revisions.routes.js';
import runnersRoutes from './runners/runners.routes.js';
import syncRoutes from './sync/sync.routes.js';
import tagsRoutes from './tags/tags.routes.js';

export const apiModules: FastifyPluginAsync[] = [
  enrollmentRoutes,
  gitlabInstancesRoutes,
  jobsRoutes,
  machinesRoutes,
  revisionsRoutes,
  limitsRoutes,
  runnersRoutes,
  syncRoutes,
  tagsRoutes,
];
