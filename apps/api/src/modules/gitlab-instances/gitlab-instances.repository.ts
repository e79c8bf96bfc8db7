import type { PrismaClient } from '../../db/client.js';

const withCounts = { _count: { select: { runners: true } } } as const;

export type GitlabInstanceRow = NonNullable<
  Awaited<ReturnType<ReturnType<typeof gitlabInstancesRepository>['get']>>
>;

interface GitlabInstanceFields {
  name: string;
  url: string;
  accessTokenCiphertext: string;
  accessTokenLast4: string;
  version: string | null;
}

export function gitlabInstancesRepository(prisma: PrismaClient) {
  return {
    list: () => prisma.gitlabInstance.findMany({ orderBy: { name: 'asc' }, include: withCounts }),
    get: (id: string) => prisma.gitlabInstance.findUnique({ where: { id }, include: withCounts }),
    create: (data: GitlabInstanceFields) => prisma.gitlabInstance.create({ data, include: withCounts }),
    update: (id: string, data: Partial<GitlabInstanceFields>) =>
      prisma.gitlabInstance.update({ where: { id }, data, include: withCounts }),
    delete: (id: string) => prisma.gitlabInstance.delete({ where: { id } }),
  };
}
export type GitlabInstancesRepository = ReturnType<typeof gitlabInstancesRepository>;
