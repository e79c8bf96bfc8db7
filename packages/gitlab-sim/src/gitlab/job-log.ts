/**
 * A job log as gitlab-runner writes it: ANSI colours and collapsible sections, each opened with
 * `section_start:<unix time>:<name>\r\e[0K<title>` and closed with `section_end:<unix time>:<name>\r\e[0K`, in
 * gitlab-runner's section names (prepare_executor, prepare_script, get_sources, step_script,
 * cleanup_file_variables). The same job gives the same log.
 */
import { Random } from './random.js';

export interface JobLogInput {
  readonly jobId: number;
  readonly image: string;
  readonly script: readonly string[];
  readonly outcome: 'success' | 'failed';
  readonly startedAt: Date;
  readonly durationSeconds: number;
  readonly runnerDescription?: string;
  readonly runnerVersion?: string;
}

const ESC = '\x1b';
const CLEAR = `${ESC}[0K`;
const RESET = `${ESC}[0;m`;
const BOLD_CYAN = `${ESC}[36;1m`;
const BOLD_GREEN = `${ESC}[32;1m`;
const BOLD_RED = `${ESC}[31;1m`;

/** The log split into the pieces a runner would send as time goes by, with the second each piece is due. */
export interface LogPiece {
  readonly atSecond: number;
  readonly text: string;
}

export function buildJobLog(input: JobLogInput): LogPiece[] {
  const random = new Random(input.jobId);
  const t0 = Math.floor(input.startedAt.getTime() / 1000);
  const total = Math.max(1, Math.round(input.durationSeconds));
  // Where each section starts, as a share of the run time: most of it goes to the script.
  const at = (share: number): number => Math.round(total * share);
  const pieces: LogPiece[] = [];
  const section = (name: string, title: string, from: number, to: number, body: string[]): void => {
    pieces.push({
      atSecond: from,
      text: `section_start:${t0 + from}:${name}\r${CLEAR}${CLEAR}${BOLD_CYAN}${title}${RESET}\n${body.join('')}`,
    });
    pieces.push({ atSecond: to, text: `section_end:${t0 + to}:${name}\r${CLEAR}` });
  };

  pieces.push({
    atSecond: 0,
    text: `${CLEAR}Running with gitlab-runner ${input.runnerVersion ?? '19.4.0'} (d79f3e7b)${RESET}\n${CLEAR}  on ${input.runnerDescription ?? 'paddock-sim'}${RESET}\n`,
  });
  section('prepare_executor', 'Preparing the "docker" executor', 0, at(0.05), [
    `Using Docker executor with image ${input.image} ...\n`,
    `Pulling docker image ${input.image} ...\n`,
    `Using docker image sha256:${random.hex(64)} for ${input.image} ...\n`,
  ]);
  section('prepare_script', 'Preparing environment', at(0.05), at(0.08), [
    `Running on runner-${random.string(8)} via ${random.hex(12)}...\n`,
  ]);
  section('get_sources', 'Getting source from Git repository', at(0.08), at(0.15), [
    `${BOLD_GREEN}Fetching changes with git depth set to 20...${RESET}\n`,
    `Initialized empty Git repository in /builds/project/.git/\n`,
    `${BOLD_GREEN}Checking out ${random.hex(8)} as detached HEAD...${RESET}\n`,
  ]);

  const scriptStart = at(0.15);
  const scriptEnd = at(0.95);
  const scriptBody: string[] = [];
  const perCommand = (scriptEnd - scriptStart) / Math.max(1, input.script.length);
  pieces.push({
    atSecond: scriptStart,
    text: `section_start:${t0 + scriptStart}:step_script\r${CLEAR}${CLEAR}${BOLD_CYAN}Executing "step_script" stage of the job script${RESET}\n`,
  });
  input.script.forEach((command, i) => {
    const lines = [`${BOLD_GREEN}$ ${command}${RESET}\n`];
    for (let n = random.int(1, 4); n > 0; n--)
      lines.push(`${random.pick(OUTPUT_LINES)} (${random.int(1, 999)} ms)\n`);
    scriptBody.push(...lines);
    pieces.push({ atSecond: Math.round(scriptStart + perCommand * i), text: lines.join('') });
  });
  pieces.push({ atSecond: scriptEnd, text: `section_end:${t0 + scriptEnd}:step_script\r${CLEAR}` });
  section(
    'cleanup_file_variables',
    'Cleaning up project directory and file based variables',
    scriptEnd,
    total,
    [],
  );
  pieces.push({
    atSecond: total,
    text:
      input.outcome === 'success'
        ? `${CLEAR}${BOLD_GREEN}Job succeeded${RESET}\n`
        : `${CLEAR}${BOLD_RED}ERROR: Job failed: exit code 1${RESET}\n`,
  });
  return pieces.sort((a, b) => a.atSecond - b.atSecond);
}

const OUTPUT_LINES = [
  'resolving dependencies',
  'compiling modules',
  'running checks',
  'writing cache',
  'all assertions passed',
  'collecting results',
  'uploading report',
];
