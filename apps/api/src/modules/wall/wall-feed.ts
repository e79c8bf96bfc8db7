/**
 * Pushes wall summaries to `/live` subscribers. A summary is computed once per distinct wall topic (filter),
 * however many screens show it, at most once per `minIntervalMs` while machines keep changing (a fleet of
 * thousands reporting every second must not mean thousands of summaries), and every `periodMs` regardless, so job
 * counts read from GitLab show up without a machine changing.
 */
import { wallTopicFilter, type WallSummary, type WallTopic } from '@paddock/contracts';
import type { FastifyBaseLogger } from 'fastify';

export interface WallFeedOptions {
  summary: (topic: WallTopic) => Promise<WallSummary>;
  /** the wall topics someone on this replica subscribes to now */
  topics: () => Iterable<WallTopic>;
  deliver: (topic: WallTopic, summary: WallSummary) => void;
  log: FastifyBaseLogger;
  minIntervalMs?: number;
  periodMs?: number;
}

export interface WallFeed {
  /** something the walls show changed: push to every wall topic, throttled */
  changed(): void;
  /** the current summary of one topic, for a new subscriber */
  current(topic: WallTopic): Promise<WallSummary>;
  close(): void;
}

export const WALL_MIN_INTERVAL_MS = 1_000;
export const WALL_PERIOD_MS = 15_000;

/** The summary of a wall topic, through a wall service. */
export const summaryOfTopic =
  (service: { summary: (filter: ReturnType<typeof wallTopicFilter>) => Promise<WallSummary> }) =>
  (topic: WallTopic) =>
    service.summary(wallTopicFilter(topic));

export function wallFeed(opts: WallFeedOptions): WallFeed {
  const minInterval = opts.minIntervalMs ?? WALL_MIN_INTERVAL_MS;
  const lastPush = new Map<WallTopic, number>();
  const timers = new Map<WallTopic, NodeJS.Timeout>();
  const running = new Set<WallTopic>();
  /** topics that changed again while their summary was being computed */
  const again = new Set<WallTopic>();
  let closed = false;

  const push = async (topic: WallTopic) => {
    timers.delete(topic);
    if (running.has(topic)) {
      again.add(topic);
      return;
    }
    running.add(topic);
    // The interval runs from the start of a computation: a summary that takes a while to compute must not
    // stretch the period by its own length.
    lastPush.set(topic, Date.now());
    try {
      const summary = await opts.summary(topic);
      if (!closed) opts.deliver(topic, summary);
    } catch (err) {
      opts.log.warn({ err, topic }, 'could not compute a wall summary');
    } finally {
      running.delete(topic);
      if (again.delete(topic)) schedule(topic);
    }
  };

  function schedule(topic: WallTopic) {
    if (closed || timers.has(topic)) return;
    const wait = Math.max(0, (lastPush.get(topic) ?? 0) + minInterval - Date.now());
    timers.set(
      topic,
      setTimeout(() => void push(topic), wait),
    );
  }

  const changed = () => {
    const live = new Set(opts.topics());
    for (const topic of lastPush.keys()) if (!live.has(topic)) lastPush.delete(topic);
    for (const topic of live) schedule(topic);
  };

  const periodic = setInterval(changed, opts.periodMs ?? WALL_PERIOD_MS);
  periodic.unref();

  return {
    changed,
    current: (topic) => opts.summary(topic),
    close() {
      closed = true;
      clearInterval(periodic);
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
