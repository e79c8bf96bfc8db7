import { z } from 'zod';

export const TagCount = z.object({
  tag: z.string(),
  runnerCount: z.number().int(),
});
export type TagCount = z.infer<typeof TagCount>;

export const TagList = z.object({ items: z.array(TagCount) });
export type TagList = z.infer<typeof TagList>;
