import { z } from 'zod';
import { Id, Labels, ListParam, Page, PageQuery, Timestamp } from './common.js';

export const CONNECTION_STATES = ['never_connected', 'online', 'offline'] as const;
export const ConnectionState = z.enum(CONNECTION_STATES);
export type ConnectionState = z.infer<typeof ConnectionState>;

/**
 * Status filters for the machine list. A machine can match several: an online machine may also be draining,
 * drifting or still applying a revision.
 */
export const MACHINE_STATUS_FILTERS = [
  'online',
  'offline',
  'never_connected',
  'draining',
  'drifting',
  'applying',
  'failed',
  /** online and flagged for host pressure (CPU or memory above 90 % for 5 minutes while running jobs) */
  'under_pressure',
] as const;
export const MachineStatusFilter = z.enum(MACHINE_STATUS_FILTERS);
export type MachineStatusFilter = z.infer<typeof MachineStatusFilter>;

export const MACHINE_SORTS = [
  'hostname',
  '-hostname',
  'lastSeenAt',
  '-lastSeenAt',
  'createdAt',
  '-createdAt',
] as const;
export const MachineSort = z.enum(MACHINE_SORTS);
export type MachineSort = z.infer<typeof MachineSort>;

/** `label=key=value` (or `label=key` for "has key"), repeatable; all must match. */
export const LabelSelector = z.string().regex(/^[a-z0-9][a-z0-9._/-]{0,62}(=.{0,255})?$/, {
  message: 'use key=value or key',
});

export const ListMachinesQuery = PageQuery.extend({
  status: ListParam.pipe(z.array(MachineStatusFilter)).optional(),
  label: ListParam.pipe(z.array(LabelSelector)).optional(),
  /** matches hostname or system_id, case-insensitively */
  q: z.string().trim().max(200).optional(),
  sort: MachineSort.default('hostname'),
});
export type ListMachinesQuery = z.infer<typeof ListMachinesQuery>;

/** Where the machine's config.toml stands against what Paddock wants it to run. */
export const REVISION_STATES = ['none', 'in_sync', 'applying', 'failed'] as const;
export const RevisionState = z.enum(REVISION_STATES);
export type RevisionState = z.infer<typeof RevisionState>;

/** The host figures of the machine's last heartbeat. */
export const MachineHost = z.object({
  cpuCount: z.number().int(),
  load1: z.number(),
  /** measured CPU busy share; null from agents that do not measure it */
  cpuBusyPercent: z.number().nullable(),
  /** the busy share, or load per core when it is not measured (may pass 100) */
  cpuPercent: z.number(),
  memoryBytes: z.number(),
  memoryAvailableBytes: z.number(),
  memoryPercent: z.number(),
  /** jobs running on the host, all runners together */
  runningJobs: z.number().int(),
});
export type MachineHost = z.infer<typeof MachineHost>;

/** One runner token on a flagged machine: its limit here, and the limit Paddock suggests (never applied by itself). */
export const MachineRunnerLimit = z.object({
  runnerId: Id,
  description: z.string().nullable(),
  /** LimitMode's values (runners.ts imports this file, so it cannot be imported from there) */
  limitMode: z.enum(['per_machine', 'fleet_budget']),
  /** the token's limit: per machine (0 = unlimited) or the fleet budget's total */
  limitValue: z.number().int(),
  /** this machine's override, per-machine mode only */
  limitOverride: z.number().int().nullable(),
  /** the limit in this machine's config.toml (0 = unlimited) */
  effectiveLimit: z.number().int().nullable(),
  running: z.number().int(),
  /** pending jobs this runner could take */
  waiting: z.number().int(),
  suggestedLimit: z.number().int().nullable(),
});
export type MachineRunnerLimit = z.infer<typeof MachineRunnerLimit>;

/**
 * `high`: CPU or memory above 90 % for five minutes while jobs run; `idle`: both below 50 % for five minutes
 * while a runner at its limit here leaves jobs waiting.
 */
export const PRESSURE_LEVELS = ['high', 'idle'] as const;
export const PressureLevel = z.enum(PRESSURE_LEVELS);
export type PressureLevel = z.infer<typeof PressureLevel>;

export const MachinePressure = z.object({
  level: PressureLevel,
  since: Timestamp,
  runners: z.array(MachineRunnerLimit),
});
export type MachinePressure = z.infer<typeof MachinePressure>;

export const Machine = z.object({
  id: Id,
  systemId: z.string().nullable(),
  hostname: z.string(),
  labels: z.record(z.string(), z.string()),
  os: z.string().nullable(),
  arch: z.string().nullable(),
  agentVersion: z.string().nullable(),
  runnerVersion: z.string().nullable(),
  connectionState: ConnectionState,
  connectedAt: Timestamp.nullable(),
  lastSeenAt: Timestamp.nullable(),
  desiredRevision: z.number().int(),
  appliedRevision: z.number().int().nullable(),
  revisionState: RevisionState,
  drainingSince: Timestamp.nullable(),
  drifting: z.boolean(),
  driftKeys: z.array(z.string()),
  concurrent: z.number().int().nullable(),
  checkInterval: z.number().int().nullable(),
  cpuCount: z.number().int().nullable(),
  memoryBytes: z.number().nullable(),
  runnerCount: z.number().int(),
  /** null until the agent sends a status */
  host: MachineHost.nullable(),
  /** null unless the machine is flagged */
  pressure: MachinePressure.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Machine = z.infer<typeof Machine>;

export const MachinePage = Page(Machine);
export type MachinePage = z.infer<typeof MachinePage>;

export const UpdateMachineBody = z.strictObject({
  /** replaces the whole label set */
  labels: Labels,
});
export type UpdateMachineBody = z.infer<typeof UpdateMachineBody>;
