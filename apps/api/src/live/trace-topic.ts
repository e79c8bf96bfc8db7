/**
 * `trace:<jobId>` on `/live`: a job's log read from its GitLab through one poller per job on this replica
 * (TracePollers), whatever the number of browsers watching. A poll is one request for the log; the job's status
 * is asked for only when the log did not grow since the last poll (a finished job's log stops growing), so a busy
 * log costs exactly one upstream request per interval.
 */
import type { LiveServerMessage } from '@paddock/contracts';
import type { FastifyBaseLogger } from 'fastify';
import type { PrismaClient } from '../db/client.js';
import type { GitlabClients } from '../gitlab/client.js';
import { TracePollers, type Scheduler, type TraceEvent, type TraceSnapshot } from './trace-pollers.js';

/** GitLab job statuses after which the log does not grow any more. */
const ENDED = new Set(['success', 'failed', 'canceled', 'skipped', 'manual', 'scheduled']);

export interface TraceTopicOptions {
  prisma: PrismaClient;
  gitlab: GitlabClients;
  log: FastifyBaseLogger;
  intervalMs: number;
  scheduler?: Scheduler;
}

export class UnknownJobError extends Error {}

export function traceTopic(options: TraceTopicOptions) {
  const { prisma, gitlab, log } = options;
  /** log size at the last poll, per job, to know when to ask for the status */
  const lastSize = new Map<string, number>();

  async function upstream(jobId: string): Promise<TraceSnapshot> {
    const job = await prisma.jobSnapshot.findUnique({
      where: { id: jobId },
      select: {
        gitlabJobId: true,
        projectId: true,
        gitlabInstance: { select: { url: true, accessTokenCiphertext: true } },
      },
    });
    if (!job) throw new UnknownJobError('There is no such job.');
    const client = gitlab.gitlabClientFor(job.gitlabInstance);
    const gitlabJobId = Number(job.gitlabJobId);
    const bytes = await client.jobTrace(job.projectId, gitlabJobId);
    const previous = lastSize.get(jobId);
    lastSize.set(jobId, bytes.length);
    // While the log grows the job runs; its status is asked for on the first poll and whenever the log stalls.
    if (previous !== undefined && bytes.length > previous) return { bytes, running: true };
    const status = await client.jobStatus(job.projectId, gitlabJobId);
    return { bytes, running: !ENDED.has(status) };
  }

  const pollers = new TracePollers({
    upstream,
    intervalMs: options.intervalMs,
    ...(options.scheduler && { scheduler: options.scheduler }),
    onError: (jobId, err) => {
      if (!(err instanceof UnknownJobError)) log.warn({ err, jobId }, 'could not read a job log');
    },
  });

  /** each event's frame, made by the first viewer's listener and reused by the others */
  const frames = new WeakMap<TraceEvent, string>();

  return {
    pollers,
    /**
     * Sends the job's log from `offset` to `send`, as `/live` frames, until the returned function is called. A
     * piece many viewers receive is serialised once for all of them.
     */
    watch(jobId: string, offset: number, send: (frame: string) => void): () => void {
      const unwatch = pollers.watch(
        jobId,
        (event) => {
          let frame = frames.get(event);
          if (frame === undefined) {
            frame = JSON.stringify(toMessage(jobId, event));
            frames.set(event, frame);
          }
          send(frame);
        },
        offset,
      );
      return () => {
        unwatch();
        if (!pollers.has(jobId)) lastSize.delete(jobId);
      };
    },
    close: () => {
      pollers.close();
      lastSize.clear();
    },
  };
}
export type TraceTopic = ReturnType<typeof traceTopic>;

function toMessage(jobId: string, event: TraceEvent): LiveServerMessage {
  if (event.type === 'chunk') return { type: 'trace', jobId, offset: event.offset, data: event.data };
  if (event.type === 'end') return { type: 'traceEnd', jobId, size: event.size };
  return { type: 'traceError', jobId, message: event.message };
}
