/** Seeds a fleet of machines, runners with encrypted tokens and assignments, in bulk. */
import type { Database } from '../../apps/api/src/db/client.js';
import type { SecretBox } from '../../apps/api/src/lib/secrets.js';

const TAGS = ['docker', 'linux', 'arm64', 'windows', 'gpu', 'large', 'k8s', 'shell', 'macos', 'privileged'];

export async function seedFleet(
  db: Database,
  secrets: SecretBox,
  size: { runners: number; machines: number },
) {
  const RUNNERS = size.runners;
  const MACHINES = size.machines;
  const { prisma } = db;
  const gl = await prisma.gitlabInstance.create({
    data: {
      name: 'bench',
      url: 'https://gitlab.bench.invalid',
      accessTokenCiphertext: secrets.encrypt('glpat-bench', 'gitlab-access-token'),
      accessTokenLast4: 'ench',
    },
  });
  const machines = Array.from({ length: MACHINES }, (_, i) => ({
    id: crypto.randomUUID(),
    hostname: `runner-${String(i).padStart(5, '0')}`,
    systemId: `s_${i.toString(16).padStart(12, '0')}`,
    labels: { region: ['eu', 'us', 'ap'][i % 3]!, pool: ['docker', 'k8s'][i % 2]! },
    connectionState: (i % 10 === 0 ? 'offline' : 'online') as 'offline' | 'online',
    lastSeenAt: new Date(Date.now() - (i % 300) * 1000),
  }));
  await prisma.machine.createMany({ data: machines });
  const runners = Array.from({ length: RUNNERS }, (_, i) => ({
    id: crypto.randomUUID(),
    gitlabInstanceId: gl.id,
    gitlabRunnerId: 100_000 + i,
    runnerType: 'instance_type' as const,
    description: `runner ${i}`,
    tags: [TAGS[i % TAGS.length]!, TAGS[(i * 7 + 3) % TAGS.length]!],
    gitlabStatus: i % 5 === 0 ? 'offline' : 'online',
  }));
  for (let i = 0; i < runners.length; i += 2000)
    await prisma.runner.createMany({ data: runners.slice(i, i + 2000) });
  const tokens = runners.map((r, i) => ({
    runnerId: r.id,
    ciphertext: secrets.encrypt(`glrt-t1_bench${String(i).padStart(16, '0')}`, 'runner-token'),
    last4: String(i).padStart(4, '0').slice(-4),
    obtainedAt: new Date(),
    limitValue: 4,
  }));
  for (let i = 0; i < tokens.length; i += 2000)
    await prisma.runnerToken.createMany({ data: tokens.slice(i, i + 2000) });
  const assignments = runners.flatMap((r, i) =>
    [0, 1].map((k) => ({ runnerId: r.id, machineId: machines[(i * 3 + k * 997) % MACHINES]!.id })),
  );
  for (let i = 0; i < assignments.length; i += 5000) {
    await prisma.assignment.createMany({ data: assignments.slice(i, i + 5000), skipDuplicates: true });
  }
  await db.pool.query('ANALYZE');
}
