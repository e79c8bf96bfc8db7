import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentMessage,
  encodeMessage,
  isCompatible,
  MAX_FRAME_BYTES,
  parseAgentMessage,
  parseServerMessage,
  PROTOCOL_VERSION,
  ServerMessage,
  type AgentMessage as AgentMessageType,
} from './index.js';

const sha = 'a'.repeat(64);
const hello: AgentMessageType = {
  type: 'hello',
  protocolVersion: PROTOCOL_VERSION,
  agentVersion: '0.1.0',
  systemId: 's_0123456789ab',
  hostname: 'build-1',
  os: 'linux',
  arch: 'x64',
  runnerVersion: '19.4.0',
  applied: { number: 3, sha256: sha },
  diskSha256: sha,
};

const AGENT_TYPES = new Set(AgentMessage.options.map((o) => o.shape.type.value));
const SERVER_TYPES = new Set(ServerMessage.options.map((o) => o.shape.type.value));

describe('codec', () => {
  it('round-trips every message through encode and parse', () => {
    const messages: AgentMessageType[] = [
      hello,
      { type: 'applied', revision: 4, sha256: sha, written: true },
      { type: 'failed', revision: 4, code: 'disk_full', message: 'no space left on device' },
      {
        type: 'status',
        diskSha256: sha,
        runner: {
          metricsOk: true,
          error: null,
          version: '19.4.0',
          concurrent: 4,
          jobs: [{ runner: { url: 'https://g', id: 7 }, running: 2, limit: 3 }],
        },
        host: { cpuCount: 8, load1: 1.5, memoryBytes: 16e9, memoryAvailableBytes: 8e9 },
      },
      {
        type: 'tokenRotated',
        revision: 4,
        diskSha256: sha,
        tokens: [
          {
            runner: { url: 'https://g', id: 7 },
            token: 'glrt-x',
            tokenObtainedAt: '2026-01-01T00:00:00Z',
            tokenExpiresAt: '0001-01-01T00:00:00Z',
          },
        ],
      },
      { type: 'drift', revision: 4, diskSha256: sha, paths: ['concurrent'] },
    ];
    for (const m of messages) {
      const parsed = parseAgentMessage(encodeMessage(m));
      expect(parsed).toEqual({ ok: true, message: m });
    }
    const apply = { type: 'apply' as const, revision: 2, sha256: sha, config: 'concurrent = 2\n' };
    expect(parseServerMessage(encodeMessage(apply))).toEqual({ ok: true, message: apply });
  });

  it('refuses to encode a message the other side would drop', () => {
    expect(() => encodeMessage({ ...hello, systemId: 'nope' })).toThrow();
  });

  it('drops frames that are not listed messages, with a reason', () => {
    expect(parseAgentMessage('{')).toEqual({ ok: false, error: 'frame is not JSON' });
    expect(parseAgentMessage('{"type":"welcome"}')).toMatchObject({ ok: false });
    expect(
      parseAgentMessage(JSON.stringify({ ...hello, applied: { number: 0, sha256: sha } })),
    ).toMatchObject({
      ok: false,
      error: expect.stringContaining('applied.number'),
    });
    expect(parseAgentMessage(Buffer.from([0xff, 0xfe, 0x7b]))).toEqual({
      ok: false,
      error: 'frame is not valid UTF-8',
    });
    expect(parseAgentMessage('x'.repeat(MAX_FRAME_BYTES + 1))).toEqual({
      ok: false,
      error: 'frame too large',
    });
    expect(parseServerMessage(JSON.stringify(hello))).toMatchObject({ ok: false });
  });

  it('never throws and never yields an unlisted message, whatever the frame', () => {
    const jsonish = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            type: fc.constantFrom(
              'hello',
              'applied',
              'failed',
              'status',
              'tokenRotated',
              'drift',
              'welcome',
              'apply',
              '__proto__',
            ),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
      fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a)),
    );
    fc.assert(
      fc.property(jsonish, (frame) => {
        const a = parseAgentMessage(frame);
        if (a.ok) expect(AGENT_TYPES.has(a.message.type)).toBe(true);
        const s = parseServerMessage(frame);
        if (s.ok) expect(SERVER_TYPES.has(s.message.type)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('mutated valid messages parse only into valid messages', () => {
    const base = JSON.parse(encodeMessage(hello)) as Record<string, unknown>;
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(base)), fc.jsonValue(), (key, value) => {
        const result = parseAgentMessage(JSON.stringify({ ...base, [key]: value }));
        if (result.ok) expect(AgentMessage.safeParse(result.message).success).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('versions', () => {
  it('are compatible within a major version only', () => {
    expect(isCompatible('1.7')).toBe(true);
    expect(isCompatible('2.0')).toBe(false);
    expect(isCompatible('garbage')).toBe(false);
  });
});
