/**
 * What the agent needs to know about config.toml's *content*, as one small interface. The real implementation
 * (compare.ts) is the only file that touches @paddock/runner-config; everything else, and every test, goes
 * through this seam.
 */
import type { RunnerRef, TokenRotated } from '@paddock/protocol';

export interface ConfigProblem {
  /** dotted path such as `runners[0].executor`, or '' for the whole file */
  path: string;
  message: string;
}

export type RotatedTokenFields = TokenRotated['tokens'][number];

/** How the file on disk differs from the applied revision, by value. */
export type ConfigDifference =
  /** equal once gitlab-runner's defaults and normalisations are ignored */
  | { kind: 'same' }
  /** only runner token fields changed: gitlab-runner rotated tokens itself */
  | { kind: 'tokenRotation'; tokens: RotatedTokenFields[] }
  /** anything else; `paths` is never empty */
  | { kind: 'drift'; paths: string[] };

export interface ConfigRunner {
  ref: RunnerRef;
  token: string;
  name: string | null;
}

/** The few facts of a config the agent uses itself. */
export interface ConfigFacts {
  /** top-level `listen_address`; undefined when the key is absent, '' when explicitly empty */
  listenAddress: string | undefined;
  runners: ConfigRunner[];
}

export interface ConfigComparer {
  /** Problems that would make gitlab-runner refuse or misread `text`; empty when it is acceptable. */
  validate(text: string): ConfigProblem[];
  /** Compares the applied revision's text with the text now on disk. Never throws. */
  compare(appliedText: string, diskText: string): ConfigDifference;
  /** The facts of `text`, or null when it cannot be parsed. */
  inspect(text: string): ConfigFacts | null;
}
