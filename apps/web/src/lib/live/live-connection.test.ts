import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LiveServerMessage, LiveTopic } from '@paddock/contracts';
import { aMachine } from '../../features/machines/testing';
import { backoffDelay, LIVE_MAX_DELAY_MS, LiveConnection, liveUrl, messageTopics } from './live-connection';
import type { LiveState } from './live-connection';
import { fakeLiveSockets } from './testing';

const M1 = 'machine:0190f1a2-0000-7000-8000-000000000001' as const;
const M2 = 'machine:0190f1a2-0000-7000-8000-000000000002' as const;
const JOB = '0190f1a2-0000-7000-8000-00000000c0de';
const TRACE = `trace:${JOB}` as const;

function connect(random = () => 0.5) {
  const server = fakeLiveSockets();
  let now = Date.UTC(2025, 0, 1, 10, 0);
  const live = new LiveConnection({
    url: 'ws://paddock.test/live',
    WebSocket: server.WebSocket,
    random,
    now: () => now,
  });
  const states: LiveState[] = [];
  live.onStateChange((state) => states.push(state));
  const messages: LiveServerMessage[] = [];
  live.onMessage((message) => messages.push(message));
  live.start();
  return {
    live,
    server,
    states,
    messages,
    setNow: (ms: number) => {
      now = ms;
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt, caps it at 30 s and picks anywhere below it', () => {
    const top = () => 0.999_999;
    expect(backoffDelay(0, top)).toBe(499);
    expect(backoffDelay(1, top)).toBe(999);
    expect(backoffDelay(5, top)).toBe(15_999);
    expect(backoffDelay(6, top)).toBe(LIVE_MAX_DELAY_MS - 1);
    expect(backoffDelay(1_000, top)).toBe(LIVE_MAX_DELAY_MS - 1);
    expect(backoffDelay(1_000, () => 0)).toBe(0);
    expect(backoffDelay(3, () => 0.5)).toBe(2_000);
  });
});

describe('liveUrl', () => {
  it('uses wss beside https and the page host', () => {
    expect(liveUrl({ protocol: 'https:', host: 'paddock.example:8443' })).toBe(
      'wss://paddock.example:8443/live',
    );
    expect(liveUrl({ protocol: 'http:', host: 'localhost:5173' })).toBe('ws://localhost:5173/live');
  });
});

describe('LiveConnection', () => {
  it('opens one socket to the url and is live once the server says ready', () => {
    const { server, states } = connect();
    expect(server.sockets).toHaveLength(1);
    expect(server.latest().url).toBe('ws://paddock.test/live');
    expect(states).toEqual([{ status: 'connecting' }]);

    server.latest().accept();
    expect(states.at(-1)).toEqual({ status: 'live' });
  });

  it('counts subscribers per topic and tells the server only about the first and the last', () => {
    const { live, server } = connect();
    const socket = server.latest();
    socket.accept();

    const first = live.subscribe(M1);
    const second = live.subscribe(M1);
    const other = live.subscribe(M2);
    expect(socket.sent).toEqual([
      { type: 'subscribe', topic: M1 },
      { type: 'subscribe', topic: M2 },
    ]);

    first();
    first(); // calling it twice must not release the other subscriber's share
    expect(socket.sent).toHaveLength(2);
    expect(live.topics).toEqual([M1, M2]);

    second();
    other();
    expect(socket.sent.slice(2)).toEqual([
      { type: 'unsubscribe', topic: M1 },
      { type: 'unsubscribe', topic: M2 },
    ]);
    expect(live.topics).toEqual([]);
  });

  it('sends topics asked for before `ready` once the server is ready, and ignores topics the protocol rejects', () => {
    const { live, server } = connect();
    live.subscribe('machines');
    live.subscribe('machine:not-a-uuid' as LiveTopic);
    const socket = server.latest();
    expect(socket.sent).toEqual([]);

    socket.accept();
    expect(socket.sent).toEqual([{ type: 'subscribe', topic: 'machines' }]);
  });

  it('reconnects with growing jittered delays and subscribes again to the current topics', () => {
    const { live, server, states, setNow } = connect(() => 0.5);
    server.latest().accept();
    const machines = live.subscribe('machines');
    const gone = live.subscribe(M1);
    live.subscribe(M2);
    gone();

    setNow(Date.UTC(2025, 0, 1, 10, 7));
    server.latest().drop();
    const lostAt = Date.UTC(2025, 0, 1, 10, 7);
    expect(states.at(-1)).toEqual({ status: 'offline', since: lostAt });

    // Attempt 0 waits half of 500 ms with this jitter.
    vi.advanceTimersByTime(249);
    expect(server.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(server.sockets).toHaveLength(2);

    // That one fails too: still offline since the first loss, and the next wait is half of 1 s.
    setNow(Date.UTC(2025, 0, 1, 10, 8));
    server.latest().drop();
    expect(states.at(-1)).toEqual({ status: 'offline', since: lostAt });
    vi.advanceTimersByTime(499);
    expect(server.sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(server.sockets).toHaveLength(3);

    const socket = server.latest();
    socket.accept();
    expect(states.at(-1)).toEqual({ status: 'live' });
    expect(socket.sent).toEqual([
      { type: 'subscribe', topic: 'machines' },
      { type: 'subscribe', topic: M2 },
    ]);

    // Being live again starts the backoff over.
    machines();
    socket.drop();
    vi.advanceTimersByTime(250);
    expect(server.sockets).toHaveLength(4);
    server.latest().accept();
    expect(server.latest().sent).toEqual([{ type: 'subscribe', topic: M2 }]);
  });

  it('never waits more than 30 s between attempts', () => {
    const { server } = connect(() => 0.999_999);
    for (let attempt = 0; attempt < 12; attempt += 1) {
      server.latest().drop();
      vi.advanceTimersByTime(LIVE_MAX_DELAY_MS);
      expect(server.sockets).toHaveLength(attempt + 2);
    }
  });

  it('drops and logs frames that are not valid protocol messages', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { server, messages } = connect();
    const socket = server.latest();
    socket.accept();
    const machine = aMachine();

    socket.receiveRaw('not json');
    socket.receiveRaw(new ArrayBuffer(4));
    socket.receive({ type: 'shout', text: 'hi' });
    socket.receive({ type: 'machine', machine: { ...machine, connectionState: 'sleepy' } });
    socket.receive({ type: 'subscribed', topic: 'machine:42' });
    socket.receive({ type: 'machine', machine });

    expect(messages).toEqual([{ type: 'ready' }, { type: 'machine', machine }]);
    expect(warn).toHaveBeenCalledTimes(5);
    expect(warn.mock.calls.every(([text]) => text === 'live: dropped an invalid frame')).toBe(true);
  });

  it('stops without reconnecting, and starts again on a new socket with its topics', async () => {
    const { live, server } = connect();
    live.subscribe(M1);
    server.latest().accept();

    live.stop();
    await vi.runAllTimersAsync();
    expect(server.sockets).toHaveLength(1);

    live.start();
    expect(live.getState()).toEqual({ status: 'connecting' });
    expect(server.sockets).toHaveLength(2);
    server.latest().accept();
    expect(server.latest().sent).toEqual([{ type: 'subscribe', topic: M1 }]);
  });

  it('sends the smallest offset of a trace topic, again for a newcomer, and the current one after a reconnect', () => {
    const { live, server } = connect();
    const socket = server.latest();
    socket.accept();

    let held = 120;
    const first = live.subscribe(TRACE, { offset: () => held });
    expect(socket.sent).toEqual([{ type: 'subscribe', topic: TRACE, offset: 120 }]);

    // A second viewer with nothing yet needs the log from the start.
    const second = live.subscribe(TRACE, { offset: () => 0 });
    expect(socket.sent.at(-1)).toEqual({ type: 'subscribe', topic: TRACE, offset: 0 });
    second();
    expect(socket.sent).toHaveLength(2);

    held = 4096;
    socket.drop();
    vi.advanceTimersByTime(LIVE_MAX_DELAY_MS);
    server.latest().accept();
    expect(server.latest().sent).toEqual([{ type: 'subscribe', topic: TRACE, offset: 4096 }]);

    held = 5000;
    live.resubscribe(TRACE);
    expect(server.latest().sent.at(-1)).toEqual({ type: 'subscribe', topic: TRACE, offset: 5000 });

    first();
    live.resubscribe(TRACE);
    expect(server.latest().sent.slice(1)).toEqual([
      { type: 'subscribe', topic: TRACE, offset: 5000 },
      { type: 'unsubscribe', topic: TRACE },
    ]);
  });

  it("hands a subscriber's onMessage only its topic's messages, until it unsubscribes", () => {
    const { live, server } = connect();
    const socket = server.latest();
    socket.accept();
    const machine = aMachine();
    const forTrace: string[] = [];
    const forMachines: string[] = [];
    const stopTrace = live.subscribe(TRACE, { onMessage: (m) => forTrace.push(m.type) });
    live.subscribe('machines', { onMessage: (m) => forMachines.push(m.type) });

    socket.receive({ type: 'trace', jobId: JOB, offset: 0, data: 'hello\n' });
    socket.receive({
      type: 'trace',
      jobId: '0190f1a2-0000-7000-8000-00000000beef',
      offset: 0,
      data: 'other',
    });
    socket.receive({ type: 'machine', machine });
    socket.receive({ type: 'traceError', jobId: JOB, message: 'GitLab answered 502' });
    socket.receive({ type: 'traceEnd', jobId: JOB, size: 6 });
    stopTrace();
    socket.receive({ type: 'trace', jobId: JOB, offset: 6, data: 'late' });

    expect(forTrace).toEqual(['trace', 'traceError', 'traceEnd']);
    expect(forMachines).toEqual(['machine']);
  });
});

describe('messageTopics', () => {
  it('names the topics a message is for', () => {
    const machine = aMachine();
    expect(messageTopics({ type: 'machine', machine })).toEqual(['machines', `machine:${machine.id}`]);
    expect(messageTopics({ type: 'traceEnd', jobId: JOB, size: 1 })).toEqual([TRACE]);
    expect(
      messageTopics({
        type: 'registration',
        registration: { registrationId: JOB, step: 'gitlab', state: 'started' },
      }),
    ).toEqual([`registration:${JOB}`]);
    expect(messageTopics({ type: 'ready' })).toEqual([]);
  });
});
