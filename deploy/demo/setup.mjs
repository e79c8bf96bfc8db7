// The compose demo's one-off setup (service `demo-setup`, profile `demo`), through Paddock's REST API like a
// person would, via the load balancer:
//   1. connect the simulated GitLab (service `gitlab-sim`);
//   2. make an enrollment token for the demo hosts and leave it in TOKEN_FILE, where host.sh picks it up;
//   3. once the demo hosts are online, register a runner on all of them (a fleet budget of jobs).
// Safe to run again: what already exists is kept (a host enrolled before keeps its credential).
//
// Environment: PADDOCK_URL, GITLAB_URL, GITLAB_TOKEN, PADDOCK_ADMIN_EMAIL, PADDOCK_ADMIN_PASSWORD, DEMO_HOSTS,
// TOKEN_FILE. Exit code 0 when the demo is set up, 1 otherwise (compose restarts it on failure).
import { rename, writeFile } from 'node:fs/promises';

const env = process.env;
const PADDOCK_URL = (env.PADDOCK_URL ?? 'http://lb:8080').replace(/\/+$/, '');
const GITLAB_URL = env.GITLAB_URL ?? 'http://gitlab-sim:8929';
const GITLAB_NAME = 'Demo GitLab (compose, simulated)';
const RUNNER_DESCRIPTION = 'demo-docker';
const HOSTS = Number(env.DEMO_HOSTS ?? '3');
const TOKEN_FILE = env.TOKEN_FILE ?? '/var/lib/paddock/demo-enrollment-token';

const log = (message) => console.log(`demo-setup: ${message}`);

function fail(message) {
  console.error(`demo-setup: ${message}`);
  process.exit(1);
}

/** Polls `check` every two seconds until it returns a value, or fails after `seconds`. */
async function waitFor(what, seconds, check) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) fail(`gave up waiting for ${what} after ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

if (!env.PADDOCK_ADMIN_EMAIL || !env.PADDOCK_ADMIN_PASSWORD || !env.GITLAB_TOKEN) {
  fail(
    'set PADDOCK_ADMIN_EMAIL and PADDOCK_ADMIN_PASSWORD in .env (an admin of this Paddock), and GITLAB_TOKEN',
  );
}

await waitFor('Paddock to be ready', 300, async () => (await fetch(`${PADDOCK_URL}/readyz`)).ok);
await waitFor('the simulated GitLab', 120, async () => {
  const res = await fetch(`${GITLAB_URL}/api/v4/version`, { headers: { 'private-token': env.GITLAB_TOKEN } });
  return res.ok;
});

// A session, as the web app has one: the cookie, and the CSRF token every change carries.
const login = await fetch(`${PADDOCK_URL}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: env.PADDOCK_ADMIN_EMAIL, password: env.PADDOCK_ADMIN_PASSWORD }),
});
if (login.status !== 200) {
  fail(`signing in as ${env.PADDOCK_ADMIN_EMAIL} answered ${login.status}: ${await login.text()}`);
}
const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
const { csrfToken } = await login.json();

async function api(method, path, body) {
  const res = await fetch(`${PADDOCK_URL}/api/v1${path}`, {
    method,
    headers: {
      cookie,
      'x-csrf-token': csrfToken,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await res.json().catch(() => null);
  if (!res.ok) fail(`${method} ${path} answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer;
}

// 1. The simulated GitLab. It keeps everything in memory: after it restarts, its new token is stored again.
const connection = { url: GITLAB_URL, accessToken: env.GITLAB_TOKEN };
const existing = (await api('GET', '/gitlab-instances')).items.find((i) => i.name === GITLAB_NAME);
const gitlab = existing
  ? await api('PATCH', `/gitlab-instances/${existing.id}`, connection)
  : await api('POST', '/gitlab-instances', { name: GITLAB_NAME, ...connection });
log(`GitLab connected: ${GITLAB_URL}`);

// 2. One token for every demo host, written whole or not at all (a host never reads half a token).
const enrollment = await api('POST', '/enrollment-tokens', {
  name: 'Demo hosts (compose)',
  maxUses: HOSTS,
  labels: { demo: 'true' },
});
await writeFile(`${TOKEN_FILE}.tmp`, `${enrollment.token}\n`, { mode: 0o644 });
await rename(`${TOKEN_FILE}.tmp`, TOKEN_FILE);
log(`enrollment token for ${HOSTS} hosts written to ${TOKEN_FILE}`);

// 3. A runner on every demo host, once they are all there.
await waitFor(`${HOSTS} demo hosts online`, 300, async () => {
  const page = await api('GET', '/machines?label=demo%3Dtrue&status=online&limit=1');
  return page.total >= HOSTS;
});
const runners = await api(
  'GET',
  `/runners?gitlabInstanceId=${gitlab.id}&q=${encodeURIComponent(RUNNER_DESCRIPTION)}&limit=1`,
);
if (runners.total === 0) {
  await api('POST', '/runners', {
    gitlabInstanceId: gitlab.id,
    runnerType: 'instance_type',
    description: RUNNER_DESCRIPTION,
    tags: ['docker', 'linux', 'postgres'],
    runUntagged: true,
    executor: { name: 'docker', settings: { docker: { image: 'alpine:3.20' } } },
    limits: { limitMode: 'fleet_budget', limit: 2 * HOSTS, requestConcurrency: 2 },
    machines: { labels: ['demo=true'] },
  });
  log(`runner ${RUNNER_DESCRIPTION} registered on the demo hosts`);
}
// Read the GitLab now rather than at the next interval; a failure here only delays what the pages show.
await fetch(`${PADDOCK_URL}/api/v1/gitlab-instances/${gitlab.id}/sync`, {
  method: 'POST',
  headers: { cookie, 'x-csrf-token': csrfToken },
}).catch(() => undefined);
log(`done: open ${env.PADDOCK_PUBLIC_URL ?? 'Paddock'} and sign in as ${env.PADDOCK_ADMIN_EMAIL}`);
