/**
 * The one encode/parse pair of the protocol. Parsing never throws: a frame is either a listed message or an
 * error saying why it was dropped.
 */
import type { z } from 'zod';
import {
  AgentMessage,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  ServerMessage,
  type AgentMessage as AgentMessageType,
  type ServerMessage as ServerMessageType,
} from './messages.js';

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

type Frame = string | Buffer | ArrayBuffer | Buffer[];

function frameText(frame: Frame): { ok: true; text: string } | { ok: false; error: string } {
  let buf: Buffer;
  if (typeof frame === 'string') {
    if (Buffer.byteLength(frame) > MAX_FRAME_BYTES) return { ok: false, error: 'frame too large' };
    return { ok: true, text: frame };
  }
  if (Array.isArray(frame)) buf = Buffer.concat(frame);
  else if (frame instanceof ArrayBuffer) buf = Buffer.from(frame);
  else if (Buffer.isBuffer(frame)) buf = frame;
  else return { ok: false, error: 'unsupported frame type' };
  if (buf.byteLength > MAX_FRAME_BYTES) return { ok: false, error: 'frame too large' };
  // fatal: invalid UTF-8 is refused rather than silently replaced.
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(buf) };
  } catch {
    return { ok: false, error: 'frame is not valid UTF-8' };
  }
}

function parseWith<S extends z.ZodType>(schema: S, frame: Frame): ParseResult<z.output<S>> {
  const text = frameText(frame);
  if (!text.ok) return text;
  let json: unknown;
  try {
    json = JSON.parse(text.text);
  } catch {
    return { ok: false, error: 'frame is not JSON' };
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return { ok: false, error: `invalid message: ${where}${issue?.message ?? 'does not match'}` };
  }
  return { ok: true, message: result.data };
}

/** Parses a frame received by the API. */
export function parseAgentMessage(frame: Frame): ParseResult<AgentMessageType> {
  return parseWith(AgentMessage, frame);
}

/** Parses a frame received by the agent. */
export function parseServerMessage(frame: Frame): ParseResult<ServerMessageType> {
  return parseWith(ServerMessage, frame);
}

/** Serialises a message after checking it against its schema, so neither side can send what the other drops. */
export function encodeMessage(message: AgentMessageType | ServerMessageType): string {
  const schema = message.type === 'welcome' || message.type === 'apply' ? ServerMessage : AgentMessage;
  return JSON.stringify(schema.parse(message));
}

export function majorOf(version: string): number {
  return Number.parseInt(version.split('.')[0] ?? '', 10);
}

/** Same major version: the two ends understand each other. */
export function isCompatible(version: string, ours: string = PROTOCOL_VERSION): boolean {
  return Number.isInteger(majorOf(version)) && majorOf(version) === majorOf(ours);
}
