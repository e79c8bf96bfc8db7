/**
 * The schema of gitlab-runner's config.toml: every table and key that gitlab-runner 19.4 decodes, with its TOML type,
 * in gitlab-runner's own struct order (which is also the order its encoder writes).
 *
 * Source: the `toml:"..."` struct tags of common/config.go (Config, RunnerConfig, RunnerCredentials, RunnerSettings,
 * DockerConfig, KubernetesConfig, AutoscalerConfig, DockerMachine, CustomConfig, SessionServer, ...),
 * cache/cacheconfig/cacheconfig.go, helpers/docker/credentials.go, referees/, common/config/runner/monitoring*.
 * A field without a tag is matched by its Go name (the CamelCase keys of `[runners.machine]` and `[runners.cache]`).
 *
 * Parse, validate, render, normalise and diff are all driven by this one description, and the TypeScript model types
 * are inferred from it, so a key exists in exactly one place.
 */
import type { TomlValue } from './toml-value.js';

export type ScalarKind = 'string' | 'integer' | 'float' | 'boolean' | 'duration' | 'datetime';
export type ElementKind = 'string' | 'integer' | 'float';
export type MapValueKind = 'string' | 'boolean' | 'integer' | 'stringArray' | 'any';

/** A plain value. `pointer` mirrors a Go pointer: absent (nil) is then different from the zero value. */
export interface ScalarField<K extends ScalarKind = ScalarKind> {
  readonly kind: K;
  readonly pointer: boolean;
  /** Go int32 fields need the narrower range. */
  readonly bits?: 32;
  /** gitlab-runner's value when the key is absent, when it is not Go's zero value (durations in nanoseconds). */
  readonly default?: number;
}
export interface ArrayField<E extends ElementKind = ElementKind> {
  readonly kind: 'array';
  readonly of: E;
}
/** `StringOrArray` (pull_policy): a string or an array of strings. */
export interface StringOrArrayField {
  readonly kind: 'stringOrArray';
}
/** A Go map: a TOML table with free keys. */
export interface MapField<V extends MapValueKind = MapValueKind> {
  readonly kind: 'map';
  readonly of: V;
}
export interface TableField<T extends TableSpec = TableSpec> {
  readonly kind: 'table';
  readonly table: T;
  readonly pointer: boolean;
}
export interface TableArrayField<T extends TableSpec = TableSpec> {
  readonly kind: 'tableArray';
  readonly table: T;
}
export type FieldSpec =
  ScalarField | ArrayField | StringOrArrayField | MapField | TableField | TableArrayField;

export interface TableSpec<
  F extends Readonly<Record<string, FieldSpec>> = Readonly<Record<string, FieldSpec>>,
> {
  /** The Go type, for messages and documentation. */
  readonly name: string;
  readonly fields: F;
  /** `struct`: BurntSushi's reflection decoder. `nfs`: KubernetesNFS's own UnmarshalTOML. */
  readonly decode: 'struct' | 'nfs';
}

/** A Go duration as written: a duration string (`"1h30m"`) or a TOML integer of nanoseconds. */
export type GoDurationValue = string | number;

type ScalarModel<K> = K extends 'string' | 'datetime'
  ? string
  : K extends 'integer' | 'float'
    ? number
    : K extends 'boolean'
      ? boolean
      : K extends 'duration'
        ? GoDurationValue
        : never;
type MapValueModel<V> = V extends 'string'
  ? string
  : V extends 'boolean'
    ? boolean
    : V extends 'integer'
      ? number
      : V extends 'stringArray'
        ? string[]
        : V extends 'any'
          ? TomlValue
          : never;
export type FieldModel<F> =
  F extends TableField<infer T>
    ? TableModel<T>
    : F extends TableArrayField<infer T>
      ? TableModel<T>[]
      : F extends MapField<infer V>
        ? Record<string, MapValueModel<V>>
        : F extends ArrayField<infer E>
          ? ScalarModel<E>[]
          : F extends StringOrArrayField
            ? string | string[]
            : F extends ScalarField<infer K>
              ? ScalarModel<K>
              : never;
/** The model of one table: every key optional (absent means gitlab-runner's default), plus the unknown keys. */
export type TableModel<T> =
  T extends TableSpec<infer F>
    ? { -readonly [K in keyof F]?: FieldModel<F[K]> } & {
        /** Keys gitlab-runner does not know, kept as written so that they survive import → render. */
        extra?: Record<string, TomlValue>;
      }
    : never;

/** The model property that holds unknown keys; no gitlab-runner table has a key of that name. */
export const EXTRA = 'extra';

function defineTable<const F extends Readonly<Record<string, FieldSpec>>>(
  name: string,
  fields: F,
  decode: 'struct' | 'nfs' = 'struct',
): TableSpec<F> {
  return { name, fields, decode };
}
function scalar<K extends ScalarKind>(kind: K, pointer = false): ScalarField<K> {
  return { kind, pointer };
}
function withDefault<K extends ScalarKind>(field: ScalarField<K>, value: number): ScalarField<K> {
  return { ...field, default: value };
}
function table<T extends TableSpec>(spec: T, pointer = false): TableField<T> {
  return { kind: 'table', table: spec, pointer };
}
function tables<T extends TableSpec>(spec: T): TableArrayField<T> {
  return { kind: 'tableArray', table: spec };
}
function array<E extends ElementKind>(of: E): ArrayField<E> {
  return { kind: 'array', of };
}
function map<V extends MapValueKind>(of: V): MapField<V> {
  return { kind: 'map', of };
}

const str = scalar('string');
const strP = scalar('string', true);
const int = scalar('integer');
const intP = scalar('integer', true);
const int32: ScalarField<'integer'> = { kind: 'integer', pointer: false, bits: 32 };
const float = scalar('float');
const bool = scalar('boolean');
const boolP = scalar('boolean', true);
const dur = scalar('duration');
const durP = scalar('duration', true);
const time = scalar('datetime');
const strs = array('string');
const ints = array('integer');
const floats = array('float');
const strOrArr: StringOrArrayField = { kind: 'stringOrArray' };
const strMap = map('string');
const boolMap = map('boolean');
const intMap = map('integer');
const strsMap = map('stringArray');
const anyMap = map('any');

const service = defineTable('Service', {
  name: str,
  alias: str,
  command: strs,
  entrypoint: strs,
  environment: strs,
  suspend_data_path: str,
});
const dockerConfig = defineTable('DockerConfig', {
  host: str,
  tls_cert_path: str,
  tls_verify: bool,
  hostname: str,
  image: str,
  runtime: str,
  memory: str,
  memory_swap: str,
  memory_reservation: str,
  cgroup_parent: str,
  cpuset_cpus: str,
  cpuset_mems: str,
  cpus: str,
  cpu_shares: int,
  dns: strs,
  dns_search: strs,
  privileged: bool,
  services_privileged: boolP,
  disable_entrypoint_overwrite: bool,
  user: str,
  allowed_users: strs,
  group_add: strs,
  userns_mode: str,
  cap_add: strs,
  cap_drop: strs,
  oom_kill_disable: bool,
  oom_score_adjust: int,
  security_opt: strs,
  services_security_opt: strs,
  devices: strs,
  device_cgroup_rules: strs,
  gpus: str,
  services_devices: strsMap,
  disable_cache: bool,
  volumes: strs,
  volume_keep: bool,
  volume_driver: str,
  volume_driver_ops: strMap,
  cache_dir: str,
  extra_hosts: strs,
  volumes_from: strs,
  network_mode: str,
  pid_mode: str,
  ipcmode: str,
  mac_address: str,
  links: strs,
  services: tables(service),
  services_limit: intP,
  service_memory: str,
  service_memory_swap: str,
  service_memory_reservation: str,
  service_cgroup_parent: str,
  service_slot_cgroup_template: str,
  service_cpuset_cpus: str,
  service_cpus: str,
  service_cpu_shares: int,
  service_gpus: str,
  wait_for_services_timeout: int,
  allowed_images: strs,
  allowed_privileged_images: strs,
  allowed_privileged_services: strs,
  allowed_pull_policies: strs,
  allowed_services: strs,
  pull_policy: strOrArr,
  isolation: str,
  shm_size: int,
  tmpfs: strMap,
  services_tmpfs: strMap,
  sysctls: strMap,
  helper_image: str,
  helper_image_flavor: str,
  container_labels: strMap,
  enable_ipv6: bool,
  ulimit: strMap,
  network_mtu: int,
  log_options: strMap,
});
const instanceConfig = defineTable('InstanceConfig', {
  allowed_images: strs,
  use_common_build_dir: bool,
});
const autoscalerPolicyConfig = defineTable('AutoscalerPolicyConfig', {
  periods: strs,
  timezone: str,
  idle_count: int,
  idle_time: dur,
  scale_factor: float,
  scale_factor_limit: int,
  preemptive_mode: boolP,
});
const autoscalerScaleThrottle = defineTable('AutoscalerScaleThrottle', {
  limit: int,
  burst: int,
});
const autoscalerStateStorage = defineTable('AutoscalerStateStorage', {
  enabled: bool,
  dir: str,
  keep_instance_with_acquisitions: bool,
});
const connectorConfig = defineTable('ConnectorConfig', {
  os: str,
  arch: str,
  protocol: str,
  protocol_port: int,
  username: str,
  password: str,
  key_path: str,
  use_static_credentials: bool,
  keepalive: dur,
  timeout: dur,
  use_external_addr: bool,
});
const vmIsolation = defineTable('VMIsolation', {
  enabled: bool,
  nesting_host: str,
  nesting_config: anyMap,
  image: str,
  connector_config: table(connectorConfig),
});
const autoscalerConfig = defineTable('AutoscalerConfig', {
  capacity_per_instance: int,
  max_use_count: int,
  max_instances: int,
  plugin: str,
  plugin_config: anyMap,
  connector_config: table(connectorConfig),
  policy: tables(autoscalerPolicyConfig),
  instance_ready_command: str,
  instance_acquire_timeout: dur,
  update_interval: dur,
  update_interval_when_expecting: dur,
  deletion_retry_interval: dur,
  shutdown_deletion_interval: dur,
  shutdown_deletion_retries: int,
  failure_threshold: int,
  scale_throttle: table(autoscalerScaleThrottle),
  reservation_throttling: boolP,
  log_internal_ip: bool,
  log_external_ip: bool,
  delete_instances_on_shutdown: bool,
  vm_isolation: table(vmIsolation),
  state_storage: table(autoscalerStateStorage),
  instance_operation_time_buckets: floats,
  instance_creation_time_buckets: floats,
  instance_is_running_time_buckets: floats,
  instance_deletion_time_buckets: floats,
  instance_readiness_time_buckets: floats,
  instance_life_duration_buckets: floats,
});
const dockerMachineAutoscaling = defineTable('DockerMachineAutoscaling', {
  Periods: strs,
  Timezone: str,
  IdleCount: int,
  IdleScaleFactor: float,
  IdleCountMin: int,
  IdleTime: int,
});
const dockerMachine = defineTable('DockerMachine', {
  MaxGrowthRate: int,
  IdleCount: int,
  IdleScaleFactor: float,
  IdleCountMin: int,
  IdleTime: int,
  MaxBuilds: int,
  MachineDriver: str,
  MachineName: str,
  MachineOptions: strs,
  MachineOptionsWithName: strs,
  MaxRemovalAttempts: int,
  OffPeakPeriods: strs,
  OffPeakTimezone: str,
  OffPeakIdleCount: int,
  OffPeakIdleTime: int,
  autoscaling: tables(dockerMachineAutoscaling),
});
const dockerMachineShutdownDrain = defineTable('DockerMachineShutdownDrain', {
  enabled: bool,
  concurrency: int,
  max_retries: int,
  retry_backoff: dur,
});
const parallelsConfig = defineTable('ParallelsConfig', {
  base_name: str,
  template_name: str,
  disable_snapshots: bool,
  time_server: str,
  allowed_images: strs,
});
const virtualBoxConfig = defineTable('VirtualBoxConfig', {
  base_name: str,
  base_snapshot: str,
  base_folder: str,
  disable_snapshots: bool,
  allowed_images: strs,
  start_type: str,
});
const customConfig = defineTable('CustomConfig', {
  config_exec: str,
  config_args: strs,
  config_exec_timeout: intP,
  prepare_exec: str,
  prepare_args: strs,
  prepare_exec_timeout: intP,
  run_exec: str,
  run_args: strs,
  cleanup_exec: str,
  cleanup_args: strs,
  cleanup_exec_timeout: intP,
  graceful_kill_timeout: intP,
  force_kill_timeout: intP,
});
const nodeSelectorRequirement = defineTable('NodeSelectorRequirement', {
  key: str,
  operator: str,
  values: strs,
});
const nodeSelectorTerm = defineTable('NodeSelectorTerm', {
  match_expressions: tables(nodeSelectorRequirement),
  match_fields: tables(nodeSelectorRequirement),
});
const nodeSelector = defineTable('NodeSelector', {
  node_selector_terms: tables(nodeSelectorTerm),
});
const preferredSchedulingTerm = defineTable('PreferredSchedulingTerm', {
  weight: int32,
  preference: table(nodeSelectorTerm),
});
const kubernetesNodeAffinity = defineTable('KubernetesNodeAffinity', {
  required_during_scheduling_ignored_during_execution: table(nodeSelector, true),
  preferred_during_scheduling_ignored_during_execution: tables(preferredSchedulingTerm),
});
const labelSelector = defineTable('LabelSelector', {
  match_labels: strMap,
  match_expressions: tables(nodeSelectorRequirement),
});
const podAffinityTerm = defineTable('PodAffinityTerm', {
  label_selector: table(labelSelector, true),
  namespaces: strs,
  topology_key: str,
  namespace_selector: table(labelSelector, true),
  match_label_keys: strs,
  mismatch_label_keys: strs,
});
const weightedPodAffinityTerm = defineTable('WeightedPodAffinityTerm', {
  weight: int32,
  pod_affinity_term: table(podAffinityTerm),
});
const kubernetesPodAffinity = defineTable('KubernetesPodAffinity', {
  required_during_scheduling_ignored_during_execution: tables(podAffinityTerm),
  preferred_during_scheduling_ignored_during_execution: tables(weightedPodAffinityTerm),
});
const kubernetesPodAntiAffinity = defineTable('KubernetesPodAntiAffinity', {
  required_during_scheduling_ignored_during_execution: tables(podAffinityTerm),
  preferred_during_scheduling_ignored_during_execution: tables(weightedPodAffinityTerm),
});
const kubernetesAffinity = defineTable('KubernetesAffinity', {
  node_affinity: table(kubernetesNodeAffinity, true),
  pod_affinity: table(kubernetesPodAffinity, true),
  pod_anti_affinity: table(kubernetesPodAntiAffinity, true),
});
const kubernetesAutoscalerConfig = defineTable('KubernetesAutoscalerConfig', {
  max_pause_pods: int,
  pause_pod_image: str,
  pause_pod_priority_class_name: str,
  policy: tables(autoscalerPolicyConfig),
  pause_pod_image_pull_secrets: strs,
});
const kubernetesLifecycleExecAction = defineTable('KubernetesLifecycleExecAction', {
  command: strs,
});
const kubernetesLifecycleHTTPGetHeader = defineTable('KubernetesLifecycleHTTPGetHeader', {
  name: str,
  value: str,
});
const kubernetesLifecycleHTTPGet = defineTable('KubernetesLifecycleHTTPGet', {
  host: str,
  http_headers: tables(kubernetesLifecycleHTTPGetHeader),
  path: str,
  port: int,
  scheme: str,
});
const kubernetesLifecycleTCPSocket = defineTable('KubernetesLifecycleTCPSocket', {
  host: str,
  port: int,
});
const kubernetesLifecycleHandler = defineTable('KubernetesLifecycleHandler', {
  exec: table(kubernetesLifecycleExecAction, true),
  http_get: table(kubernetesLifecycleHTTPGet, true),
  tcp_socket: table(kubernetesLifecycleTCPSocket, true),
});
const kubernetesContainerLifecyle = defineTable('KubernetesContainerLifecyle', {
  post_start: table(kubernetesLifecycleHandler, true),
  pre_stop: table(kubernetesLifecycleHandler, true),
});
const kubernetesAppArmorProfile = defineTable('KubernetesAppArmorProfile', {
  type: str,
  localhost_profile: str,
});
const kubernetesContainerCapabilities = defineTable('KubernetesContainerCapabilities', {
  add: strs,
  drop: strs,
});
const kubernetesSeccompProfile = defineTable('KubernetesSeccompProfile', {
  type: str,
  localhost_profile: str,
});
const kubernetesContainerSecurityContext = defineTable('KubernetesContainerSecurityContext', {
  capabilities: table(kubernetesContainerCapabilities, true),
  privileged: boolP,
  run_as_user: intP,
  run_as_group: intP,
  run_as_non_root: boolP,
  read_only_root_filesystem: boolP,
  allow_privilege_escalation: boolP,
  selinux_type: str,
  proc_mount: str,
  seccomp_profile: table(kubernetesSeccompProfile, true),
  app_armor_profile: table(kubernetesAppArmorProfile, true),
});
const kubernetesDNSConfigOption = defineTable('KubernetesDNSConfigOption', {
  name: str,
  value: strP,
});
const kubernetesDNSConfig = defineTable('KubernetesDNSConfig', {
  nameservers: strs,
  options: tables(kubernetesDNSConfigOption),
  searches: strs,
});
const kubernetesHostAliases = defineTable('KubernetesHostAliases', {
  ip: str,
  hostnames: strs,
});
const kubernetesPodSecurityContext = defineTable('KubernetesPodSecurityContext', {
  fs_group: intP,
  run_as_group: intP,
  run_as_non_root: boolP,
  run_as_user: intP,
  supplemental_groups: ints,
  selinux_type: str,
  seccomp_profile: table(kubernetesSeccompProfile, true),
  app_armor_profile: table(kubernetesAppArmorProfile, true),
});
const kubernetesPodSpec = defineTable('KubernetesPodSpec', {
  name: str,
  patch_path: str,
  patch: str,
  patch_type: str,
});
const kubernetesCSI = defineTable('KubernetesCSI', {
  name: str,
  mount_path: str,
  sub_path: str,
  driver: str,
  fs_type: str,
  read_only: bool,
  volume_attributes: strMap,
});
const kubernetesConfigMap = defineTable('KubernetesConfigMap', {
  name: str,
  mount_path: str,
  sub_path: str,
  read_only: bool,
  items: strMap,
});
const kubernetesEmptyDir = defineTable('KubernetesEmptyDir', {
  name: str,
  mount_path: str,
  sub_path: str,
  medium: str,
  size_limit: str,
  mount_propagation: strP,
});
const kubernetesHostPath = defineTable('KubernetesHostPath', {
  name: str,
  mount_path: str,
  sub_path: str,
  read_only: bool,
  host_path: str,
  mount_propagation: strP,
});
const kubernetesNFS = defineTable(
  'KubernetesNFS',
  {
    name: str,
    mount_path: str,
    sub_path: str,
    server: str,
    path: str,
    read_only: bool,
  },
  // KubernetesNFS has its own UnmarshalTOML (common/config.go): exact keys, wrong types ignored, four required keys.
  'nfs',
);
const kubernetesPVC = defineTable('KubernetesPVC', {
  name: str,
  mount_path: str,
  sub_path: str,
  read_only: bool,
  mount_propagation: strP,
});
const kubernetesSecret = defineTable('KubernetesSecret', {
  name: str,
  mount_path: str,
  sub_path: str,
  read_only: bool,
  items: strMap,
});
const kubernetesVolumes = defineTable('KubernetesVolumes', {
  host_path: tables(kubernetesHostPath),
  pvc: tables(kubernetesPVC),
  config_map: tables(kubernetesConfigMap),
  secret: tables(kubernetesSecret),
  empty_dir: tables(kubernetesEmptyDir),
  csi: tables(kubernetesCSI),
  nfs: tables(kubernetesNFS),
});
const kubernetesConfig = defineTable('KubernetesConfig', {
  host: str,
  context: str,
  cert_file: str,
  key_file: str,
  ca_file: str,
  bearer_token_overwrite_allowed: bool,
  bearer_token: str,
  image: str,
  namespace: str,
  namespace_overwrite_allowed: str,
  namespace_per_job: bool,
  privileged: boolP,
  runtime_class_name: strP,
  allow_privilege_escalation: boolP,
  cpu_limit: str,
  cpu_limit_overwrite_max_allowed: str,
  cpu_request: str,
  cpu_request_overwrite_max_allowed: str,
  memory_limit: str,
  memory_limit_overwrite_max_allowed: str,
  memory_request: str,
  memory_request_overwrite_max_allowed: str,
  ephemeral_storage_limit: str,
  ephemeral_storage_limit_overwrite_max_allowed: str,
  ephemeral_storage_request: str,
  ephemeral_storage_request_overwrite_max_allowed: str,
  service_cpu_limit: str,
  service_cpu_limit_overwrite_max_allowed: str,
  service_cpu_request: str,
  service_cpu_request_overwrite_max_allowed: str,
  service_memory_limit: str,
  service_memory_limit_overwrite_max_allowed: str,
  service_memory_request: str,
  service_memory_request_overwrite_max_allowed: str,
  service_ephemeral_storage_limit: str,
  service_ephemeral_storage_limit_overwrite_max_allowed: str,
  service_ephemeral_storage_request: str,
  service_ephemeral_storage_request_overwrite_max_allowed: str,
  helper_cpu_limit: str,
  helper_cpu_limit_overwrite_max_allowed: str,
  helper_cpu_request: str,
  helper_cpu_request_overwrite_max_allowed: str,
  helper_memory_limit: str,
  helper_memory_limit_overwrite_max_allowed: str,
  helper_memory_request: str,
  helper_memory_request_overwrite_max_allowed: str,
  helper_ephemeral_storage_limit: str,
  helper_ephemeral_storage_limit_overwrite_max_allowed: str,
  helper_ephemeral_storage_request: str,
  helper_ephemeral_storage_request_overwrite_max_allowed: str,
  pod_cpu_limit: str,
  pod_cpu_limit_overwrite_max_allowed: str,
  pod_cpu_request: str,
  pod_cpu_request_overwrite_max_allowed: str,
  pod_memory_limit: str,
  pod_memory_limit_overwrite_max_allowed: str,
  pod_memory_request: str,
  pod_memory_request_overwrite_max_allowed: str,
  allowed_images: strs,
  allowed_pull_policies: strs,
  allowed_services: strs,
  allowed_users: strs,
  allowed_groups: strs,
  pull_policy: strOrArr,
  node_selector: strMap,
  node_selector_overwrite_allowed: str,
  node_tolerations: strMap,
  node_tolerations_overwrite_allowed: str,
  affinity: table(kubernetesAffinity),
  image_pull_secrets: strs,
  use_service_account_image_pull_secrets: bool,
  helper_image: str,
  helper_image_flavor: str,
  helper_image_autoset_arch_and_os: bool,
  pod_termination_grace_period_seconds: intP,
  cleanup_grace_period_seconds: intP,
  cleanup_resources_timeout: durP,
  poll_interval: int,
  poll_timeout: int,
  resource_availability_check_max_attempts: int,
  retry_limit: int,
  retry_backoff_max: int,
  retry_limits: intMap,
  pod_labels: strMap,
  pod_labels_overwrite_allowed: str,
  scheduler_name: str,
  service_account: str,
  service_account_overwrite_allowed: str,
  automount_service_account_token: boolP,
  pod_annotations: strMap,
  pod_annotations_overwrite_allowed: str,
  pod_security_context: table(kubernetesPodSecurityContext),
  init_permissions_container_security_context: table(kubernetesContainerSecurityContext),
  build_container_security_context: table(kubernetesContainerSecurityContext),
  helper_container_security_context: table(kubernetesContainerSecurityContext),
  service_container_security_context: table(kubernetesContainerSecurityContext),
  volumes: table(kubernetesVolumes),
  host_aliases: tables(kubernetesHostAliases),
  services: tables(service),
  cap_add: strs,
  cap_drop: strs,
  suspend_pvc_size: str,
  suspend_pvc_storage_class: str,
  dns_policy: str,
  dns_config: table(kubernetesDNSConfig),
  container_lifecycle: table(kubernetesContainerLifecyle),
  priority_class_name: str,
  pod_spec: tables(kubernetesPodSpec),
  logs_base_dir: str,
  scripts_base_dir: str,
  print_pod_warning_events: boolP,
  pod_disruption_budget: boolP,
  autoscaler: table(kubernetesAutoscalerConfig, true),
});
const artifactConfig = defineTable('ArtifactConfig', {
  upload_timeout: durP,
  response_header_timeout: durP,
});
const cacheAzureConfig = defineTable('CacheAzureConfig', {
  AccountName: str,
  AccountKey: str,
  ContainerName: str,
  StorageDomain: str,
});
const cacheGCSConfig = defineTable('CacheGCSConfig', {
  AccessID: str,
  PrivateKey: str,
  CredentialsFile: str,
  BucketName: str,
  UniverseDomain: str,
});
const cacheS3Config = defineTable('CacheS3Config', {
  ServerAddress: str,
  AccessKey: str,
  SecretKey: str,
  SessionToken: str,
  BucketName: str,
  BucketLocation: str,
  Insecure: bool,
  AuthenticationType: str,
  ServerSideEncryption: str,
  ServerSideEncryptionKeyID: str,
  DualStack: boolP,
  PathStyle: boolP,
  Accelerate: bool,
  RoleARN: str,
  UploadRoleARN: str,
  AssumeRoleMaxConcurrency: int,
  DisableAssumeRoleCredentialsCaching: bool,
});
const cacheConfig = defineTable('CacheConfig', {
  Type: str,
  Path: str,
  Shared: bool,
  MaxUploadedArchiveSize: int,
  s3: table(cacheS3Config, true),
  gcs: table(cacheGCSConfig, true),
  azure: table(cacheAzureConfig, true),
});
const customBuildDir = defineTable('CustomBuildDir', {
  enabled: boolP,
});
const jobQueuingDuration = defineTable('JobQueuingDuration', {
  periods: strs,
  timezone: str,
  threshold: dur,
  jobs_running_for_project: str,
});
const monitoring = defineTable('Monitoring', {
  job_queuing_durations: tables(jobQueuingDuration),
});
const metricsRefereeConfig = defineTable('MetricsRefereeConfig', {
  prometheus_address: str,
  query_interval: int,
  queries: strs,
});
const refereesConfig = defineTable('RefereesConfig', {
  metrics: table(metricsRefereeConfig, true),
});
const bootVerify = defineTable('BootVerify', {
  enabled: bool,
  timeout: dur,
  acquire_min_backoff: dur,
  acquire_max_backoff: dur,
});
const runnerExperimental = defineTable('RunnerExperimental', {
  boot_verify: table(bootVerify, true),
});
const sshConfig = defineTable('SshConfig', {
  user: str,
  password: str,
  host: str,
  port: str,
  identity_file: str,
  disable_strict_host_key_checking: boolP,
  known_hosts_file: str,
});
const runnerSpec = defineTable('RunnerConfig', {
  name: str,
  limit: int,
  output_limit: int,
  request_concurrency: int,
  strict_check_interval: boolP,
  unhealthy_requests_limit: int,
  unhealthy_interval: durP,
  job_status_final_update_retry_limit: int,
  experimental: table(runnerExperimental, true),
  url: str,
  id: int,
  token: str,
  token_obtained_at: time,
  token_expires_at: time,
  'tls-ca-file': str,
  'tls-cert-file': str,
  'tls-key-file': str,
  labels: strMap,
  executor: str,
  builds_dir: str,
  cache_dir: str,
  clone_url: str,
  environment: strs,
  proxy_exec: boolP,
  pre_get_sources_script: str,
  post_get_sources_script: str,
  pre_build_script: str,
  post_build_script: str,
  prepare_timeout: durP,
  get_sources_timeout: durP,
  debug_trace_disabled: bool,
  safe_directory_checkout: boolP,
  clean_git_config: boolP,
  shell: str,
  custom_build_dir: table(customBuildDir),
  referees: table(refereesConfig, true),
  cache: table(cacheConfig, true),
  artifact: table(artifactConfig),
  feature_flags: boolMap,
  monitoring: table(monitoring, true),
  use_slot_cgroups: bool,
  slot_cgroup_template: str,
  instance: table(instanceConfig, true),
  ssh: table(sshConfig, true),
  docker: table(dockerConfig, true),
  parallels: table(parallelsConfig, true),
  virtualbox: table(virtualBoxConfig, true),
  machine: table(dockerMachine, true),
  kubernetes: table(kubernetesConfig, true),
  custom: table(customConfig, true),
  autoscaler: table(autoscalerConfig, true),
  step_runner_image: str,
});
const sessionServer = defineTable('SessionServer', {
  listen_address: str,
  advertise_address: str,
  session_timeout: withDefault(int, 1800),
});
const logrotateConfig = defineTable('LogrotateConfig', {
  log_dir: str,
  max_backup_files: intP,
  max_rotation_age: durP,
  labels: strMap,
});
const snowplowConfig = defineTable('SnowplowConfig', {
  collector_uri: str,
  app_id: str,
  category: str,
  realm: str,
  deployment_type: str,
  metadata: strMap,
  enable_oidc: bool,
  batch_delivery_duration_buckets: floats,
  skip_oidc_if_unsupported_cloud: boolP,
  skip_runner_system_failure: boolP,
});
const usageLogger = defineTable('UsageLogger', {
  enabled: bool,
  writers: strs,
  logrotate: table(logrotateConfig),
  snowplow_billing: table(snowplowConfig),
  log_dir: str,
  max_backup_files: intP,
  max_rotation_age: durP,
  labels: strMap,
});
const experimental = defineTable('Experimental', {
  usage_logger: table(usageLogger),
});
const machineConfig = defineTable('MachineConfig', {
  shutdown_drain: table(dockerMachineShutdownDrain, true),
});
const configSpec = defineTable('Config', {
  listen_address: str,
  session_server: table(sessionServer),
  labels: strMap,
  concurrent: withDefault(int, 1),
  check_interval: int,
  log_level: strP,
  log_format: strP,
  user: str,
  runners: tables(runnerSpec),
  sentry_dsn: strP,
  connection_max_age: withDefault(durP, 15 * 60 * 1e9),
  machine: table(machineConfig, true),
  experimental: table(experimental, true),
  shutdown_timeout: int,
});

/** The whole file (gitlab-runner's `common.Config`). */
export const runnerConfigSchema = configSpec;
/** One `[[runners]]` entry (gitlab-runner's `common.RunnerConfig`). */
export const runnerEntrySchema = runnerSpec;

/** The whole config.toml. */
export type RunnerConfig = TableModel<typeof configSpec>;
/** One `[[runners]]` entry. */
export type RunnerEntry = TableModel<typeof runnerSpec>;
export type SessionServerSection = TableModel<typeof sessionServer>;
export type DockerSection = TableModel<typeof dockerConfig>;
export type DockerServiceSection = TableModel<typeof service>;
export type KubernetesSection = TableModel<typeof kubernetesConfig>;
export type CacheSection = TableModel<typeof cacheConfig>;
export type CacheS3Section = TableModel<typeof cacheS3Config>;
export type CacheGCSSection = TableModel<typeof cacheGCSConfig>;
export type CacheAzureSection = TableModel<typeof cacheAzureConfig>;
export type CustomSection = TableModel<typeof customConfig>;
export type AutoscalerSection = TableModel<typeof autoscalerConfig>;
export type AutoscalerPolicySection = TableModel<typeof autoscalerPolicyConfig>;
export type ConnectorSection = TableModel<typeof connectorConfig>;
export type MachineSection = TableModel<typeof dockerMachine>;
export type SshSection = TableModel<typeof sshConfig>;
