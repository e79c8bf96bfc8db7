import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { Machine } from './machines.js';
import { RolloutStatus } from './revisions.js';
import { RegistrationProgress } from './runners.js';
import { WallSummary, WallTopic } from './wall.js';

/**
 * The browser's live socket, `GET /live` (websocket). The client subscribes to topics; the server pushes the
 * current state of what changed (never a diff, so a missed message is repaired by the next one):
 * - `machines`: every machine's state changes (connection, revision applied/failed, drift, drain)
 * - `machine:<id>`: one machine's
 * - `rollout:<id>`: one rollout, machine by machine, until every machine has applied or failed
 * - `registration:<id>`: the steps of one runner registration (`POST /api/v1/runners` with that registrationId)
 * - `trace:<jobId>`: the log of one job (a job id from `GET /api/v1/jobs`), as `trace` pieces each carrying its
 *   byte offset, then `traceEnd` when the job has ended. Subscribe with `offset` (the bytes already held) to
 *   resume after a reconnect; the server sends only what follows it.
 * - `fleet`: the fleet sampler took a new sample (once a minute), as `fleetSampled`: trends and concurrency charts
 *   read again
 * - `gitlab`: a GitLab sync run ended (runners, managers and jobs were read again), as `gitlabSynced`: runner
 *   pages, queues and job lists read again
 * - `wall`, `wall:tags=<tag set key>`, `wall:label=<key=value>`: a wall screen's summary (see `wall.ts`), as `wall`
 *   messages at most once a second while machines change and every 15 s regardless.
 *
 * The server closes a socket with 1012 when changes may have been missed (its connection for events between
 * replicas was interrupted): reconnect, subscribe again and read current state.
 */
export const LiveTopic = z.union([
  z.literal('machines'),
  z.literal('fleet'),
  z.literal('gitlab'),
  z.templateLiteral(['machine:', Id]),
  z.templateLiteral(['rollout:', Id]),
  z.templateLiteral(['registration:', Id]),
  z.templateLiteral(['trace:', Id]),
  WallTopic,
]);
export type LiveTopic = z.infer<typeof LiveTopic>;

export const LiveClientMessage = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('subscribe'),
    topic: LiveTopic,
    /** `trace:` topics only: bytes of the log already held, so only what follows is sent */
    offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  }),
  z.strictObject({ type: z.literal('unsubscribe'), topic: LiveTopic }),
]);
export type LiveClientMessage = z.infer<typeof LiveClientMessage>;

export const LiveServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('subscribed'), topic: LiveTopic }),
  z.object({ type: z.literal('machine'), machine: Machine }),
  z.object({ type: z.literal('rollout'), rollout: RolloutStatus }),
  z.object({ type: z.literal('registration'), registration: RegistrationProgress }),
  /** a piece of a job's log: `data` starts at byte `offset` of the log (UTF-8), never inside a character */
  z.object({ type: z.literal('trace'), jobId: Id, offset: z.number().int(), data: z.string() }),
  /** the job has ended; its log is `size` bytes and will not grow */
  z.object({ type: z.literal('traceEnd'), jobId: Id, size: z.number().int() }),
  /** the log could not be read from GitLab just now; the server keeps trying while the job runs */
  z.object({ type: z.literal('traceError'), jobId: Id, message: z.string() }),
  /** the whole summary of a wall topic (never a diff) */
  z.object({ type: z.literal('wall'), topic: WallTopic, summary: WallSummary }),
  /** the fleet sample of the minute starting `at` is written */
  z.object({ type: z.literal('fleetSampled'), at: Timestamp }),
  /** a GitLab sync run ended at `at` */
  z.object({ type: z.literal('gitlabSynced'), at: Timestamp }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type LiveServerMessage = z.infer<typeof LiveServerMessage>;
