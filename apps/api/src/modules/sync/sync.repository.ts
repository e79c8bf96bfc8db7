/**
 * What the GitLab sync reads and writes in Paddock's database: runners as GitLab lists them, imported runners,
 * runners GitLab no longer has, runner managers joined to machines by system_id, the watched scopes and the job
 * snapshots still waiting for a final status, and each instance's last sync result. Bulk writes are one statement
 * each (unnest), so a fleet of hundreds of runners costs a handful of round trips per run.
 */
import type { PrismaClient } from '../../db/client.js';
import { uuidv7 } from '../../lib/uuid.js';

/** GitLab's runner status when the runner no longer exists there. */
export const DELETED_IN_GITLAB = 'deleted';

/** Job states that may still change; a snapshot in one of them is followed until GitLab reports another. */
export const ACTIVE_JOB_STATUSES = [
  'created',
  'waiting_for_resource',
  'preparing',
  'pending',
  'running',
  'canceling',
];

export interface ListedRunner {
  id: string;
  gitlabStatus: string;
  paused: boolean;
  description: string;
}

/** A runner's settings as `GET /runners/:id` tells them. */
export interface RunnerSettings {
  description: string;
  gitlabStatus: string;
  paused: boolean;
  tags: string[];
  runUntagged: boolean;
  locked: boolean;
  accessLevel: 'not_protected' | 'ref_protected';
  maximumTimeout: number | null;
  maintenanceNote: string | null;
  contactedAt: Date | null;
}

export interface ImportedRunner extends RunnerSettings {
  gitlabRunnerId: number;
  runnerType: 'instance_type' | 'group_type' | 'project_type';
  groupId: number | null;
  projectId: number | null;
}

export interface ManagerInput {
  runnerId: string;
  gitlabManagerId: number;
  systemId: string;
  version: string | null;
  revision: string | null;
  platform: string | null;
  architecture: string | null;
  ipAddress: string | null;
  status: string | null;
  contactedAt: Date | null;
}

const clip = (value: string | null, max: number) => (value === null ? null : value.slice(0, max));

export function syncRepository(prisma: PrismaClient) {
  return {
    instanceIds: async () =>
      (await prisma.gitlabInstance.findMany({ select: { id: true }, orderBy: { name: 'asc' } })).map(
        (i) => i.id,
      ),

    instance: (id: string) =>
      prisma.gitlabInstance.findUnique({
        where: { id },
        select: { id: true, url: true, accessTokenCiphertext: true, lastSyncAt: true, lastSyncError: true },
      }),

    runnersOf: (gitlabInstanceId: string) =>
      prisma.runner.findMany({
        where: { gitlabInstanceId },
        select: { id: true, gitlabRunnerId: true, gitlabStatus: true },
        orderBy: { gitlabRunnerId: 'asc' },
      }),

    /** What `GET /runners/all` says about runners Paddock has. */
    async applyListing(runners: ListedRunner[], at: Date): Promise<void> {
      if (runners.length === 0) return;
      await prisma.$executeRaw`
        UPDATE runners r
           SET gitlab_status = l.status, paused = l.paused, description = l.description, synced_at = ${at},
               updated_at = now()
          FROM unnest(${runners.map((r) => r.id)}::uuid[], ${runners.map((r) => clip(r.gitlabStatus, 32))}::text[],
                      ${runners.map((r) => r.paused)}::bool[],
                      ${runners.map((r) => r.description.slice(0, 1024))}::text[])
               AS l(id, status, paused, description)
         WHERE r.id = l.id`;
    },

    /** What `GET /runners/:id` says about runners Paddock has. */
    async applySettings(runners: Array<{ id: string; settings: RunnerSettings }>, at: Date): Promise<void> {
      if (runners.length === 0) return;
      await prisma.$transaction(
        runners.map(({ id, settings }) =>
          prisma.runner.update({ where: { id }, data: { ...settingsData(settings), syncedAt: at } }),
        ),
      );
    },

    /** Stores runners found in GitLab that Paddock did not have: read-only, without a token. */
    async importRunners(gitlabInstanceId: string, runners: ImportedRunner[], at: Date): Promise<number> {
      if (runners.length === 0) return 0;
      // One statement rather than createMany, whose rows Prisma builds on the client: a first sync of 10,000
      // runners spent over 30 s there (bench/RESULTS.md, gitlab-sync). Tags travel joined by U+001F. A runner
      // registered through Paddock while this run read GitLab is Paddock's, not an import: the conflict skips it.
      const rows = runners.map((r) => ({ ...r, ...settingsData(r) }));
      const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
      return prisma.$executeRaw`
        INSERT INTO runners (id, gitlab_instance_id, gitlab_runner_id, runner_type, group_id, project_id, description,
                             gitlab_status, paused, tags, run_untagged, locked, access_level, maximum_timeout,
                             maintenance_note, contacted_at, source, synced_at, updated_at)
        SELECT r.id, ${gitlabInstanceId}::uuid, r.gitlab_runner_id, r.runner_type::"RunnerType", r.group_id, r.project_id,
               r.description, r.gitlab_status, r.paused,
               string_to_array(r.tags, E'\\x1f'),
               r.run_untagged, r.locked, r.access_level::"AccessLevel", r.maximum_timeout, r.maintenance_note,
               r.contacted_at, 'imported'::"RunnerSource", ${at}, now()
          FROM unnest(${col(() => uuidv7())}::uuid[], ${col((r) => r.gitlabRunnerId)}::int[],
                      ${col((r) => r.runnerType)}::text[], ${col((r) => r.groupId)}::int[],
                      ${col((r) => r.projectId)}::int[], ${col((r) => r.description)}::text[],
                      ${col((r) => r.gitlabStatus)}::text[], ${col((r) => r.paused)}::bool[],
                      ${col((r) => r.tags.join('\u001f'))}::text[], ${col((r) => r.runUntagged)}::bool[],
                      ${col((r) => r.locked)}::bool[], ${col((r) => r.accessLevel)}::text[],
                      ${col((r) => r.maximumTimeout)}::int[], ${col((r) => r.maintenanceNote)}::text[],
                      ${col((r) => r.contactedAt)}::timestamptz[])
               AS r(id, gitlab_runner_id, runner_type, group_id, project_id, description, gitlab_status, paused, tags,
                    run_untagged, locked, access_level, maximum_timeout, maintenance_note, contacted_at)
        ON CONFLICT (gitlab_instance_id, gitlab_runner_id) DO NOTHING`;
    },

    /** Runners GitLab no longer lists: kept, with their assignments and history, and marked. */
    async markDeleted(ids: string[]): Promise<void> {
      if (ids.length === 0) return;
      await prisma.runner.updateMany({
        where: { id: { in: ids } },
        data: { gitlabStatus: DELETED_IN_GITLAB },
      });
    },

    /**
     * Replaces the managers of the runners in `readRunnerIds` with `managers` (what GitLab listed for them),
     * linking each to the machine with its system_id. Runners not read this time keep what they had.
     */
    async storeManagers(readRunnerIds: string[], managers: ManagerInput[]): Promise<void> {
      if (readRunnerIds.length === 0) return;
      const col = <T>(f: (m: ManagerInput) => T) => managers.map(f);
      await prisma.$transaction([
        prisma.$executeRaw`
          DELETE FROM runner_managers rm
           WHERE rm.runner_id = ANY(${readRunnerIds}::uuid[])
             AND NOT EXISTS (
                   SELECT 1 FROM unnest(${col((m) => m.runnerId)}::uuid[], ${col((m) => m.systemId)}::text[])
                                 AS k(runner_id, system_id)
                    WHERE k.runner_id = rm.runner_id AND k.system_id = rm.system_id)`,
        prisma.$executeRaw`
          INSERT INTO runner_managers (id, runner_id, gitlab_manager_id, system_id, machine_id, version, revision,
                                       platform, architecture, ip_address, status, contacted_at, updated_at)
          SELECT m.id, m.runner_id, m.gitlab_manager_id, m.system_id, mc.id, m.version, m.revision, m.platform,
                 m.architecture, m.ip_address, m.status, m.contacted_at, now()
            FROM unnest(${col(() => uuidv7())}::uuid[], ${col((m) => m.runnerId)}::uuid[],
                        ${col((m) => m.gitlabManagerId)}::int[], ${col((m) => m.systemId.slice(0, 64))}::text[],
                        ${col((m) => clip(m.version, 100))}::text[], ${col((m) => clip(m.revision, 100))}::text[],
                        ${col((m) => clip(m.platform, 100))}::text[], ${col((m) => clip(m.architecture, 100))}::text[],
                        ${col((m) => clip(m.ipAddress, 64))}::text[], ${col((m) => clip(m.status, 32))}::text[],
                        ${col((m) => m.contactedAt)}::timestamptz[])
                 AS m(id, runner_id, gitlab_manager_id, system_id, version, revision, platform, architecture,
                      ip_address, status, contacted_at)
            LEFT JOIN machines mc ON mc.system_id = m.system_id
          ON CONFLICT (runner_id, system_id) DO UPDATE
             SET gitlab_manager_id = EXCLUDED.gitlab_manager_id, machine_id = EXCLUDED.machine_id,
                 version = EXCLUDED.version, revision = EXCLUDED.revision, platform = EXCLUDED.platform,
                 architecture = EXCLUDED.architecture, ip_address = EXCLUDED.ip_address,
                 status = EXCLUDED.status, contacted_at = EXCLUDED.contacted_at, updated_at = now()`,
        // A runner was in contact when any of its managers was: the list of runners does not say when.
        prisma.$executeRaw`
          UPDATE runners r
             SET contacted_at = latest.at, updated_at = now()
            FROM (SELECT runner_id, max(contacted_at) AS at FROM runner_managers
                   WHERE runner_id = ANY(${readRunnerIds}::uuid[]) GROUP BY runner_id) AS latest
           WHERE r.id = latest.runner_id AND latest.at IS NOT NULL
             AND (r.contacted_at IS NULL OR r.contacted_at < latest.at)`,
      ]);
    },

    /** How many managers of these runners are joined to a machine. */
    linkedManagers: (runnerIds: string[]) =>
      prisma.runnerManager.count({ where: { runnerId: { in: runnerIds }, machineId: { not: null } } }),

    watchedScopes: (gitlabInstanceId: string) =>
      prisma.watchedScope.findMany({
        where: { gitlabInstanceId },
        select: { kind: true, gitlabId: true, fullPath: true },
        orderBy: [{ kind: 'asc' }, { gitlabId: 'asc' }],
      }),

    /**
     * Snapshots still pending or running that this run's lists did not report, least recently updated first:
     * they have finished (or were cancelled, or their project is no longer watched) and need one last read.
     */
    async activeJobsNotSeen(
      gitlabInstanceId: string,
      seenJobIds: number[],
      unreadProjectIds: number[],
      limit: number,
    ): Promise<Array<{ gitlabJobId: number; projectId: number }>> {
      return prisma.$queryRaw<Array<{ gitlabJobId: number; projectId: number }>>`
        SELECT gitlab_job_id::float8 AS "gitlabJobId", project_id AS "projectId"
          FROM job_snapshots
         WHERE gitlab_instance_id = ${gitlabInstanceId}::uuid
           AND status = ANY(${ACTIVE_JOB_STATUSES}::text[])
           AND gitlab_job_id <> ALL(${seenJobIds}::int8[])
           AND project_id <> ALL(${unreadProjectIds}::int[])
         ORDER BY updated_at, gitlab_job_id
         LIMIT ${limit}`;
    },

    /** Jobs GitLab no longer has (their pipeline or project was deleted): kept, and out of the queues. */
    async markJobsDeleted(gitlabInstanceId: string, gitlabJobIds: number[]): Promise<void> {
      if (gitlabJobIds.length === 0) return;
      await prisma.$executeRaw`
        UPDATE job_snapshots SET status = ${DELETED_IN_GITLAB}, updated_at = now()
         WHERE gitlab_instance_id = ${gitlabInstanceId}::uuid AND gitlab_job_id = ANY(${gitlabJobIds}::int8[])`;
    },

    recordSuccess: (id: string, at: Date) =>
      prisma.gitlabInstance.update({ where: { id }, data: { lastSyncAt: at, lastSyncError: null } }),

    recordFailure: (id: string, error: string) =>
      prisma.gitlabInstance.update({ where: { id }, data: { lastSyncError: error } }),
  };
}
export type SyncRepository = ReturnType<typeof syncRepository>;

function settingsData(s: RunnerSettings) {
  return {
    description: s.description.slice(0, 1024),
    gitlabStatus: s.gitlabStatus.slice(0, 32),
    paused: s.paused,
    tags: s.tags,
    runUntagged: s.runUntagged,
    locked: s.locked,
    accessLevel: s.accessLevel,
    maximumTimeout: s.maximumTimeout,
    maintenanceNote: clip(s.maintenanceNote, 1024),
    contactedAt: s.contactedAt,
  };
}
