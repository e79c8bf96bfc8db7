/**
 * TOML injection: strings that would open a table, add a key or end a string if config.toml were written by
 * string concatenation, placed in every field of a runner registration that reaches config.toml, and in every
 * string of a desired model the renderer writes (global settings included, which no API sets today). A string is
 * either refused (4xx, or a RenderError at the render layer) or written so that the file parses back to exactly the
 * intended structure with the string intact.
 */

export interface Injection {
  name: string;
  value: string;
  /** text Paddock cannot store (Postgres holds neither NUL nor unpaired surrogates): the API must refuse it */
  unstorable?: boolean;
}

export const INJECTIONS: Injection[] = [
  { name: 'a new [[runners]] entry', value: '\n[[runners]]\ntoken = "glrt-injected"\n' },
  { name: 'a closed string and a key', value: 'a"\nprivileged = true\n#' },
  { name: "a literal string's quotes", value: "'''\n[session_server]\nlisten_address = '0.0.0.0:8093'\n'''" },
  { name: 'a multi-line basic string', value: '"""\n[runners.docker]\nprivileged = true\n"""' },
  { name: 'CRLF and a sub-table', value: 'x\r\n[runners.docker]\r\nprivileged = true' },
  { name: 'Unicode line and paragraph separators', value: 'a\u2028[[runners]]\u2029b\u0085c' },
  { name: 'backslashes and escape look-alikes', value: 'C:\\builds\\n\\u0000\\"quoted\\"' },
  { name: 'DEL, ESC and other controls', value: 'a\u007f\u001b[31mred\b\f\tb\u000b' },
  { name: 'a table header alone', value: '[runners.kubernetes]' },
  { name: 'a comment with an assignment', value: '# concurrent = 1000' },
  { name: 'an inline table', value: '{ privileged = true }' },
  { name: 'a NUL character', value: 'before\u0000[[runners]]', unstorable: true },
  { name: 'an unpaired surrogate', value: 'x\ud800y', unstorable: true },
];

/** A parsed `[[runners]]` entry, and its sub-tables. */
type Entry = Record<string, unknown>;
const sub = (entry: Entry, key: string) => entry[key] as Entry;

/** How one registration field is filled from an injection and read back from the parsed `[[runners]]` entry. */
export interface RegistrationField {
  name: string;
  executor: 'docker' | 'kubernetes' | 'shell';
  /** the registration body's parts that carry the string */
  body(value: string): {
    description?: string;
    executor: { name: string; settings: Record<string, unknown> };
  };
  /** the value as config.toml must hold it, from the parsed runner entry */
  read(entry: Entry): unknown;
  /** what the API stores for `value` (some fields are trimmed) */
  stored(value: string): unknown;
  /** the keys the `[[runners]]` entry has, besides the ones Paddock always writes */
  keys: string[];
}

const docker = (extra: Record<string, unknown> = {}, runner: Record<string, unknown> = {}) => ({
  name: 'docker',
  settings: { docker: { image: 'alpine:3.20', ...extra }, ...runner },
});

export const REGISTRATION_FIELDS: RegistrationField[] = [
  {
    name: 'description (the runner name)',
    executor: 'docker',
    body: (v) => ({ description: `ci ${v} end`, executor: docker() }),
    read: (e) => e.name,
    stored: (v) => `ci ${v} end`,
    keys: ['docker'],
  },
  {
    name: 'docker image',
    executor: 'docker',
    body: (v) => ({ executor: { name: 'docker', settings: { docker: { image: `img ${v} end` } } } }),
    read: (e) => sub(e, 'docker').image,
    stored: (v) => `img ${v} end`,
    keys: ['docker'],
  },
  {
    name: 'docker volumes',
    executor: 'docker',
    body: (v) => ({ executor: docker({ volumes: ['/cache', v] }) }),
    read: (e) => sub(e, 'docker').volumes,
    stored: (v) => ['/cache', v],
    keys: ['docker'],
  },
  {
    name: 'environment',
    executor: 'docker',
    body: (v) => ({ executor: docker({}, { environment: [`GREETING=${v}`] }) }),
    read: (e) => e.environment,
    stored: (v) => [`GREETING=${v}`],
    keys: ['docker', 'environment'],
  },
  {
    name: 'pre_build_script',
    executor: 'docker',
    body: (v) => ({ executor: docker({}, { pre_build_script: v }) }),
    read: (e) => e.pre_build_script,
    stored: (v) => v,
    keys: ['docker', 'pre_build_script'],
  },
  {
    name: 'shell builds_dir',
    executor: 'shell',
    body: (v) => ({ executor: { name: 'shell', settings: { shell: 'bash', builds_dir: v } } }),
    read: (e) => e.builds_dir,
    stored: (v) => v,
    keys: ['shell', 'builds_dir'],
  },
  {
    name: 'kubernetes namespace',
    executor: 'kubernetes',
    body: (v) => ({
      executor: { name: 'kubernetes', settings: { kubernetes: { namespace: `ns ${v} end` } } },
    }),
    read: (e) => sub(e, 'kubernetes').namespace,
    stored: (v) => `ns ${v} end`,
    keys: ['kubernetes'],
  },
];

/** The keys Paddock writes in every `[[runners]]` entry (see apps/api/src/modules/revisions/render.ts). */
export const PADDOCK_RUNNER_KEYS = [
  'name',
  'url',
  'id',
  'token',
  'token_obtained_at',
  'token_expires_at',
  'executor',
];
