/**
 * @paddock/runner-config — a typed model of gitlab-runner's config.toml: parse (TOML 1.1, as gitlab-runner reads
 * it), validate (what gitlab-runner refuses at load, in `lint` and at run time), render (deterministic and
 * injection-safe, in gitlab-runner's own layout) and a semantic diff that ignores gitlab-runner's own rewrites.
 * Pure: no I/O; the CLI lives in cli.ts.
 */
export { parseRunnerConfig, type ParseResult } from './parse.js';
export { validateRunnerConfig, EXECUTORS, SHELLS } from './validate.js';
export { renderRunnerConfig, RenderError } from './render.js';
export { normalizeRunnerConfig } from './normalize.js';
export { diffRunnerConfigs, onlyTokenRotation, type ConfigChange } from './diff.js';
export { listRunnerTokens, findRunnerToken, type RunnerToken } from './tokens.js';
export { parseGoDuration, formatGoDuration, durationNanoseconds, type DurationResult } from './duration.js';
export {
  parseTomlDatetime,
  sameDatetime,
  isZeroDatetime,
  canonicalUtc,
  ZERO_TIME,
  type ParsedDatetime,
  type DatetimeKind,
} from './datetime.js';
export { hasErrors, type Problem, type Severity } from './problems.js';
export { FEATURE_FLAGS_ON_BY_DEFAULT, KNOWN_FEATURE_FLAGS, featureFlagDefault } from './feature-flags.js';
export { tomlValueFrom, type TomlValue } from './toml-value.js';
export {
  runnerConfigSchema,
  runnerEntrySchema,
  EXTRA,
  type RunnerConfig,
  type RunnerEntry,
  type SessionServerSection,
  type DockerSection,
  type DockerServiceSection,
  type KubernetesSection,
  type CacheSection,
  type CacheS3Section,
  type CacheGCSSection,
  type CacheAzureSection,
  type CustomSection,
  type AutoscalerSection,
  type AutoscalerPolicySection,
  type ConnectorSection,
  type MachineSection,
  type SshSection,
  type GoDurationValue,
  type TableSpec,
  type FieldSpec,
  type TableModel,
} from './schema.js';
