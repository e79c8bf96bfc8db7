/**
 * Runners and runner managers: creation (POST /user/runners), changes, token resets and expiry, the heartbeat
 * that the runner API records (contacted_at, one manager per system_id), and the derived status fields. Rules
 * follow GitLab's Ci::Runner: online = contacted within 2 hours; stale = created or last contacted 7 days ago or
 * more; `maximum_timeout` at least 600 s; a maintenance note of at most 1024 characters; at most 50 tags.
 */
import type { Clock } from './clock.js';
import { badRequest, forbidden, notFound, validationFailed } from './errors.js';
import type { AccessLevel, Runner, RunnerManager, RunnerType, Store, User } from './model.js';
import type { Random } from './random.js';

export const ONLINE_CONTACT_TIMEOUT_MS = 2 * 60 * 60 * 1000;
export const STALE_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;
/** The system_id GitLab files requests under when a runner sends none. */
export const LEGACY_SYSTEM_ID = '<legacy>';

export type RunnerStatus = 'online' | 'offline' | 'stale' | 'never_contacted';

export interface RunnerSettings {
  readonly description?: string;
  readonly paused?: boolean;
  readonly locked?: boolean;
  readonly runUntagged?: boolean;
  readonly tagList?: readonly string[];
  readonly accessLevel?: AccessLevel;
  readonly maximumTimeout?: number | null;
  readonly maintenanceNote?: string | null;
}

export interface CreateRunnerInput extends RunnerSettings {
  readonly runnerType: RunnerType;
  readonly groupId?: number;
  readonly projectId?: number;
  readonly tokenExpiresAt?: Date | null;
}

/** What the runner API reports about the process behind a request (`info` and the client address). */
export interface RunnerContact {
  readonly systemId?: string;
  readonly info?: Readonly<Record<string, unknown>>;
  readonly ip: string;
}

export interface RunnersOptions {
  /** The instance's runner token expiration interval; none: tokens do not expire unless asked to. */
  readonly tokenExpirationIntervalMs?: number;
  /** Called when a runner may take different jobs than before (created, changed, unpaused). */
  readonly onChanged?: (runner: Runner) => void;
}

export class Runners {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly options: RunnersOptions = {},
  ) {}

  create(user: User, input: CreateRunnerInput): Runner {
    let groupId: number | null = null;
    const projectIds: number[] = [];
    if (input.runnerType === 'instance_type') {
      if (!user.admin) throw forbidden('Insufficient permissions');
    } else if (input.runnerType === 'group_type') {
      if (input.groupId === undefined || !this.store.groups.has(input.groupId))
        throw badRequest('Missing/invalid scope');
      if (!user.admin) throw forbidden('Insufficient permissions');
      groupId = input.groupId;
    } else {
      if (input.projectId === undefined || !this.store.projects.has(input.projectId)) {
        throw badRequest('Missing/invalid scope');
      }
      if (!user.admin) throw forbidden('Insufficient permissions');
      projectIds.push(input.projectId);
    }
    validate(input);
    const now = this.clock();
    const runner: Runner = {
      id: this.store.nextId('runner'),
      runnerType: input.runnerType,
      groupId,
      projectIds,
      creatorId: user.id,
      description: input.description ?? '',
      paused: input.paused ?? false,
      locked: input.locked ?? false,
      runUntagged: input.runUntagged ?? true,
      tagList: normaliseTags(input.tagList ?? []),
      accessLevel: input.accessLevel ?? 'not_protected',
      maximumTimeout: input.maximumTimeout ?? null,
      maintenanceNote: input.maintenanceNote ?? null,
      token: this.newToken(input.runnerType),
      tokenExpiresAt: input.tokenExpiresAt !== undefined ? input.tokenExpiresAt : this.defaultExpiry(),
      createdAt: now,
      contactedAt: null,
      queueValue: this.random.hex(16),
    };
    this.store.runners.set(runner.id, runner);
    this.options.onChanged?.(runner);
    return runner;
  }

  get(id: number): Runner {
    const runner = this.store.runners.get(id);
    if (!runner) throw notFound('Runner');
    return runner;
  }

  update(runner: Runner, changes: RunnerSettings): Runner {
    validate(changes);
    if (changes.description !== undefined) runner.description = changes.description;
    if (changes.paused !== undefined) runner.paused = changes.paused;
    if (changes.locked !== undefined) runner.locked = changes.locked;
    if (changes.runUntagged !== undefined) runner.runUntagged = changes.runUntagged;
    if (changes.tagList !== undefined) runner.tagList = normaliseTags(changes.tagList);
    if (changes.accessLevel !== undefined) runner.accessLevel = changes.accessLevel;
    if (changes.maximumTimeout !== undefined) runner.maximumTimeout = changes.maximumTimeout;
    if (changes.maintenanceNote !== undefined) runner.maintenanceNote = changes.maintenanceNote;
    this.options.onChanged?.(runner);
    return runner;
  }

  delete(runner: Runner): void {
    this.store.runners.delete(runner.id);
    for (const manager of this.store.managersOf(runner.id)) this.store.managers.delete(manager.id);
  }

  resetToken(runner: Runner): Runner {
    runner.token = this.newToken(runner.runnerType);
    runner.tokenExpiresAt = this.defaultExpiry();
    return runner;
  }

  /** The runner API's authentication: an unknown or expired token is a bare 403, as GitLab answers it. */
  authenticate(token: unknown): Runner {
    if (typeof token !== 'string' || token === '') throw forbidden();
    const runner = this.store.runnerByToken(token);
    if (!runner) throw forbidden();
    if (runner.tokenExpiresAt && runner.tokenExpiresAt.getTime() <= this.clock().getTime()) throw forbidden();
    return runner;
  }

  /** Records a contact: the runner's contacted_at and, unless told not to, its manager for the system_id. */
  heartbeat(runner: Runner, contact: RunnerContact, withManager = true): RunnerManager | undefined {
    const now = this.clock();
    runner.contactedAt = now;
    if (!withManager) return undefined;
    const manager = this.ensureManager(runner, contact.systemId ?? LEGACY_SYSTEM_ID);
    manager.contactedAt = now;
    manager.ipAddress = contact.ip;
    const info = contact.info ?? {};
    for (const key of ['name', 'version', 'revision', 'platform', 'architecture', 'executor'] as const) {
      const value = info[key];
      if (typeof value === 'string') manager[key] = value;
    }
    return manager;
  }

  /** DELETE /runners/managers: false when the runner has no manager with that system_id. */
  deleteManager(runner: Runner, systemId: string): boolean {
    const manager = this.store.managersOf(runner.id).find((m) => m.systemId === systemId);
    if (!manager) return false;
    this.store.managers.delete(manager.id);
    return true;
  }

  /** The manager that contacted GitLab last, whose version/platform the runner's details show. */
  latestManager(runner: Runner): RunnerManager | undefined {
    return this.store
      .managersOf(runner.id)
      .sort((a, b) => (b.contactedAt?.getTime() ?? 0) - (a.contactedAt?.getTime() ?? 0))[0];
  }

  online(contactedAt: Date | null): boolean {
    return contactedAt !== null && this.clock().getTime() - contactedAt.getTime() < ONLINE_CONTACT_TIMEOUT_MS;
  }

  status(record: { createdAt: Date; contactedAt: Date | null }): RunnerStatus {
    const newest = Math.max(record.createdAt.getTime(), record.contactedAt?.getTime() ?? 0);
    if (newest <= this.clock().getTime() - STALE_TIMEOUT_MS) return 'stale';
    if (!record.contactedAt) return 'never_contacted';
    return this.online(record.contactedAt) ? 'online' : 'offline';
  }

  /** The REST `status` field, which still reports `paused` for a contacted, paused runner. */
  restStatus(runner: Runner): RunnerStatus | 'paused' {
    const status = this.status(runner);
    if (status === 'stale' || status === 'never_contacted' || !runner.paused) return status;
    return 'paused';
  }

  private ensureManager(runner: Runner, systemId: string): RunnerManager {
    const existing = this.store.managersOf(runner.id).find((m) => m.systemId === systemId);
    if (existing) return existing;
    const manager: RunnerManager = {
      id: this.store.nextId('manager'),
      runnerId: runner.id,
      systemId,
      createdAt: this.clock(),
      contactedAt: null,
      name: null,
      version: null,
      revision: null,
      platform: null,
      architecture: null,
      executor: null,
      ipAddress: null,
    };
    this.store.managers.set(manager.id, manager);
    return manager;
  }

  private newToken(type: RunnerType): string {
    return this.random.runnerToken(type === 'instance_type' ? 1 : type === 'group_type' ? 2 : 3);
  }

  private defaultExpiry(): Date | null {
    const interval = this.options.tokenExpirationIntervalMs;
    return interval === undefined ? null : new Date(this.clock().getTime() + interval);
  }
}

function validate(settings: RunnerSettings): void {
  const problems: Record<string, string[]> = {};
  if (
    settings.maximumTimeout !== undefined &&
    settings.maximumTimeout !== null &&
    settings.maximumTimeout < 600
  ) {
    problems.maximum_timeout = ['needs to be at least 10 minutes'];
  }
  if (settings.maintenanceNote && settings.maintenanceNote.length > 1024) {
    problems.maintenance_note = ['is too long (maximum is 1024 characters)'];
  }
  if (settings.tagList && normaliseTags(settings.tagList).length > 50) {
    problems.tags_list = ['Too many tags specified. Please limit the number of tags to 50'];
  }
  if (Object.keys(problems).length > 0) throw validationFailed(problems);
}

function normaliseTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t !== ''))];
}
