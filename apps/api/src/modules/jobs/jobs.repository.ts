/**
 * What the job views read: job snapshots (GitLab's pending and running jobs as last read, plus recently started
 * ones for wait percentiles) and each runner's matching facts, with Paddock's view of it being online (a host
 * connected and not draining) and of its capacity (the limits rendered into those hosts' config.toml).
 */
import type { PrismaClient } from '../../db/client.js';
import { uuidv7 } from '../../lib/uuid.js';
import type { RunnerForMatching } from './matching.js';
import { tagSetKey } from './matching.js';

export interface JobRow {
  id: string;
  gitlabInstanceId: string;
  gitlabJobId: number;
  projectId: number;
  projectPath: string | null;
  pipelineId: number | null;
  runnerId: string | null;
  /** the machine running it, when GitLab named the runner manager and a machine has its system_id */
  machineId: string | null;
  machineHostname: string | null;
  name: string;
  stage: string | null;
  ref: string | null;
  refProtected: boolean;
  status: string;
  tags: string[];
  tagSetKey: string;
  webUrl: string | null;
  queuedAt: Date | null;
  startedAt: Date | null;
  createdAt: Date;
}

/** A job as read from GitLab, before it is stored. */
export interface GitlabJobInput {
  gitlabJobId: number;
  projectId: number;
  projectPath: string | null;
  pipelineId: number | null;
  gitlabRunnerId: number | null;
  /** system_id of the runner manager running it (GitLab's `runner_manager.system_id`), when known */
  runnerSystemId?: string | null;
  name: string;
  stage: string | null;
  ref: string | null;
  refProtected: boolean;
  status: string;
  tags: string[];
  failureReason: string | null;
  webUrl: string | null;
  queuedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
}

const PENDING_STATUSES = ['created', 'waiting_for_resource', 'preparing', 'pending'];

export function jobsRepository(prisma: PrismaClient) {
  return {
    /** Pending and running jobs, and jobs that started within `windowMs` (for wait percentiles). */
    async jobsForQueues(windowMs: number): Promise<JobRow[]> {
      return prisma.$queryRaw<JobRow[]>`
        SELECT j.id::text AS "id", gitlab_instance_id::text AS "gitlabInstanceId",
               gitlab_job_id::float8 AS "gitlabJobId", project_id AS "projectId",
               project_path AS "projectPath", pipeline_id::float8 AS "pipelineId", runner_id::text AS "runnerId",
               m.id::text AS "machineId", m.hostname AS "machineHostname",
               name, stage, ref, ref_protected AS "refProtected", status, tags, tag_set_key AS "tagSetKey",
               web_url AS "webUrl", COALESCE(queued_at, j.created_at) AS "queuedAt", started_at AS "startedAt",
               j.created_at AS "createdAt"
          FROM job_snapshots j
          LEFT JOIN machines m ON m.system_id = j.runner_system_id
         WHERE j.status = ANY(${[...PENDING_STATUSES, 'running']}::text[])
            OR started_at > ${new Date(Date.now() - windowMs)}`;
    },

    /** Every runner's matching facts. */
    async runnersForMatching(): Promise<RunnerForMatching[]> {
      const rows = await prisma.$queryRaw<
        Array<{
          id: string;
          gitlab_instance_id: string;
          tags: string[];
          run_untagged: boolean;
          paused: boolean;
          access_level: 'not_protected' | 'ref_protected';
          runner_type: 'instance_type' | 'group_type' | 'project_type';
          project_id: number | null;
          gitlab_online: boolean;
          hosts_online: number;
          unlimited_hosts: number;
          capacity: number | null;
          running: number;
        }>
      >`
        SELECT r.id::text, r.gitlab_instance_id::text, r.tags, r.run_untagged, r.paused,
               r.access_level::text AS access_level, r.runner_type::text AS runner_type, r.project_id,
               COALESCE(r.gitlab_status = 'online', false) AS gitlab_online,
               COALESCE(h.hosts_online, 0)::int AS hosts_online,
               COALESCE(h.unlimited_hosts, 0)::int AS unlimited_hosts,
               h.capacity::int AS capacity,
               COALESCE(j.running, 0)::int AS running
          FROM runners r
          -- Hosts and running jobs are each counted in one pass, then joined by runner: a running-jobs subquery per
          -- runner and grouping whole runner rows made this whole-fleet read (every wall summary) slow at scale.
          LEFT JOIN (
            SELECT a.runner_id, count(*) AS hosts_online,
                   count(*) FILTER (WHERE a.effective_limit IS NULL) AS unlimited_hosts,
                   sum(a.effective_limit) AS capacity
              FROM assignments a JOIN machines m ON m.id = a.machine_id
             WHERE m.connection_state = 'online' AND m.draining_since IS NULL
             GROUP BY a.runner_id) h ON h.runner_id = r.id
          LEFT JOIN (
            SELECT runner_id, count(*) AS running FROM job_snapshots
             WHERE status = 'running'
             GROUP BY runner_id) j ON j.runner_id = r.id
         -- A runner deleted in GitLab takes no jobs, whatever hosts still carry it.
         WHERE r.gitlab_status IS DISTINCT FROM 'deleted'`;
      return rows.map((r) => {
        // Runners Paddock places on hosts count as online through those hosts; others (imported) by GitLab.
        const online = r.hosts_online > 0 || r.gitlab_online;
        const capacity = r.hosts_online === 0 || r.unlimited_hosts > 0 ? null : (r.capacity ?? 0);
        return {
          id: r.id,
          gitlabInstanceId: r.gitlab_instance_id,
          tags: r.tags,
          runUntagged: r.run_untagged,
          paused: r.paused,
          accessLevel: r.access_level,
          runnerType: r.runner_type,
          projectId: r.project_id,
          online,
          running: r.running,
          capacity,
        };
      });
    },

    /** When job data was last read (the newest snapshot update). */
    async lastUpdate(): Promise<Date | null> {
      const [row] = await prisma.$queryRaw<Array<{ at: Date | null }>>`
        SELECT max(updated_at) AS at FROM job_snapshots`;
      return row?.at ?? null;
    },

    /**
     * Stores jobs read from one GitLab (insert or update by GitLab's job id), linking each to Paddock's runner by
     * GitLab's runner id. Returns how many rows were written.
     */
    async upsertSnapshots(gitlabInstanceId: string, jobs: GitlabJobInput[]): Promise<number> {
      if (jobs.length === 0) return 0;
      const col = <T>(f: (j: GitlabJobInput) => T) => jobs.map(f);
      return prisma.$executeRaw`
        INSERT INTO job_snapshots (id, gitlab_instance_id, gitlab_job_id, project_id, project_path, pipeline_id,
                                   runner_id, gitlab_runner_id, runner_system_id, name, stage, ref, ref_protected, status, tags,
                                   tag_set_key, failure_reason, web_url, queued_at, started_at, finished_at,
                                   created_at, updated_at)
        SELECT j.id, ${gitlabInstanceId}::uuid, j.gitlab_job_id, j.project_id, j.project_path,
               j.pipeline_id, r.id, j.gitlab_runner_id, j.runner_system_id, j.name, j.stage, j.ref, j.ref_protected, j.status,
               string_to_array(j.tags, E'\\x1f'), j.tag_set_key, j.failure_reason, j.web_url, j.queued_at,
               j.started_at, j.finished_at, j.created_at, now()
          FROM unnest(${col(() => uuidv7())}::uuid[], ${col((j) => j.gitlabJobId)}::int8[], ${col((j) => j.projectId)}::int[],
                      ${col((j) => j.projectPath)}::text[], ${col((j) => j.pipelineId)}::int8[],
                      ${col((j) => j.gitlabRunnerId)}::int[], ${col((j) => j.runnerSystemId ?? null)}::text[],
                      ${col((j) => j.name.slice(0, 255))}::text[],
                      ${col((j) => j.stage?.slice(0, 255) ?? null)}::text[], ${col((j) => j.ref?.slice(0, 1024) ?? null)}::text[],
                      ${col((j) => j.refProtected)}::bool[], ${col((j) => j.status)}::text[],
                      ${col((j) => j.tags.join('\u001f'))}::text[], ${col((j) => tagSetKey(j.tags))}::text[],
                      ${col((j) => j.failureReason?.slice(0, 255) ?? null)}::text[], ${col((j) => j.webUrl)}::text[],
                      ${col((j) => j.queuedAt)}::timestamptz[], ${col((j) => j.startedAt)}::timestamptz[],
                      ${col((j) => j.finishedAt)}::timestamptz[], ${col((j) => j.createdAt)}::timestamptz[])
               AS j(id, gitlab_job_id, project_id, project_path, pipeline_id, gitlab_runner_id, runner_system_id, name, stage, ref,
                    ref_protected, status, tags, tag_set_key, failure_reason, web_url, queued_at, started_at,
                    finished_at, created_at)
          LEFT JOIN runners r ON r.gitlab_instance_id = ${gitlabInstanceId}::uuid
                             AND r.gitlab_runner_id = j.gitlab_runner_id
        ON CONFLICT (gitlab_instance_id, gitlab_job_id) DO UPDATE
           SET status = EXCLUDED.status, runner_id = EXCLUDED.runner_id,
               gitlab_runner_id = EXCLUDED.gitlab_runner_id,
               runner_system_id = COALESCE(EXCLUDED.runner_system_id, job_snapshots.runner_system_id), queued_at = EXCLUDED.queued_at,
               started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
               failure_reason = EXCLUDED.failure_reason, updated_at = now()`;
    },
  };
}
export type JobsRepository = ReturnType<typeof jobsRepository>;
