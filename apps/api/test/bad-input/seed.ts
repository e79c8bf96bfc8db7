/**
 * Realistic state for the bad-input corpus: a GitLab (the simulator), machines, a runner with a token assigned to
 * a machine with a rendered revision, people, a browser session, enrollment and display tokens, and an agent
 * enrolled through the API.
 */
import type { GitlabSimulator } from '@paddock/gitlab-sim';
import { csrfTokenFor } from '../../src/modules/auth/auth.service.js';
import { hashToken, generateToken } from '../../src/lib/tokens.js';
import { hashPassword } from '../../src/lib/passwords.js';
import { factories } from '../support/factories.js';
import type { TestContext } from '../support/test-db.js';
import type { Seed } from './types.js';

const sessionToken = generateToken('session');
const sessionCsrf = csrfTokenFor(sessionToken);

export const SEED: Seed = {
  gitlabInstanceId: '01900000-0000-7000-8000-0000000000a1',
  machineId: '01900000-0000-7000-8000-0000000000b1',
  runnerId: '01900000-0000-7000-8000-0000000000c1',
  userId: '01900000-0000-7000-8000-0000000000d1',
  session: { cookie: `paddock_session=${sessionToken}`, csrf: sessionCsrf },
  agentSystemId: 's_agent0000001',
  otherSystemId: 's_other0000001',
  unknownId: '01900000-0000-7000-8000-00000000ffff',
};

/** What only exists once the seed ran. */
export interface SeededRuntime {
  agentCredential: string;
  agentMachineId: string;
  displayToken: string;
}

export async function seedDatabase(ctx: TestContext, sim: GitlabSimulator): Promise<SeededRuntime> {
  const { prisma } = ctx.db;
  const f = factories(ctx.db, ctx.secrets);
  await f.gitlabInstance({
    id: SEED.gitlabInstanceId,
    url: sim.url,
    accessTokenCiphertext: ctx.secrets.encrypt(sim.adminToken, 'gitlab-access-token'),
  });
  await f.machine({
    id: SEED.machineId,
    systemId: SEED.otherSystemId,
    labels: { pool: 'docker', region: 'eu' },
  });
  await f.machine({ labels: { pool: 'shell' } });
  await f.runner(SEED.gitlabInstanceId, {
    id: SEED.runnerId,
    executor: 'docker',
    executorSettings: { docker: { image: 'alpine:3.20' } },
    tags: ['docker', 'linux'],
  });
  await f.assign(SEED.runnerId, SEED.machineId);
  await ctx.app.revisions.sync([SEED.machineId], 'seed', { type: 'system', id: null });

  await prisma.user.create({
    data: {
      id: SEED.userId,
      email: 'viewer@example.test',
      role: 'viewer',
      passwordHash: await hashPassword('viewer password 1234'),
    },
  });
  await prisma.session.create({
    data: {
      tokenHash: hashToken(SEED.session.cookie.split('=')[1]!),
      userId: ctx.admin.id,
      csrfHash: hashToken(SEED.session.csrf),
      expiresAt: new Date(Date.now() + 3_600_000),
    },
  });

  const enrollment = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/enrollment-tokens',
    payload: { name: 'bad input', maxUses: 5, labels: { pool: 'agents' } },
  });
  if (enrollment.statusCode !== 201) throw new Error(`enrollment token: ${enrollment.body}`);
  const enrolled = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/agent/enroll',
    headers: { authorization: null } as unknown as Record<string, string>,
    payload: {
      token: enrollment.json().token,
      hostname: 'agent-1',
      systemId: SEED.agentSystemId,
      os: 'linux',
      arch: 'x64',
    },
  });
  if (enrolled.statusCode !== 201) throw new Error(`enroll: ${enrolled.body}`);

  const display = await ctx.app.inject({
    method: 'POST',
    url: '/api/v1/display-tokens',
    payload: { name: 'lobby wall' },
  });
  if (display.statusCode !== 201) throw new Error(`display token: ${display.body}`);

  return {
    agentCredential: enrolled.json().credential,
    agentMachineId: enrolled.json().machineId,
    displayToken: display.json().token,
  };
}
