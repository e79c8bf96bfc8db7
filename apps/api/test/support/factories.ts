/** Rows for tests, written through Prisma with sensible defaults; each call gets unique values. */
import type { Database } from '../../src/db/client.js';
import type { Prisma } from '../../src/db/client.js';
import type { SecretBox } from '../../src/lib/secrets.js';

let seq = 0;
const next = () => ++seq;

export function factories(db: Database, secrets: SecretBox) {
  const { prisma } = db;
  return {
    async gitlabInstance(data: Partial<Prisma.GitlabInstanceUncheckedCreateInput> = {}) {
      const n = next();
      return prisma.gitlabInstance.create({
        data: {
          name: `GitLab ${n}`,
          url: `https://gitlab-${n}.example.com`,
          accessTokenCiphertext: secrets.encrypt(`glpat-test-token-${n}`, 'gitlab-access-token'),
          accessTokenLast4: `t-${n}`.slice(-4),
          ...data,
        },
      });
    },
    async machine(data: Partial<Prisma.MachineUncheckedCreateInput> = {}) {
      const n = next();
      return prisma.machine.create({
        data: {
          hostname: `host-${String(n).padStart(4, '0')}`,
          systemId: `s_${String(n).padStart(12, '0')}`,
          ...data,
        },
      });
    },
    async runner(
      gitlabInstanceId: string,
      data: Partial<Prisma.RunnerUncheckedCreateInput> = {},
      token: string | null = `glrt-t1_token${String(next()).padStart(12, '0')}`,
    ) {
      const n = next();
      return prisma.runner.create({
        data: {
          gitlabInstanceId,
          gitlabRunnerId: 1000 + n,
          runnerType: 'instance_type',
          description: `runner ${n}`,
          ...data,
          ...(token && {
            token: {
              create: {
                ciphertext: secrets.encrypt(token, 'runner-token'),
                last4: token.slice(-4),
                obtainedAt: new Date('2026-01-01T00:00:00Z'),
                limitValue: 4,
              },
            },
          }),
        },
      });
    },
    assign: (
      runnerId: string,
      machineId: string,
      data: Partial<Prisma.AssignmentUncheckedCreateInput> = {},
    ) => prisma.assignment.create({ data: { runnerId, machineId, ...data } }),
  };
}
