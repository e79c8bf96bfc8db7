/**
 * Bad frames for both websockets, and upgrades that must be refused. `/agent` drops and counts frames that do not
 * parse and closes with a code and reason for protocol breaches; `/live` answers `{ type: 'error' }` and keeps the
 * socket; a frame above the websocket layer's limit closes either with 1009.
 */
import { CLOSE_TOO_MANY_MESSAGES } from '../../src/live/live-hub.js';
import { CLOSE, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '@paddock/protocol';
import { deepArray } from './payloads.js';
import type { AgentCase, Frame, LiveCase, Seed, UpgradeCase } from './types.js';

const text = (t: string): Frame => ({ text: t });
const json = (v: unknown): Frame => ({ text: JSON.stringify(v) });
const SHA = 'a'.repeat(64);

function hello(systemId: string, over: Record<string, unknown> = {}) {
  return {
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    agentVersion: '0.1.0',
    systemId,
    hostname: 'build-1',
    os: 'linux',
    arch: 'x64',
    runnerVersion: '19.4.0',
    applied: null,
    diskSha256: null,
    ...over,
  };
}

const status = (over: Record<string, unknown> = {}) => ({
  type: 'status',
  diskSha256: null,
  runner: { metricsOk: true, error: null, version: '19.4.0', concurrent: 1, jobs: [] },
  host: { cpuCount: 4, load1: 0.5, memoryBytes: 8e9, memoryAvailableBytes: 4e9 },
  ...over,
});

export function agentCases(seed: Seed): AgentCase[] {
  const systemId = seed.agentSystemId;
  const before = (name: string, frames: Frame[], expect: AgentCase['expect']): AgentCase => ({
    kind: 'agent',
    name: `agent before hello: ${name}`,
    afterHello: false,
    frames,
    expect,
  });
  const after = (name: string, frames: Frame[], expect: AgentCase['expect']): AgentCase => ({
    kind: 'agent',
    name: `agent after hello: ${name}`,
    afterHello: true,
    frames,
    expect,
  });
  const one = { dropped: 1 };
  return [
    before('not JSON', [text('hello, paddock')], one),
    before('an empty frame', [text('')], one),
    before('a JSON number', [text('42')], one),
    before('a JSON array', [json([hello(systemId)])], one),
    before('an object without a type', [json({ protocolVersion: PROTOCOL_VERSION })], one),
    before('an unknown type', [json({ type: 'reboot' })], one),
    before('hello with a malformed system_id', [json(hello('s_1'))], one),
    before(
      'hello with a protocol version in words',
      [json(hello(systemId, { protocolVersion: 'one' }))],
      one,
    ),
    before('hello with cpuCount -1', [json(hello(systemId, { cpuCount: -1 }))], one),
    before(
      'hello with a 300-character hostname',
      [json(hello(systemId, { hostname: 'h'.repeat(300) }))],
      one,
    ),
    before(
      'hello with applied revision 0',
      [json(hello(systemId, { applied: { number: 0, sha256: SHA } }))],
      one,
    ),
    before(
      'hello with applied revision 2^31',
      [json(hello(systemId, { applied: { number: 2 ** 31, sha256: SHA } }))],
      one,
    ),
    before(
      'hello with an upper-case disk hash',
      [json(hello(systemId, { diskSha256: SHA.toUpperCase() }))],
      one,
    ),
    before(
      'hello with memoryBytes 1e309',
      [text(JSON.stringify(hello(systemId)).replace('}', ',"memoryBytes":1e309}'))],
      one,
    ),
    before(
      'hello with a NUL character in the hostname',
      [json(hello(systemId, { hostname: 'build\u00001' }))],
      one,
    ),
    before(
      'a binary frame of invalid UTF-8',
      [{ binary: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) }],
      one,
    ),
    before('100,000 nested arrays', [text(deepArray(100_000))], one),
    before('three garbage frames in a row', [text('{'), text('}'), text('null')], { dropped: 3 }),
    before('applied before hello', [json({ type: 'applied', revision: 1, sha256: SHA, written: true })], {
      close: CLOSE.protocolViolation,
      reason: /first message must be hello/,
    }),
    before('hello of another major protocol version', [json(hello(systemId, { protocolVersion: '2.0' }))], {
      close: CLOSE.versionMismatch,
      reason: /not compatible/,
    }),
    before("hello with another machine's system_id", [json(hello(seed.otherSystemId))], {
      close: CLOSE.protocolViolation,
      reason: /belongs to another machine/,
    }),
    before(
      '21 invalid frames',
      Array.from({ length: 21 }, (_, i) => text(`garbage ${i}`)),
      {
        close: CLOSE.protocolViolation,
        reason: /too many invalid frames/,
      },
    ),
    before(
      'a flood of 1,000 invalid frames',
      Array.from({ length: 1_000 }, () => text('{')),
      {
        close: CLOSE.protocolViolation,
        reason: /too many invalid frames/,
      },
    ),
    before(
      'a flood of 60 pings',
      Array.from({ length: 60 }, (): Frame => ({ ping: true })),
      {
        close: CLOSE.rateLimited,
        reason: /too many frames/,
      },
    ),
    before('a 2 MiB frame', [text(`"${'x'.repeat(2 * MAX_FRAME_BYTES)}"`)], { close: CLOSE.tooLarge }),
    after(
      'status with a negative load',
      [json(status({ host: { cpuCount: 4, load1: -1, memoryBytes: 1, memoryAvailableBytes: 1 } }))],
      one,
    ),
    after(
      'status with 1,001 jobs',
      [
        json(
          status({
            runner: {
              metricsOk: true,
              error: null,
              version: null,
              concurrent: 1,
              jobs: Array.from({ length: 1001 }, (_, i) => ({
                runner: { url: 'https://g', id: i },
                running: 0,
                limit: null,
              })),
            },
          }),
        ),
      ],
      one,
    ),
    after(
      'applied with a malformed hash',
      [json({ type: 'applied', revision: 1, sha256: 'abc', written: true })],
      one,
    ),
    after(
      'failed with an unknown code',
      [json({ type: 'failed', revision: 1, code: 'gremlins', message: 'x' })],
      one,
    ),
    after(
      'drift with 1,001 paths',
      [
        json({
          type: 'drift',
          revision: 1,
          diskSha256: null,
          paths: Array.from({ length: 1001 }, (_, i) => `k${i}`),
        }),
      ],
      one,
    ),
    after(
      'failed with a NUL character in the message',
      [json({ type: 'failed', revision: 1, code: 'io_error', message: 'disk\u0000gone' })],
      one,
    ),
    after(
      'drift with a NUL character in a path',
      [json({ type: 'drift', revision: 1, diskSha256: null, paths: ['concurrent\u0000'] })],
      one,
    ),
    after(
      'tokenRotated without tokens',
      [json({ type: 'tokenRotated', revision: 1, diskSha256: SHA, tokens: [] })],
      one,
    ),
    after('hello again, malformed', [json(hello(systemId, { systemId: 'nope' }))], one),
    after(
      'applied for a revision Paddock never made',
      [json({ type: 'applied', revision: 4242, sha256: SHA, written: true })],
      { refused: 1 },
    ),
    after(
      'failed for a revision Paddock never made',
      [json({ type: 'failed', revision: 4242, code: 'io_error', message: 'disk gone' })],
      { refused: 1 },
    ),
    after(
      'tokenRotated for a runner this machine does not run',
      [
        json({
          type: 'tokenRotated',
          revision: 1,
          diskSha256: SHA,
          tokens: [
            {
              runner: { url: 'https://gitlab.example.com', id: 999_999 },
              token: 'glrt-stolen-token-000000',
              tokenObtainedAt: '2026-01-01T00:00:00Z',
              tokenExpiresAt: '0001-01-01T00:00:00Z',
            },
          ],
        }),
      ],
      { refused: 1 },
    ),
    // last: it ends the shared connection
    after('hello sent twice', [json(hello(systemId))], {
      close: CLOSE.protocolViolation,
      reason: /hello sent twice/,
    }),
  ];
}

export function liveCases(): LiveCase[] {
  const live = (name: string, frames: Frame[], expect: LiveCase['expect'], as?: 'display'): LiveCase => ({
    kind: 'live',
    name: `live: ${name}`,
    frames,
    expect,
    ...(as && { as }),
  });
  const notJson = (name: string, frames: Frame[]) =>
    live(name, frames, { errors: frames.length, message: /messages are JSON/ });
  const refused = (name: string, frame: Frame) =>
    live(name, [frame], { errors: 1, message: /invalid message/ });
  const uuid = '01900000-0000-7000-8000-000000000000';
  return [
    notJson('not JSON', [text('subscribe machines')]),
    notJson('an empty frame', [text('')]),
    notJson('a binary frame of invalid UTF-8', [{ binary: Buffer.from([0xff, 0xfe, 0x7b, 0x7d]) }]),
    notJson(
      'a burst of 150 non-JSON frames',
      Array.from({ length: 150 }, (_, i) => text(`{${i}`)),
    ),
    live(
      'a flood of 500 frames',
      Array.from({ length: 500 }, (_, i) => text(`{${i}`)),
      {
        close: CLOSE_TOO_MANY_MESSAGES,
      },
    ),
    refused('a JSON number', text('7')),
    refused('a JSON array', json([{ type: 'subscribe', topic: 'machines' }])),
    refused('an unknown type', json({ type: 'publish', topic: 'machines' })),
    refused('subscribe without a topic', json({ type: 'subscribe' })),
    refused('a machine topic without a UUID', json({ type: 'subscribe', topic: 'machine:build-1' })),
    refused('a trace topic holding a path', json({ type: 'subscribe', topic: 'trace:../../etc/passwd' })),
    refused('a topic with a trailing newline', json({ type: 'subscribe', topic: 'machines\n' })),
    refused('an unknown field', json({ type: 'subscribe', topic: 'machines', since: 0 })),
    refused('a negative trace offset', json({ type: 'subscribe', topic: `trace:${uuid}`, offset: -1 })),
    refused('a trace offset of 2^53', json({ type: 'subscribe', topic: `trace:${uuid}`, offset: 2 ** 53 })),
    refused('a trace offset of 1e309', text(`{"type":"subscribe","topic":"trace:${uuid}","offset":1e309}`)),
    refused('unsubscribe from a malformed topic', json({ type: 'unsubscribe', topic: 'rollout:*' })),
    refused('2,000 nested arrays', text(deepArray(2_000))),
    live('a 5 KB frame', [json({ type: 'subscribe', topic: 'machines', pad: 'x'.repeat(5 * 1024) })], {
      errors: 1,
      message: /too large/,
    }),
    live(
      '101 subscriptions',
      Array.from({ length: 101 }, (_, i) =>
        json({ type: 'subscribe', topic: `machine:01900000-0000-7000-8000-${String(i).padStart(12, '0')}` }),
      ),
      { subscribed: 100, errors: 1, message: /at most 100 topics/ },
    ),
    live(
      'a display token subscribing to a rollout',
      [json({ type: 'subscribe', topic: `rollout:${uuid}` })],
      {
        errors: 1,
        message: /display token may only subscribe/,
      },
      'display',
    ),
    live('a 2 MiB frame', [text('x'.repeat(2 * MAX_FRAME_BYTES))], { close: CLOSE.tooLarge }),
  ];
}

export function upgradeCases(): UpgradeCase[] {
  const unauthorized = { status: 401, code: 'unauthorized' };
  const up = (
    name: string,
    path: string,
    headers: Record<string, string>,
    expect = unauthorized,
    asAdmin = false,
  ): UpgradeCase => ({
    kind: 'upgrade',
    name: `upgrade ${path}: ${name}`,
    path,
    headers,
    expect,
    ...(asAdmin && { asAdmin }),
  });
  return [
    up('no credential', '/agent', {}),
    up('Basic credentials', '/agent', { authorization: 'Basic YWdlbnQ6YWdlbnQ=' }),
    up('a bearer that is no credential', '/agent', { authorization: 'Bearer pda_not-a-real-credential' }),
    up("a person's API token", '/agent', {}, unauthorized, true),
    up('a 10 KB bearer', '/agent', { authorization: `Bearer ${'x'.repeat(10_240)}` }),
    up('no credential', '/live', {}),
    up('a bearer that is no token', '/live', { authorization: 'Bearer pdt_not-a-real-token' }),
    up('a malformed display token', '/live?display=../../etc/passwd', {}),
    up(
      'another origin',
      '/live',
      { origin: 'https://evil.example' },
      { status: 403, code: 'forbidden' },
      true,
    ),
  ];
}
