import { z } from 'zod';
import { Id } from './common.js';
import { Machine } from './machines.js';
import { RolloutStatus } from './revisions.js';
import { RegistrationProgress } from './runners.js';

/**
 * The browser's live socket, `GET /live` (websocket). The client subscribes to topics; the server pushes the
 * current state of what changed (never a diff, so a missed message is repaired by the next one):
 * - `machines`: every machine's state changes (connection, revision applied/failed, drift, drain)
 * - `machine:<id>`: one machine's
 * - `rollout:<id>`: one rollout, machine by machine, until every machine has applied or failed
 * - `registration:<id>`: the steps of one runner registration (`POST /api/v1/runners` with that registrationId)
 */
export const LiveTopic = z.union([
  z.literal('machines'),
  z.templateLiteral(['machine:', Id]),
  z.templateLiteral(['rollout:', Id]),
  z.templateLiteral(['registration:', Id]),
]);
export type LiveTopic = z.infer<typeof LiveTopic>;

export const LiveClientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('subscribe'), topic: LiveTopic }),
  z.strictObject({ type: z.literal('unsubscribe'), topic: LiveTopic }),
]);
export type LiveClientMessage = z.infer<typeof LiveClientMessage>;

export const LiveServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('subscribed'), topic: LiveTopic }),
  z.object({ type: z.literal('machine'), machine: Machine }),
  z.object({ type: z.literal('rollout'), rollout: RolloutStatus }),
  z.object({ type: z.literal('registration'), registration: RegistrationProgress }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type LiveServerMessage = z.infer<typeof LiveServerMessage>;
