/**
 * What the agent gateway reads and writes. Every method checks ownership through `machineId`, which comes from
 * the authenticated credential, never from the agent's frames: an agent can only ever change its own machine.
 */
import type { Hello, Status, TokenRotated } from '@paddock/protocol';
import type { PrismaClient } from '../db/client.js';
import type { RunnerTokenCheck } from '../gitlab/runner-token-check.js';
import { Batcher, serialLane } from '../lib/batcher.js';
import { last4, type SecretBox } from '../lib/secrets.js';
import { hostLevel, type HostLevel } from '../modules/pressure/pressure.js';

const NO_EXPIRY = '0001-01-01T00:00:00Z';

interface AppliedAnswer {
  machineId: string;
  revision: number;
  sha256: string;
}

export function gatewayStore(deps: {
  prisma: PrismaClient;
  secrets: SecretBox;
  replicaId: string;
  onRetry?: (what: string, err: unknown, attempt: number) => void;
  /** asks GitLab whether a token an agent reports as rotated is real; without it every report is believed */
  checkRunnerToken?: RunnerTokenCheck;
  /** the clock that stamps host-pressure runs (tests move it) */
  now?: () => Date;
  /** a revision was recorded as applied, this many seconds after it was recorded (the app's metrics) */
  onApplied?: (seconds: number) => void;
}) {
  const { prisma, secrets, replicaId } = deps;
  const retry = (what: string) => (err: unknown, attempt: number) => deps.onRetry?.(what, err, attempt);
  // The three batches below all update `machines` rows: one at a time, so they never deadlock each other.
  const lane = serialLane();
  const now = deps.now ?? (() => new Date());

  const appliedBatch = new Batcher<AppliedAnswer, boolean>({
    key: (a) => a.machineId,
    onRetry: retry('record applied revisions'),
    flush: (answers) =>
      lane(async () => {
        const now = new Date();
        // One statement: stamp the revisions whose hash matches and move each machine's applied revision forward
        // (never back: a late answer for an older revision changes nothing). Older pending revisions need no
        // update here: recording a newer revision already superseded them. The `machine_id = ANY` bound keeps the
        // lookup on the (machine_id, number) index however long the revision history grows.
        const ids = answers.map((a) => a.machineId);
        const rows = await prisma.$queryRaw<Array<{ machine_id: string; number: number; created_at: Date }>>`
        WITH answer AS (
          SELECT * FROM unnest(${ids}::uuid[], ${answers.map((a) => a.revision)}::int[],
                               ${answers.map((a) => a.sha256)}::bpchar[]) AS a(machine_id, number, sha256)
        ), ok AS (
          UPDATE config_revisions r SET status = 'applied', applied_at = ${now}, error = NULL
            FROM answer a
           WHERE r.machine_id = ANY(${ids}::uuid[])
             AND r.machine_id = a.machine_id AND r.number = a.number AND r.sha256 = a.sha256
          RETURNING r.machine_id, r.number, r.sha256, r.created_at
        ), moved AS (
          UPDATE machines m
             SET applied_revision = ok.number, applied_sha256 = ok.sha256, disk_sha256 = ok.sha256,
                 apply_error = NULL, drift_sha256 = NULL, drift_keys = '{}', drift_detected_at = NULL,
                 updated_at = ${now}
            FROM ok
           WHERE m.id = ok.machine_id AND (m.applied_revision IS NULL OR m.applied_revision <= ok.number)
        )
        SELECT machine_id::text, number, created_at FROM ok`;
        // Clocks of the API and the database may differ slightly: never a negative latency.
        for (const r of rows)
          deps.onApplied?.(Math.max(0, (now.getTime() - new Date(r.created_at).getTime()) / 1000));
        const recorded = new Set(rows.map((r) => `${r.machine_id}:${r.number}`));
        return answers.map((a) => recorded.has(`${a.machineId}:${a.revision}`));
      }),
  });

  const touchBatch = new Batcher<string, void>({
    key: (id) => id,
    onRetry: retry('record heartbeats'),
    flush: (ids) =>
      lane(async () => {
        await prisma.$executeRaw`
        UPDATE machines SET last_seen_at = now(), connection_state = 'online'
         WHERE id = ANY(${ids}::uuid[])`;
        return ids.map(() => undefined);
      }),
  });

  const statusBatch = new Batcher<{ machineId: string; status: Status; level: HostLevel; at: Date }, void>({
    key: (s) => s.machineId,
    onRetry: retry('record statuses'),
    flush: (items) =>
      lane(async () => {
        const col = <T>(f: (s: Status) => T) => items.map((i) => f(i.status));
        await prisma.$executeRaw`
        UPDATE machines m
           SET last_seen_at = now(), connection_state = 'online', disk_sha256 = s.disk_sha256,
               cpu_count = s.cpu_count, memory_bytes = s.memory_bytes,
               runner_version = COALESCE(s.runner_version, m.runner_version),
               last_status = s.last_status::jsonb, updated_at = now(),
               pressure_high_since = CASE WHEN s.level = 'high'
                                          THEN COALESCE(m.pressure_high_since, s.at) END,
               pressure_idle_since = CASE WHEN s.level = 'idle'
                                          THEN COALESCE(m.pressure_idle_since, s.at) END
          FROM unnest(${items.map((i) => i.machineId)}::uuid[], ${col((s) => s.diskSha256)}::text[],
                      ${col((s) => s.host.cpuCount)}::int[], ${col((s) => String(s.host.memoryBytes))}::bigint[],
                      ${col((s) => s.runner.version || null)}::text[], ${col((s) => JSON.stringify(s))}::text[],
                      ${items.map((i) => i.level)}::text[], ${items.map((i) => i.at)}::timestamptz[])
               AS s(id, disk_sha256, cpu_count, memory_bytes, runner_version, last_status, level, at)
         WHERE m.id = s.id`;
        return items.map(() => undefined);
      }),
  });

  return {
    /** The machine a live credential belongs to, or null. */
    async machineForCredential(credentialHash: string) {
      const cred = await prisma.agentCredential.findUnique({
        where: { tokenHash: credentialHash },
        select: { id: true, revokedAt: true, machineId: true },
      });
      return cred && !cred.revokedAt ? cred : null;
    },

    /** The ids among `credentialIds` that are still live (not revoked, machine still there). */
    async liveCredentials(credentialIds: string[]): Promise<Set<string>> {
      if (credentialIds.length === 0) return new Set();
      const rows = await prisma.agentCredential.findMany({
        where: { id: { in: credentialIds }, revokedAt: null },
        select: { id: true },
      });
      return new Set(rows.map((r) => r.id));
    },

    credentialUsed: (credentialId: string) =>
      prisma.agentCredential
        .update({ where: { id: credentialId }, data: { lastUsedAt: new Date() }, select: { id: true } })
        .catch(() => null),

    /** Binds the reported system_id to this machine; false when another machine already has it. */
    async claimSystemId(machineId: string, systemId: string): Promise<boolean> {
      const owner = await prisma.machine.findUnique({ where: { systemId }, select: { id: true } });
      if (owner) return owner.id === machineId;
      try {
        await prisma.machine.update({ where: { id: machineId }, data: { systemId } });
        return true;
      } catch {
        return false;
      }
    },

    async recordHello(machineId: string, hello: Hello): Promise<void> {
      // The applied revision counts only if it is one Paddock made for this machine with the same content.
      const known = hello.applied
        ? await prisma.configRevision.findUnique({
            where: { machineId_number: { machineId, number: hello.applied.number } },
            select: { sha256: true },
          })
        : null;
      const applied = hello.applied && known?.sha256 === hello.applied.sha256 ? hello.applied : null;
      const now = new Date();
      if (applied) {
        // Its `applied` answer may never have been recorded (the API died first, or the database was away): the
        // hello says it now, so the revision and its rollout stop waiting for an answer that will not come again.
        await prisma.configRevision.updateMany({
          where: { machineId, number: applied.number, status: { in: ['pending', 'failed'] } },
          data: { status: 'applied', appliedAt: now, error: null },
        });
      }
      await prisma.machine.update({
        where: { id: machineId },
        data: {
          connectionState: 'online',
          connectedAt: now,
          lastSeenAt: now,
          connectedVia: replicaId,
          hostname: hello.hostname,
          os: hello.os,
          arch: hello.arch,
          agentVersion: hello.agentVersion,
          runnerVersion: hello.runnerVersion,
          diskSha256: hello.diskSha256,
          appliedRevision: applied?.number ?? null,
          appliedSha256: applied?.sha256 ?? null,
          ...(hello.cpuCount !== undefined && { cpuCount: hello.cpuCount }),
          ...(hello.memoryBytes !== undefined && { memoryBytes: BigInt(hello.memoryBytes) }),
        },
      });
    },

    /** Records that the agent is alive (batched with other agents' heartbeats). */
    touch: (machineId: string) => touchBatch.add(machineId),

    /** The machines a rollout gave a new revision. */
    async machinesOfRollout(rolloutId: string): Promise<string[]> {
      const rows = await prisma.$queryRaw<Array<{ machine_id: string }>>`
        SELECT machine_id::text FROM config_revisions WHERE rollout_id = ${rolloutId}::uuid`;
      return rows.map((r) => r.machine_id);
    },

    /** Marks the machine offline unless it has meanwhile connected through another replica. */
    /** Marks a machine this replica served offline; true when it was online until now. */
    async markOffline(machineId: string): Promise<boolean> {
      const { count } = await prisma.machine.updateMany({
        where: { id: machineId, connectedVia: replicaId, connectionState: 'online' },
        data: { connectionState: 'offline' },
      });
      return count > 0;
    },

    /** Machines whose agent has been silent longer than `silentMs`, wherever they were connected. */
    async sweepOffline(silentMs: number): Promise<string[]> {
      const rows = await prisma.$queryRaw<Array<{ id: string }>>`
        UPDATE machines SET connection_state = 'offline'
         WHERE connection_state = 'online' AND last_seen_at < ${new Date(Date.now() - silentMs)}
        RETURNING id`;
      return rows.map((r) => r.id);
    },

    /**
     * True when the revision is one Paddock made for this machine with this hash. Answers are written in
     * batches (see `appliedBatch`): a rollout's thousand answers cost a few statements, not a thousand
     * transactions.
     */
    markApplied: (machineId: string, revision: number, sha256: string): Promise<boolean> =>
      appliedBatch.add({ machineId, revision, sha256 }),

    /**
     * Records a failed apply. `stale`: the revision was already applied or superseded; `unknown`: Paddock never
     * made such a revision for this machine. Neither changes anything.
     */
    async markFailed(
      machineId: string,
      revision: number,
      error: string,
    ): Promise<'recorded' | 'stale' | 'unknown'> {
      return prisma.$transaction(async (tx) => {
        const updated = await tx.configRevision.updateMany({
          where: { machineId, number: revision, status: { in: ['pending', 'failed'] } },
          data: { status: 'failed', error },
        });
        if (updated.count === 0) {
          const exists = await tx.configRevision.findUnique({
            where: { machineId_number: { machineId, number: revision } },
            select: { id: true },
          });
          return exists ? 'stale' : 'unknown';
        }
        await tx.machine.updateMany({
          where: { id: machineId, desiredRevision: revision },
          data: { applyError: error },
        });
        return 'recorded';
      });
    },

    /**
     * Stores a heartbeat's status (batched with other agents' heartbeats) and carries the host-pressure stamps
     * the way `nextSince` does: a level keeps its first stamp while it lasts, any other level clears it.
     */
    recordStatus: (machineId: string, status: Status): Promise<void> => {
      // Parsed frames always carry `jobs`; callers inside the API (tests, tools) may build partial ones.
      const jobs = status.runner.jobs as Status['runner']['jobs'] | undefined;
      const running = (jobs ?? []).reduce((sum, j) => sum + j.running, 0);
      return statusBatch.add({ machineId, status, level: hostLevel(status.host, running), at: now() });
    },

    /** Waits until every batched write queued so far is in the database. */
    async flushed(): Promise<void> {
      await Promise.all([appliedBatch.idle(), touchBatch.idle(), statusBatch.idle()]);
    },

    async recordDrift(machineId: string, diskSha256: string | null, paths: string[]): Promise<void> {
      if (paths.length === 0) {
        await prisma.machine.update({
          where: { id: machineId },
          data: { driftSha256: null, driftKeys: [], driftDetectedAt: null, diskSha256 },
          select: { id: true },
        });
        return;
      }
      await prisma.$executeRaw`
        UPDATE machines SET drift_sha256 = ${diskSha256 ?? '0'.repeat(64)}, drift_keys = ${paths}::text[],
               drift_detected_at = COALESCE(drift_detected_at, now()), disk_sha256 = ${diskSha256}
         WHERE id = ${machineId}::uuid`;
    },

    /**
     * Stores tokens gitlab-runner rotated itself, for runners assigned to this machine only. Returns the ids of
     * the runners whose token changed, so their other machines can be re-rendered with it, and the runners
     * refused: not assigned to this machine (an agent must not replace another machine's token) or with
     * unreadable dates.
     */
    async adoptRotatedTokens(
      machineId: string,
      message: TokenRotated,
    ): Promise<{ adopted: string[]; refused: Array<{ url: string; id: number; reason: string }> }> {
      const adopted: string[] = [];
      const refused: Array<{ url: string; id: number; reason: string }> = [];
      for (const t of message.tokens) {
        const url = t.runner.url.replace(/\/+$/, '');
        const assignment = await prisma.assignment.findFirst({
          where: { machineId, runner: { gitlabRunnerId: t.runner.id, gitlabInstance: { url } } },
          select: { runnerId: true, runner: { select: { gitlabInstance: { select: { url: true } } } } },
        });
        if (!assignment) {
          refused.push({ url, id: t.runner.id, reason: 'not assigned to this machine' });
          continue;
        }
        // GitLab has the last word: a token it rejects is not stored (one it cannot be asked about is).
        if ((await deps.checkRunnerToken?.(assignment.runner.gitlabInstance.url, t.token)) === 'invalid') {
          refused.push({ url, id: t.runner.id, reason: 'GitLab does not accept this token' });
          continue;
        }
        const expires = t.tokenExpiresAt === NO_EXPIRY ? null : new Date(t.tokenExpiresAt);
        const obtained = new Date(t.tokenObtainedAt);
        if (Number.isNaN(obtained.getTime()) || (expires && Number.isNaN(expires.getTime()))) {
          refused.push({ url, id: t.runner.id, reason: 'unreadable token dates' });
          continue;
        }
        await prisma.runnerToken.update({
          where: { runnerId: assignment.runnerId },
          data: {
            ciphertext: secrets.encrypt(t.token, 'runner-token'),
            last4: last4(t.token),
            obtainedAt: obtained,
            expiresAt: expires,
            rotatedAt: new Date(),
          },
        });
        adopted.push(assignment.runnerId);
      }
      return { adopted, refused };
    },
  };
}
export type GatewayStore = ReturnType<typeof gatewayStore>;
