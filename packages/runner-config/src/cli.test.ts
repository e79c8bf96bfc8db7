import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, USAGE, type CliIo } from './cli-main.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const docker = readFileSync(join(fixtures, 'docker.toml'), 'utf8');

/** Runs the CLI against in-memory files; returns exit code and output. */
async function run(argv: string[], files: Record<string, string | Uint8Array> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    readFile: async (path) => {
      const content = files[path];
      if (content === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return typeof content === 'string' ? new TextEncoder().encode(content) : content;
    },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('paddock-config check', () => {
  it('exits 0 for a config gitlab-runner would load and run', async () => {
    expect(await run(['check', 'c.toml'], { 'c.toml': docker })).toEqual({
      code: 0,
      stdout: 'ok: gitlab-runner would load and run c.toml\n',
      stderr: '',
    });
  });

  it('exits 1 and prints one path: message line per problem, warnings included', async () => {
    const text = docker
      .replace('concurrent = 10', 'concurrent = 0')
      .replace('limit = 4', 'limit = 4\n  limt = 5');
    const result = await run(['check', 'c.toml'], { 'c.toml': text });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      [
        'runners[0].limt: unknown key: `gitlab-runner lint` rejects it (`gitlab-runner run` ignores it)',
        'concurrent: concurrent = 0: gitlab-runner exits (fatal) because no job could ever run',
        '',
      ].join('\n'),
    );
  });

  it('passes with warnings only', async () => {
    const result = await run(['check', 'c.toml'], {
      'c.toml': docker.replace('request_concurrency = 2\n', ''),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^runners\[0\]\.request_concurrency: warning: request_concurrency is 1/);
    expect(result.stdout).toMatch(/ok: gitlab-runner would load and run c\.toml \(1 warning\)\n$/);
  });

  it('exits 1 for a file that is not TOML, naming the file', async () => {
    const result = await run(['check', 'c.toml'], { 'c.toml': 'concurrent = \n' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^c\.toml: TOML syntax error at line 1, column \d+: /);
  });

  it('says clearly when a file is missing, not UTF-8, or a directory', async () => {
    expect(await run(['check', 'nope.toml'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'paddock-config: cannot read nope.toml: no such file\n',
    });
    const latin1 = await run(['check', 'l.toml'], {
      'l.toml': new Uint8Array([0x6e, 0x61, 0x6d, 0x65, 0xe9]),
    });
    expect(latin1.stderr).toBe(
      'paddock-config: cannot read l.toml: it is not valid UTF-8 (gitlab-runner needs UTF-8)\n',
    );
    expect(latin1.code).toBe(2);
  });
});

describe('paddock-config fmt', () => {
  it('prints the canonical rendering', async () => {
    const messy = '# hand-written\n[[runners]]\nexecutor="shell"\nname = \'a\'\n\n\nconcurrent_not = 1\n';
    expect(await run(['fmt', 'm.toml'], { 'm.toml': messy })).toEqual({
      code: 0,
      stdout: '[[runners]]\n  name = "a"\n  executor = "shell"\n  concurrent_not = 1\n',
      stderr: '',
    });
    expect((await run(['fmt', 'd.toml'], { 'd.toml': docker })).stdout).toBe(docker);
  });

  it('exits 1 with the problems when the file does not parse', async () => {
    const result = await run(['fmt', 'x.toml'], { 'x.toml': 'concurrent = "4"\n' });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'concurrent: expected an integer, found a string\n',
    });
  });
});

describe('paddock-config diff', () => {
  it('exits 0 when gitlab-runner behaves the same with both', async () => {
    const reformatted = docker.replace('pull_policy = ["if-not-present"]', 'pull_policy = "if-not-present"');
    expect(await run(['diff', 'a', 'b'], { a: docker, b: reformatted })).toEqual({
      code: 0,
      stdout: 'same: gitlab-runner behaves the same with both files\n',
      stderr: '',
    });
  });

  it('lists changes with before → after and masks tokens to their last four characters', async () => {
    const changed = docker
      .replace('limit = 4', 'limit = 6')
      .replace('token = "glrt-t1_pQ7vN2xK9mR4sL8wZ3cY"', 'token = "glrt-t1_NEWTOKENvalue9876"');
    const result = await run(['diff', 'a', 'b'], { a: docker, b: changed });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('runners[0].limit: 4 → 6\nrunners[0].token: …Z3cY → …9876\n');
    expect(result.stdout).not.toContain('pQ7vN2xK9');
  });

  it('masks secrets inside whole sections too', async () => {
    const added = `${docker}\n[[runners]]\n  token = "glrt-secret-abcd"\n  executor = "shell"\n`;
    const result = await run(['diff', 'a', 'b'], { a: docker, b: added });
    expect(result.stdout).toBe('runners[1]: (absent) → {"token":"…abcd","executor":"shell"}\n');
  });

  it('notes a rotation done by gitlab-runner itself', async () => {
    const rotated = docker
      .replace('token = "glrt-t1_pQ7vN2xK9mR4sL8wZ3cY"', 'token = "glrt-t1_rotatedTokenWXYZ"')
      .replace(
        'token_obtained_at = 2025-06-01T12:00:00.123456789Z',
        'token_obtained_at = 2025-07-01T00:00:00.5Z',
      );
    const result = await run(['diff', 'a', 'b'], { a: docker, b: rotated });
    expect(result.stdout).toBe(
      [
        'runners[0].token: …Z3cY → …WXYZ',
        'runners[0].token_obtained_at: "2025-06-01T12:00:00.123456789Z" → "2025-07-01T00:00:00.5Z"',
        '(only token rotation, as gitlab-runner does it itself)',
        '',
      ].join('\n'),
    );
  });

  it('exits 2 when a file cannot be compared', async () => {
    const result = await run(['diff', 'a', 'b'], { a: docker, b: '[[runners]\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^b: TOML syntax error .*\npaddock-config: cannot compare: b does not parse\n$/,
    );
  });
});

describe('paddock-config usage', () => {
  it.each([[[]], [['check']], [['check', 'a', 'b']], [['diff', 'a']], [['lint', 'a']], [['fmt', '--write']]])(
    '%j exits 2 with the usage on stderr',
    async (argv) => {
      const result = await run(argv);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(USAGE);
    },
  );

  it('prints help on request', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, stdout: USAGE, stderr: '' });
  });
});

const builtCli = join(import.meta.dirname, '..', 'dist', 'cli.js');

describe.skipIf(!existsSync(builtCli))('the built executable', () => {
  it('runs check on a fixture and exits with its code', () => {
    const out = execFileSync(process.execPath, [builtCli, 'check', join(fixtures, 'kubernetes.toml')], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/^ok: gitlab-runner would load and run /);
    let status = 0;
    try {
      execFileSync(process.execPath, [builtCli, 'frobnicate'], { stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
    }
    expect(status).toBe(2);
  });
});
