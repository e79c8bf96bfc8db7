/**
 * The register-runner form as typed, and its translation into `RegisterRunnerBody`. Numbers stay text until they
 * are checked, so a half-typed value is never rewritten under the cursor; the contract itself judges the result,
 * so the form cannot accept what the API would refuse (and says so with the contract's own messages).
 */
import { RegisterRunnerBody } from '@paddock/contracts';
import type { LimitMode, RunnerType } from '@paddock/contracts';
import type { z } from 'zod';
import { formErrorsFromIssues, pathsUnder } from '../../lib/form-errors';
import type { FormErrors } from '../../lib/form-errors';

export const SHELLS = ['bash', 'sh', 'pwsh', 'powershell'] as const;
export const PULL_POLICIES = ['always', 'if-not-present', 'never'] as const;
export type ExecutorName = RegisterRunnerBody['executor']['name'];
export type AccessLevel = RegisterRunnerBody['accessLevel'];

export interface RegisterValues {
  gitlabInstanceId: string;
  runnerType: RunnerType;
  /** the group or project id, as typed; which one depends on `runnerType` */
  ownerId: string;
  description: string;
  tags: string[];
  runUntagged: boolean;
  locked: boolean;
  paused: boolean;
  accessLevel: AccessLevel;
  /** seconds; empty for GitLab's default */
  maximumTimeout: string;
  maintenanceNote: string;
  executor: ExecutorName;
  /** empty: gitlab-runner's default shell */
  shell: '' | (typeof SHELLS)[number];
  dockerImage: string;
  dockerPrivileged: boolean;
  /** empty: gitlab-runner's default (always) */
  dockerPullPolicy: '' | (typeof PULL_POLICIES)[number];
  /** one volume per line, as `docker run -v` takes them */
  dockerVolumes: string;
  kubernetesNamespace: string;
  kubernetesImage: string;
  kubernetesPrivileged: boolean;
  limitMode: LimitMode;
  limit: string;
  /** per machine only: no job limit */
  unlimited: boolean;
  requestConcurrency: string;
  target: 'machines' | 'labels';
  machineIds: string[];
  labelSelectors: string[];
}

export function initialValues(gitlabInstanceId = ''): RegisterValues {
  return {
    gitlabInstanceId,
    runnerType: 'instance_type',
    ownerId: '',
    description: '',
    tags: [],
    runUntagged: false,
    locked: false,
    paused: false,
    accessLevel: 'not_protected',
    maximumTimeout: '',
    maintenanceNote: '',
    executor: 'shell',
    shell: '',
    dockerImage: '',
    dockerPrivileged: false,
    dockerPullPolicy: '',
    dockerVolumes: '',
    kubernetesNamespace: '',
    kubernetesImage: '',
    kubernetesPrivileged: false,
    limitMode: 'per_machine',
    limit: '',
    unlimited: true,
    requestConcurrency: '',
    target: 'machines',
    machineIds: [],
    labelSelectors: [],
  };
}

/**
 * The inputs of the form, by the contract path each one edits. Errors below a key (`tags.2`) belong to its input;
 * anything else (an executor setting the form has no input for) is shown with its path in the summary.
 */
export const REGISTER_FIELDS = {
  gitlabInstanceId: 'gitlabInstanceId',
  runnerType: 'runnerType',
  groupId: 'groupId',
  projectId: 'projectId',
  description: 'description',
  tags: 'tags',
  runUntagged: 'runUntagged',
  accessLevel: 'accessLevel',
  maximumTimeout: 'maximumTimeout',
  maintenanceNote: 'maintenanceNote',
  executor: 'executor',
  shell: 'executor.settings.shell',
  dockerImage: 'executor.settings.docker.image',
  dockerPrivileged: 'executor.settings.docker.privileged',
  dockerPullPolicy: 'executor.settings.docker.pull_policy',
  dockerVolumes: 'executor.settings.docker.volumes',
  kubernetesNamespace: 'executor.settings.kubernetes.namespace',
  kubernetesImage: 'executor.settings.kubernetes.image',
  kubernetesPrivileged: 'executor.settings.kubernetes.privileged',
  limitMode: 'limits.limitMode',
  limit: 'limits.limit',
  requestConcurrency: 'limits.requestConcurrency',
  machines: 'machines',
} as const;
export type RegisterFieldKey = (typeof REGISTER_FIELDS)[keyof typeof REGISTER_FIELDS];

const underFields = pathsUnder(Object.values(REGISTER_FIELDS));

/**
 * An executor setting the form has no input for (the API checks every gitlab-runner key) is not the executor
 * choice's fault: it goes to the summary with its path instead of onto the executor radios.
 */
export function resolveRegisterField(path: string): string | undefined {
  const key = underFields(path);
  return key === 'executor' && path.startsWith('executor.settings') ? undefined : key;
}

/** Which value each input key is built from, so editing a value clears the server's message for its input. */
export const FIELD_OF_VALUE: Partial<Record<keyof RegisterValues, RegisterFieldKey[]>> = {
  gitlabInstanceId: ['gitlabInstanceId'],
  runnerType: ['runnerType', 'groupId', 'projectId'],
  ownerId: ['groupId', 'projectId'],
  description: ['description'],
  tags: ['tags', 'runUntagged'],
  runUntagged: ['runUntagged'],
  accessLevel: ['accessLevel'],
  maximumTimeout: ['maximumTimeout'],
  maintenanceNote: ['maintenanceNote'],
  executor: ['executor'],
  shell: ['executor.settings.shell'],
  dockerImage: ['executor.settings.docker.image'],
  dockerPrivileged: ['executor.settings.docker.privileged'],
  dockerPullPolicy: ['executor.settings.docker.pull_policy'],
  dockerVolumes: ['executor.settings.docker.volumes'],
  kubernetesNamespace: ['executor.settings.kubernetes.namespace'],
  kubernetesImage: ['executor.settings.kubernetes.image'],
  kubernetesPrivileged: ['executor.settings.kubernetes.privileged'],
  limitMode: ['limits.limitMode', 'limits.limit'],
  limit: ['limits.limit'],
  unlimited: ['limits.limit'],
  requestConcurrency: ['limits.requestConcurrency'],
  target: ['machines'],
  machineIds: ['machines'],
  labelSelectors: ['machines'],
};

const WHOLE_NUMBER = /^\d+$/;

/** Digits become a number; anything else NaN, which the contract refuses with a message reworded below. */
function toNumber(text: string): number {
  return WHOLE_NUMBER.test(text.trim()) ? Number(text.trim()) : Number.NaN;
}

function optionalNumber(text: string): number | null {
  return text.trim() === '' ? null : toNumber(text);
}

function executorOf(values: RegisterValues): unknown {
  switch (values.executor) {
    case 'shell':
      return { name: 'shell', settings: values.shell ? { shell: values.shell } : {} };
    case 'docker': {
      const volumes = values.dockerVolumes
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
      return {
        name: 'docker',
        settings: {
          docker: {
            image: values.dockerImage,
            ...(values.dockerPrivileged && { privileged: true }),
            ...(values.dockerPullPolicy && { pull_policy: values.dockerPullPolicy }),
            ...(volumes.length > 0 && { volumes }),
          },
        },
      };
    }
    case 'kubernetes': {
      const namespace = values.kubernetesNamespace.trim();
      const image = values.kubernetesImage.trim();
      return {
        name: 'kubernetes',
        settings: {
          kubernetes: {
            ...(namespace && { namespace }),
            ...(image && { image }),
            ...(values.kubernetesPrivileged && { privileged: true }),
          },
        },
      };
    }
  }
}

/** The request body for the values, before the contract has judged it. */
export function rawBody(values: RegisterValues): unknown {
  const owner = values.ownerId.trim() === '' ? undefined : toNumber(values.ownerId);
  const perMachine = values.limitMode === 'per_machine';
  return {
    gitlabInstanceId: values.gitlabInstanceId,
    runnerType: values.runnerType,
    ...(values.runnerType === 'group_type' && owner !== undefined && { groupId: owner }),
    ...(values.runnerType === 'project_type' && owner !== undefined && { projectId: owner }),
    description: values.description,
    tags: values.tags,
    runUntagged: values.runUntagged,
    locked: values.runnerType === 'project_type' ? values.locked : false,
    paused: values.paused,
    accessLevel: values.accessLevel,
    maximumTimeout: optionalNumber(values.maximumTimeout),
    maintenanceNote: values.maintenanceNote.trim() === '' ? null : values.maintenanceNote,
    executor: executorOf(values),
    limits: {
      limitMode: values.limitMode,
      limit: perMachine && values.unlimited ? null : optionalNumber(values.limit),
      requestConcurrency: optionalNumber(values.requestConcurrency),
    },
    machines: values.target === 'machines' ? { ids: values.machineIds } : { labels: values.labelSelectors },
  };
}

function friendlyMessage(issue: z.core.$ZodIssue): string {
  const path = issue.path.join('.');
  if (issue.code === 'invalid_type' && issue.expected === 'number') return 'Enter a whole number';
  if (issue.code === 'invalid_format' && path === 'gitlabInstanceId') return 'Choose a GitLab instance';
  if (path === 'machines.ids' && issue.code === 'too_small') return 'Choose at least one machine';
  if (path === 'machines.labels' && issue.code === 'too_small') return 'Add at least one label selector';
  if (path === 'maximumTimeout' && issue.code === 'too_small') return 'At least 600 seconds (10 minutes)';
  return issue.message;
}

export type BuildResult =
  { body: RegisterRunnerBody; errors?: undefined } | { body?: undefined; errors: FormErrors };

/** The checked body, or the contract's complaints keyed by input. */
export function buildRegisterBody(values: RegisterValues): BuildResult {
  const parsed = RegisterRunnerBody.safeParse(rawBody(values));
  if (parsed.success) return { body: parsed.data };
  return {
    errors: formErrorsFromIssues(parsed.error.issues, {
      field: resolveRegisterField,
      message: friendlyMessage,
    }),
  };
}
