/**
 * @paddock/gitlab-sim — simulators for tests, benchmarks and the demo.
 * - The gitlab-runner simulator: RunnerSimulator reads config.toml like `gitlab-runner run`, keeps the system_id,
 *   asks a JobSource for jobs within `concurrent`/`limit`/`request_concurrency`, verifies its runners, rotates
 *   expiring tokens (rewriting config.toml in gitlab-runner's format), and serves gitlab-runner's metric names.
 * - The GitLab simulator: GitlabSimulator serves GitLab's REST v4 runner and job routes and the runner API from
 *   memory, with fault injection, request counting and a job generator; GitlabJobSource connects the two.
 */
export {
  RunnerSimulator,
  JobRequestError,
  type RunnerSimulatorOptions,
  type SimulatorStatus,
  type SimulatorEvent,
  type SimulatorExit,
  type SimulatorState,
  type RunnerState,
  type EffectiveLimit,
  type ReloadResult,
  type ConfigTrigger,
  type LogLevel,
  type VersionInfo,
} from './runner/simulator.js';
export type { Job, JobOutcome, JobSource, VerifyResult, TokenResetResult } from './runner/job-source.js';
export { JobTrace, type JobTraceOptions, type FinalUpdate, type ApiEndpoint } from './runner/job-trace.js';
export { savedConfigText, writeConfigFile, goTimeText } from './runner/save-config.js';
export {
  nextRunnerToReset,
  withNewToken,
  TOKEN_RESET_INTERVAL_FACTOR,
  type NewToken,
  type TokenResetDue,
} from './runner/token-rotation.js';
export {
  InMemoryJobSource,
  type InMemoryJobSourceOptions,
  type InMemoryJobSourceStats,
  type JobBatch,
} from './runner/in-memory-job-source.js';
export { ConfigLoadError, loadConfigFile, type LoadedConfig, type SimRunner } from './runner/load-config.js';
export {
  loadSystemId,
  generateSystemId,
  systemIdFromMachineId,
  SYSTEM_ID_FILE,
  SYSTEM_ID_PATTERN,
  DEFAULT_MACHINE_ID_PATHS,
  type SystemIdResult,
  type SystemIdOptions,
} from './runner/system-id.js';
export { shortenToken } from './runner/short-token.js';
export { resolveListenAddress, DEFAULT_METRICS_PORT } from './runner/metrics-server.js';
export { GitlabSimulator, API_PREFIX, type GitlabSimulatorOptions } from './gitlab/simulator.js';
export { GitlabJobSource, type GitlabJobSourceOptions } from './gitlab/gitlab-job-source.js';
export { GitlabApiClient, type ApiResponse, type ApiRequestOptions } from './gitlab/api-client.js';
export {
  Faults,
  RequestLog,
  type RequestRecord,
  type FaultScope,
  type RateLimitSettings,
} from './gitlab/faults.js';
export { JobGenerator, type JobGeneratorOptions } from './gitlab/job-generator.js';
export { buildJobLog, type JobLogInput, type LogPiece } from './gitlab/job-log.js';
export type { CreateAccessTokenOptions } from './gitlab/access-tokens.js';
export type { CreateProjectInput, JobSpec, PipelineSpec } from './gitlab/ci.js';
export type { CreateRunnerInput, RunnerSettings, RunnerStatus } from './gitlab/runners.js';
export { systemClock, manualClock, type Clock, type ManualClock } from './gitlab/clock.js';
export {
  RUNNER_TYPES,
  ACCESS_LEVELS,
  JOB_STATUSES,
  type RunnerType,
  type AccessLevel,
  type JobStatus,
  type AccessToken,
  type Group,
  type Project,
  type Pipeline,
  type Job as GitlabJob,
  type JobPlan,
  type Runner as GitlabRunner,
  type RunnerManager,
  type User,
} from './gitlab/model.js';
