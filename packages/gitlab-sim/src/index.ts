/**
 * @paddock/gitlab-sim — simulators for tests, benchmarks and the demo. This first part is the gitlab-runner
 * simulator: RunnerSimulator reads config.toml like `gitlab-runner run`, keeps the system_id, asks a JobSource for
 * jobs within `concurrent`/`limit`/`request_concurrency`, and serves gitlab-runner's metric names.
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
export type { Job, JobOutcome, JobSource } from './runner/job-source.js';
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
