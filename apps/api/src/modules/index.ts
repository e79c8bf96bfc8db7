/**
 * The REST modules mounted under /api/v1. Each one builds its own service and repository from the app's
 * dependencies; adding a domain is one line here.
 */
import type { FastifyPluginAsync } from 'fastify';
import apiTokensRoutes from './api-tokens/api-tokens.routes.js';
import auditRoutes from './audit/audit.routes.js';
import authRoutes from './auth/auth.routes.js';
import displayTokensRoutes from './display-tokens/display-tokens.routes.js';
import machineCredentialsRoutes from './machines/credentials.routes.js';
import usersRoutes from './users/users.routes.js';
import fleetRoutes from './fleet/fleet.routes.js';
import enrollmentRoutes from './enrollment/enrollment.routes.js';
import gitlabInstancesRoutes from './gitlab-instances/gitlab-instances.routes.js';
import jobsRoutes from './jobs/jobs.routes.js';
import limitsRoutes from './limits/limits.routes.js';
import machinesRoutes from './machines/machines.routes.js';
import retentionPlugin from './retention/retention.plugin.js';
import revisionsRoutes from './revisions/revisions.routes.js';
import runnersRoutes from './runners/runners.routes.js';
import syncRoutes from './sync/sync.routes.js';
import tagsRoutes from './tags/tags.routes.js';
import wallRoutes from './wall/wall.routes.js';

export const apiModules: FastifyPluginAsync[] = [
  apiTokensRoutes,
  auditRoutes,
  authRoutes,
  displayTokensRoutes,
  enrollmentRoutes,
  fleetRoutes,
  gitlabInstancesRoutes,
  jobsRoutes,
  machinesRoutes,
  machineCredentialsRoutes,
  revisionsRoutes,
  limitsRoutes,
  retentionPlugin,
  runnersRoutes,
  syncRoutes,
  tagsRoutes,
  usersRoutes,
  wallRoutes,
];
