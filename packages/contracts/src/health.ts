import { z } from 'zod';

export const Health = z.object({ status: z.literal('ok') });
export type Health = z.infer<typeof Health>;

export const Readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({
    database: z.object({ ok: z.boolean(), detail: z.string().optional() }),
    migrations: z.object({ ok: z.boolean(), detail: z.string().optional(), pending: z.array(z.string()) }),
  }),
});
export type Readiness = z.infer<typeof Readiness>;
