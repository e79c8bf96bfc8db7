/**
 * REST contracts shared by apps/api (route schemas, response stripping, OpenAPI) and apps/web (fetchers, forms).
 * One name for a schema and its type: `CreateGitlabInstanceBody` is both.
 */
export * from './agents.js';
export * from './auth.js';
export * from './common.js';
export * from './fleet.js';
export * from './gitlab-instances.js';
export * from './health.js';
export * from './jobs.js';
export * from './live.js';
export * from './machines.js';
export * from './revisions.js';
export * from './runners.js';
export * from './tags.js';
export * from './wall.js';
