/**
 * One agent's connection: the hello handshake, then dispatch of each parsed frame to the machine's state in the
 * database. The socket is a doorbell: every state change is written first, and `reconcile()` sends whatever the
 * database says the machine should run, so a lost frame or a reconnect never leaves a machine behind.
 */
import {
  CLOSE,
  encodeMessage,
  isCompatible,
  parseAgentMessage,
  PROTOCOL_VERSION,
  type AgentMessage,
  type Hello,
  type ServerMessage,
} from '@paddock/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { GatewayStore } from './store.js';

export interface DesiredRevision {
  revision: number;
  sha256: string;
  config: string;
}

/**
 * What machines should run now, rendered with their secrets; machines Paddock has nothing for yet are absent.
 * Asked for many machines at once, so a fleet-wide rollout costs a few queries, not a few per machine.
 */
export interface RevisionSource {
  desired(machineIds: string[]): Promise<Map<string, DesiredRevision>>;
  /**
   * The agent runs a revision numbered at or above the desired one but with other content (the database was
   * restored from a backup, say): record the desired settings again under a number above `above`, since the
   * agent ignores revisions older than its own.
   */
  renumber(machineId: string, above: number): Promise<void>;
}

export interface SessionOptions {
  heartbeatIntervalMs: number;
  helloTimeoutMs: number;
  /** invalid frames tolerated per heartbeat interval before the agent is cut off */
  maxInvalidFrames: number;
}

export interface SessionCounters {
  invalidFrames: number;
}

export class AgentSession {
  private hello: Hello | null = null;
  private helloTimer: NodeJS.Timeout;
  private heartbeat: NodeJS.Timeout | undefined;
  private alive = true;
  private invalidInWindow = 0;
  private lastSeenWrite = 0;
  /** revision last sent, so a reconcile does not resend the same apply while the agent works on it */
  private sentRevision: number | null = null;
  /** the desired revision this session last read, to know after an `applied` whether more is due */
  private desired: { revision: number; sha256: string } | null = null;
  /** what the agent last said it runs (hello, then each `applied`) */
  private applied: { number: number; sha256: string } | null = null;
  private closed = false;

  constructor(
    readonly machineId: string,
    private readonly socket: WebSocket,
    private readonly deps: {
      store: GatewayStore;
      revisions: RevisionSource;
      log: FastifyBaseLogger;
      options: SessionOptions;
      counters: SessionCounters;
      onHello: (session: AgentSession) => AgentSession | null;
      onClose: (session: AgentSession) => void;
      /** asks for `reconcile()` with the desired revision, read together with other machines' */
      requestReconcile: (machineId: string) => void;
      /** the machine is online now (after hello was recorded) */
      onOnline: (machineId: string) => void;
      /** the machine's visible state changed */
      onChanged: (machineId: string) => void;
      /** tokens of these runners were rotated by gitlab-runner and adopted: re-render their machines */
      onTokensAdopted: (runnerIds: string[]) => void;
    },
  ) {
    this.helloTimer = setTimeout(
      () => this.close(CLOSE.helloTimeout, 'no hello received'),
      deps.options.helloTimeoutMs,
    );
    socket.on('message', (data, isBinary) => void this.onFrame(data as Buffer, isBinary));
    socket.on('pong', () => {
      this.alive = true;
      void this.touch();
    });
    socket.on('close', () => this.onSocketClosed());
    socket.on('error', (err) => deps.log.warn({ err }, 'agent socket error'));
  }

  get log(): FastifyBaseLogger {
    return this.deps.log;
  }

  send(message: ServerMessage): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(encodeMessage(message));
  }

  /** Sends an already encoded frame as text (one rollout's identical frames are encoded once). */
  private sendEncoded(frame: Buffer): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(frame, { binary: false });
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.deps.log.info({ code, reason }, 'closing agent connection');
    this.socket.close(code, reason);
    // A peer that never answers the close handshake is cut after a grace period.
    setTimeout(() => this.socket.terminate(), 5_000).unref();
    this.onSocketClosed();
  }

  /**
   * Sends the desired revision if the agent does not run it yet. Safe to call any time, any number of times;
   * `known` is the desired revision when the caller already read it (a batch reconcile), and `frames` the
   * apply frames that batch already encoded, by revision and hash.
   */
  async reconcile(known?: DesiredRevision | null, frames?: Map<string, Buffer>): Promise<void> {
    if (!this.hello || this.closed) return;
    const desired =
      known === undefined ? (await this.deps.revisions.desired([this.machineId])).get(this.machineId) : known;
    if (!desired || this.closed) return;
    this.desired = { revision: desired.revision, sha256: desired.sha256 };
    const applied = this.applied;
    if (applied?.number === desired.revision && applied.sha256 === desired.sha256) return;
    if (applied && applied.number >= desired.revision) {
      this.deps.log.warn(
        { agentRevision: applied.number, desired: desired.revision },
        'agent runs a newer revision number than Paddock knows: renumbering the desired revision',
      );
      await this.deps.revisions.renumber(this.machineId, applied.number);
      return;
    }
    if (this.sentRevision === desired.revision) return;
    this.sentRevision = desired.revision;
    const key = `${desired.revision}:${desired.sha256}`;
    let frame = frames?.get(key);
    if (!frame) {
      const apply = {
        type: 'apply',
        revision: desired.revision,
        sha256: desired.sha256,
        config: desired.config,
      };
      frame = Buffer.from(encodeMessage(apply as ServerMessage));
      frames?.set(key, frame);
    }
    this.sendEncoded(frame);
    this.deps.log.info({ revision: desired.revision }, 'sent revision');
  }

  private async onFrame(data: Buffer, isBinary: boolean): Promise<void> {
    const parsed = parseAgentMessage(isBinary ? data : data.toString('utf8'));
    if (!parsed.ok) {
      this.deps.counters.invalidFrames++;
      this.deps.log.warn({ error: parsed.error }, 'dropped an invalid frame');
      if (++this.invalidInWindow > this.deps.options.maxInvalidFrames) {
        this.close(CLOSE.protocolViolation, 'too many invalid frames');
      }
      return;
    }
    try {
      await this.handle(parsed.message);
    } catch (err) {
      this.deps.log.error({ err, type: parsed.message.type }, 'failed to handle an agent message');
    }
  }

  private async handle(message: AgentMessage): Promise<void> {
    if (message.type === 'hello') return this.onHello(message);
    await this.dispatch(message);
    if (message.type !== 'status') this.deps.onChanged(this.machineId);
  }

  private async dispatch(message: Exclude<AgentMessage, Hello>): Promise<void> {
    if (!this.hello) {
      this.close(CLOSE.protocolViolation, 'the first message must be hello');
      return;
    }
    void this.touch();
    const { store } = this.deps;
    switch (message.type) {
      case 'applied': {
        if (!this.applied || message.revision >= this.applied.number) {
          this.applied = { number: message.revision, sha256: message.sha256 };
        }
        if (this.sentRevision === message.revision) this.sentRevision = null;
        const known = await store.markApplied(this.machineId, message.revision, message.sha256);
        if (known) {
          this.deps.log.info({ revision: message.revision, written: message.written }, 'revision applied');
        } else {
          this.deps.log.warn(
            { revision: message.revision },
            'agent reported a revision Paddock did not send',
          );
        }
        // Anything newer was sent the moment it was known; ask the database again only when the agent now runs
        // something other than the desired revision this session knows of.
        const desired = this.desired;
        if (
          !known ||
          !desired ||
          desired.revision !== message.revision ||
          desired.sha256 !== message.sha256
        ) {
          await this.reconcile();
        }
        return;
      }
      case 'failed':
        await store.markFailed(this.machineId, message.revision, `${message.code}: ${message.message}`);
        this.deps.log.warn({ revision: message.revision, code: message.code }, 'revision failed');
        return;
      case 'status':
        await store.recordStatus(this.machineId, message);
        return;
      case 'drift':
        await store.recordDrift(this.machineId, message.diskSha256, message.paths);
        return;
      case 'tokenRotated': {
        const adopted = await store.adoptRotatedTokens(this.machineId, message);
        this.deps.log.info(
          { adopted, reported: message.tokens.length },
          'adopted tokens rotated by gitlab-runner',
        );
        return;
      }
    }
  }

  private async onHello(hello: Hello): Promise<void> {
    if (this.hello) {
      this.close(CLOSE.protocolViolation, 'hello sent twice');
      return;
    }
    clearTimeout(this.helloTimer);
    if (!isCompatible(hello.protocolVersion)) {
      this.close(
        CLOSE.versionMismatch,
        `protocol ${hello.protocolVersion} is not compatible with the server's ${PROTOCOL_VERSION}; upgrade the agent`,
      );
      return;
    }
    const claimed = await this.deps.store.claimSystemId(this.machineId, hello.systemId);
    if (!claimed) {
      this.close(CLOSE.protocolViolation, `system_id ${hello.systemId} belongs to another machine`);
      return;
    }
    this.hello = hello;
    this.applied = hello.applied;
    const replaced = this.deps.onHello(this);
    replaced?.close(CLOSE.replaced, 'replaced by a newer connection from the same machine');
    await this.deps.store.recordHello(this.machineId, hello);
    this.deps.onOnline(this.machineId);
    this.deps.onChanged(this.machineId);
    this.send({
      type: 'welcome',
      protocolVersion: PROTOCOL_VERSION,
      machineId: this.machineId,
      heartbeatIntervalMs: this.deps.options.heartbeatIntervalMs,
    });
    this.startHeartbeat();
    this.deps.log.info(
      { systemId: hello.systemId, applied: hello.applied?.number ?? null },
      'agent connected',
    );
    // Through the gateway, which reads the desired revisions of agents connecting together in one go (after
    // an API restart, the whole fleet reconnects within seconds).
    this.deps.requestReconcile(this.machineId);
  }

  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => {
      this.invalidInWindow = 0;
      if (!this.alive) {
        this.deps.log.warn('agent missed a heartbeat: terminating the connection');
        this.socket.terminate();
        return;
      }
      this.alive = false;
      this.socket.ping();
    }, this.deps.options.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** Records that the agent is alive, at most once per heartbeat interval. */
  private async touch(): Promise<void> {
    const now = Date.now();
    if (now - this.lastSeenWrite < this.deps.options.heartbeatIntervalMs / 2) return;
    this.lastSeenWrite = now;
    await this.deps.store
      .touch(this.machineId)
      .catch((err: unknown) => this.deps.log.warn({ err }, 'touch failed'));
  }

  private onSocketClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.helloTimer);
    clearInterval(this.heartbeat);
    this.deps.onClose(this);
  }
}
