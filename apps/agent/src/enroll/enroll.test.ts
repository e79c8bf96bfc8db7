import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, readBody, startHttpServer, type TestServer } from '../../test/support/http-server.js';
import { memoryLogger } from '../../test/support/memory-logger.js';
import { AGENT_VERSION } from '../version.js';
import { enroll, EnrollError, type EnrollOptions } from './enroll.js';

const MACHINE_ID = '0190f3a4-7b1c-7d2e-8f3a-1234567890ab';
const TOKEN = 'pde_0123456789abcdef0123';

let dir: string;
let server: TestServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paddock-enroll-'));
  await writeFile(join(dir, 'machine-id'), '0123456789abcdef0123456789abcdef\n');
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

function options(overrides: Partial<EnrollOptions> = {}): EnrollOptions {
  return {
    server: server?.url ?? 'http://127.0.0.1:1',
    token: TOKEN,
    stateDir: join(dir, 'state'),
    configPath: join(dir, 'gitlab-runner', 'config.toml'),
    force: false,
    machineIdPaths: [join(dir, 'machine-id')],
    hostname: 'build-7',
    ...overrides,
  };
}

function paddock(status: number, body: unknown, contentType = 'application/json') {
  const requests: { method?: string; url?: string; headers: Record<string, unknown>; body: unknown }[] = [];
  return {
    requests,
    start: async () => {
      server = await startHttpServer((req, res) => {
        void readBody(req).then((text) => {
          requests.push({ method: req.method, url: req.url, headers: req.headers, body: JSON.parse(text) });
          res.statusCode = status;
          res.setHeader('content-type', contentType);
          res.end(typeof body === 'string' ? body : JSON.stringify(body));
        });
      });
    },
  };
}

describe('enroll', () => {
  it('sends the machine facts and stores the credential with mode 0600', async () => {
    const api = paddock(201, { machineId: MACHINE_ID, credential: 'pac_secret', agentPath: '/agent' });
    await api.start();
    const logger = memoryLogger();
    const result = await enroll(options({ logger }));

    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]).toMatchObject({
      method: 'POST',
      url: '/api/v1/agent/enroll',
      headers: { 'content-type': 'application/json' },
      body: {
        token: TOKEN,
        hostname: 'build-7',
        systemId: 's_ee3af03959fe',
        os: process.platform,
        arch: process.arch,
        agentVersion: AGENT_VERSION,
      },
    });
    expect(result).toMatchObject({ machineId: MACHINE_ID, systemId: 's_ee3af03959fe', replaced: false });
    const stored = JSON.parse(await readFile(result.credentialPath, 'utf8')) as unknown;
    expect(stored).toEqual({ server: server?.url, machineId: MACHINE_ID, credential: 'pac_secret' });
    expect((await stat(result.credentialPath)).mode & 0o777).toBe(0o600);
    // gitlab-runner will find the same system_id beside config.toml.
    expect(await readFile(join(dir, 'gitlab-runner', '.runner_system_id'), 'utf8')).toBe('s_ee3af03959fe');
    expect(logger.lines.join('\n')).not.toContain('pac_secret');
    expect(logger.lines.join('\n')).not.toContain(TOKEN);
  });

  it('prints the problem title, detail and field errors of a refusal', async () => {
    await paddock(
      401,
      {
        type: 'urn:paddock:problem:unauthorized',
        title: 'Invalid enrollment token',
        status: 401,
        code: 'unauthorized',
        detail: 'The token is unknown, revoked, expired or used up.',
      },
      'application/problem+json',
    ).start();
    await expect(enroll(options())).rejects.toThrow(
      'enrollment refused (HTTP 401): Invalid enrollment token: The token is unknown, revoked, expired or used up.',
    );
  });

  it('lists field errors of a validation problem', async () => {
    await paddock(400, {
      title: 'Invalid request',
      status: 400,
      code: 'validation_failed',
      errors: [{ path: 'body.hostname', message: 'too long', code: 'too_big' }],
    }).start();
    await expect(enroll(options())).rejects.toThrow(
      /HTTP 400\): Invalid request\n {2}- body.hostname: too long/,
    );
  });

  it('explains a server error without a problem body, and a non-Paddock answer', async () => {
    await paddock(502, '<html>bad gateway</html>', 'text/html').start();
    await expect(enroll(options())).rejects.toThrow(/HTTP 502.*try again later/);
    await server?.close();
    await paddock(200, '<html>hello</html>', 'text/html').start();
    await expect(enroll(options())).rejects.toThrow(/is this a Paddock server/);
  });

  it('says when the server cannot be reached', async () => {
    const port = await closedPort();
    await expect(enroll(options({ server: `http://127.0.0.1:${port}` }))).rejects.toThrow(
      new RegExp(`cannot reach http://127.0.0.1:${port}: ECONNREFUSED`),
    );
  });

  it('refuses to replace an existing credential unless forced', async () => {
    const api = paddock(201, { machineId: MACHINE_ID, credential: 'first', agentPath: '/agent' });
    await api.start();
    await enroll(options());
    const again = enroll(options());
    await expect(again).rejects.toThrow(EnrollError);
    await expect(enroll(options())).rejects.toThrow(/already enrolled to .* as machine 0190f3a4.*--force/);
    expect(api.requests).toHaveLength(1);
    const forced = await enroll(options({ force: true }));
    expect(forced.replaced).toBe(true);
    expect(api.requests).toHaveLength(2);
  });
});
