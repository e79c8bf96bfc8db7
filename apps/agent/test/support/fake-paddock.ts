/**
 * A minimal Paddock `/agent` endpoint for connection tests: a real `ws` server that records each connection's
 * headers and parsed messages, and lets the test send frames and close with any code.
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeMessage, parseAgentMessage, type AgentMessage, type ServerMessage } from '@paddock/protocol';
import { inbox, type Inbox } from './inbox.js';

export interface AgentSocket {
  ws: WebSocket;
  request: IncomingMessage;
  messages: Inbox<AgentMessage>;
  /** frames that did not parse as agent messages (must stay empty) */
  invalid: string[];
  send(message: ServerMessage): void;
  sendRaw(frame: string | Buffer): void;
  closed: Promise<{ code: number; reason: string }>;
}

export interface FakePaddock {
  url: string;
  port: number;
  connections: Inbox<AgentSocket>;
  close(): Promise<void>;
}

export async function startFakePaddock(
  options: { port?: number; rejectWith?: number } = {},
): Promise<FakePaddock> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: options.port ?? 0,
    path: '/agent',
    verifyClient: options.rejectWith
      ? (_info, callback) => callback(false, options.rejectWith, 'Unauthorized')
      : undefined,
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const connections = inbox<AgentSocket>();
  wss.on('connection', (ws, request) => {
    const messages = inbox<AgentMessage>();
    const invalid: string[] = [];
    ws.on('message', (data) => {
      const parsed = parseAgentMessage(data as Buffer);
      if (parsed.ok) messages.push(parsed.message);
      else invalid.push(parsed.error);
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    connections.push({
      ws,
      request,
      messages,
      invalid,
      closed,
      send: (m) => ws.send(encodeMessage(m)),
      sendRaw: (frame) => ws.send(frame),
    });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/agent`,
    port,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
