import { ActorType, Timestamp } from '@paddock/contracts';
import { z } from 'zod';
import { searchEnum, searchText } from '../../lib/search-params';

/** The audit log's filters and page live in the URL, so a search can be shared and survives reloads. */
export const AuditSearch = z.object({
  actorType: searchEnum(ActorType),
  actor: searchText(320),
  action: searchText(100),
  targetType: searchText(64),
  targetId: searchText(64),
  from: searchEnum(Timestamp),
  to: searchEnum(Timestamp),
  cursor: searchText(512),
});
export type AuditSearch = z.infer<typeof AuditSearch>;
