/**
 * One agent's connection: the hello handshake, then dispatch of each parsed frame to the machine's state in the
 * database. The socket is a doorbell: every state change is written first, and `reconcile()` sends whatever the
 * database says the machine should run, so a lost frame or a reconnect never leaves a machine behind.
 *
 * The agent is not trusted: its machine is the one its credential belongs to, never one a frame names; frames
 * are rate-limited before they are parsed; reports about anything that is not this machine's are refused,
 * logged and counted.
 */
import {
  CLOSE,
  MAX_FRAME_BYTES,
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
  /**
   * Calls `listener` with each rollout committed in this process and its machines' revisions, rendered, so they
   * can be sent without reading them back; returns the unsubscribe.
   */
  onCommitted?(listener: (rolloutId: string, revisions: Map<string, DesiredRevision>) => void): () => void;
}

export interface SessionOptions {
  heartbeatIntervalMs: number;
  helloTimeoutMs: number;
  /** invalid frames tolerated per heartbeat interval before the agent is cut off */
  maxInvalidFrames: number;
  /** frames (pings included) accepted at once, and refilled per second: a token bucket per connection */
  frameBurst: number;
  framesPerSecond: number;
}

/** Since the process started, over every agent connection of this replica. */
export interface SessionCounters {
  /** frames dropped because they did not parse */
  invalidFrames: number;
  /** connections closed for sending frames faster than allowed */
  rateLimited: number;
  /** connections closed by the websocket layer for a frame above MAX_FRAME_BYTES */
  oversizedFrames: number;
  /** reports refused: about another machine's system_id, runner or revision, or a token with unreadable dates */
  refusedReports: number;
}

export function newSessionCounters(): SessionCounters {
  return { invalidFrames: 0, rateLimited: 0, oversizedFrames: 0, refusedReports: 0 };
}

/** ws's error code for a frame above `maxPayload` (it closes with 1009 itself). */
const WS_TOO_LARGE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

export class AgentSession {
  private hello: Hello | null = null;
  /** set when a hello arrives, before it is checked: a second one during the checks is a violation too */
  private helloReceived = false;
  private helloTimer: NodeJS.Timeout;
  private heartbeat: NodeJS.Timeout | undefined;
  private alive = true;
  private invalidInWindow = 0;
  /** frames the agent may still send now; refilled with time up to the burst */
  private frameTokens: number;
  private frameTokensAt = performance.now();
  private lastSeenWrite = 0;
  /** revision last sent, so a reconcile does not resend the same apply while the agent works on it */
  private sentRevision: number | null = null;
  /** the desired revision this session last read, to know after an `applied` whether more is due */
  private desired: { revision: number; sha256: string } | null = null;

  /** The number of the newest revision this session knows the machine should run (read or sent), if any. */
  get knownRevision(): number | null {
    return Math.max(this.desired?.revision ?? 0, this.sentRevision ?? 0) || null;
  }
  /** what the agent last said it runs (hello, then each `applied`) */
  private applied: { number: number; sha256: string } | null = null;
  private closed = false;
  /** frames being handled and heartbeats being written, which may still mark the machine online */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    readonly machineId: string,
    /** the credential this connection authenticated with: a revocation closes only its own connections */
    readonly credentialId: string,
    private readonly socket: WebSocket,
    private readonly deps: {
      store: Pick<
        GatewayStore,
        | 'liveCredentials'
        | 'claimSystemId'
        | 'recordHello'
        | 'touch'
        | 'markApplied'
        | 'markFailed'
        | 'recordStatus'
        | 'recordDrift'
        | 'adoptRotatedTokens'
      >;
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
      /** a heartbeat's status was stored: running jobs and host figures moved, nothing a machine page lists */
      onStatus?: () => void;
      /** tokens of these runners were rotated by gitlab-runner and adopted: re-render their machines */
      onTokensAdopted: (runnerIds: string[]) => void;
    },
  ) {
    this.frameTokens = deps.options.frameBurst;
    this.helloTimer = setTimeout(
      () => this.close(CLOSE.helloTimeout, 'no hello received'),
      deps.options.helloTimeoutMs,
    );
    socket.on('message', (data, isBinary) => {
      if (this.closed || !this.takeFrameToken()) return;
      this.track(this.onFrame(data as Buffer, isBinary));
    });
    // Pings cost the API an answer each: they spend from the same bucket.
    socket.on('ping', () => {
      if (!this.closed) this.takeFrameToken();
    });
    socket.on('pong', () => {
      this.alive = true;
      this.track(this.touch());
    });
    socket.on('close', () => this.onSocketClosed());
    socket.on('error', (err: Error & { code?: string }) => {
      if (err.code === WS_TOO_LARGE) {
        // ws has already answered with 1009 (message too big) and is closing the socket.
        deps.counters.oversizedFrames++;
        deps.log.warn(
          { limit: MAX_FRAME_BYTES },
          'agent sent a frame above the size limit: connection closed',
        );
        return;
      }
      deps.log.warn({ err }, 'agent socket error');
    });
  }

  /** Resolves once the writes of every frame received so far are done (or failed). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
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
   * apply frames that batch already encoded, by revision and hash. True when it sent a revision.
   */
  async reconcile(known?: DesiredRevision | null, frames?: Map<string, Buffer>): Promise<boolean> {
    if (!this.hello || this.closed) return false;
    const desired =
      known === undefined ? (await this.deps.revisions.desired([this.machineId])).get(this.machineId) : known;
    if (!desired || this.closed) return false;
    this.desired = { revision: desired.revision, sha256: desired.sha256 };
    const applied = this.applied;
    if (applied?.number === desired.revision && applied.sha256 === desired.sha256) return false;
    if (applied && applied.number >= desired.revision) {
      this.deps.log.warn(
        { agentRevision: applied.number, desired: desired.revision },
        'agent runs a newer revision number than Paddock knows: renumbering the desired revision',
      );
      await this.deps.revisions.renumber(this.machineId, applied.number);
      return false;
    }
    if (this.sentRevision === desired.revision) return false;
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
    // Per machine at debug: the gateway logs each batch it sends, and a rollout may reach thousands of machines.
    this.deps.log.debug({ revision: desired.revision }, 'sent revision');
    return true;
  }

  /** Takes one frame from the bucket; closes the connection when it is empty. */
  private takeFrameToken(): boolean {
    const { frameBurst, framesPerSecond } = this.deps.options;
    const now = performance.now();
    this.frameTokens = Math.min(
      frameBurst,
      this.frameTokens + ((now - this.frameTokensAt) / 1000) * framesPerSecond,
    );
    this.frameTokensAt = now;
    if (this.frameTokens >= 1) {
      this.frameTokens -= 1;
      return true;
    }
    this.deps.counters.rateLimited++;
    this.close(
      CLOSE.rateLimited,
      `too many frames: at most ${framesPerSecond} per second (bursts of ${frameBurst})`,
    );
    return false;
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
    else this.deps.onStatus?.();
  }

  private async dispatch(message: Exclude<AgentMessage, Hello>): Promise<void> {
    if (!this.hello) {
      this.close(CLOSE.protocolViolation, 'the first message must be hello');
      return;
    }
    this.track(this.touch());
    const { store } = this.deps;
    switch (message.type) {
      case 'applied': {
        if (this.sentRevision === message.revision) this.sentRevision = null;
        const known = await store.markApplied(this.machineId, message.revision, message.sha256);
        if (known) {
          if (!this.applied || message.revision >= this.applied.number) {
            this.applied = { number: message.revision, sha256: message.sha256 };
          }
          this.deps.log.info({ revision: message.revision, written: message.written }, 'revision applied');
        } else {
          // Not taken as what the agent runs either: a made-up revision number must not make Paddock renumber.
          this.deps.counters.refusedReports++;
          this.deps.log.warn(
            { revision: message.revision },
            'refused an applied report: this machine has no such revision with that hash',
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
      case 'failed': {
        const outcome = await store.markFailed(
          this.machineId,
          message.revision,
          `${message.code}: ${message.message}`,
        );
        if (outcome === 'recorded') {
          this.deps.log.warn({ revision: message.revision, code: message.code }, 'revision failed');
        } else if (outcome === 'stale') {
          this.deps.log.info(
            { revision: message.revision, code: message.code },
            'ignored a failure of a revision already applied or superseded',
          );
        } else {
          this.deps.counters.refusedReports++;
          this.deps.log.warn(
            { revision: message.revision },
            'refused a failed report: this machine has no such revision',
          );
        }
        return;
      }
      case 'status':
        await store.recordStatus(this.machineId, message);
        return;
      case 'drift':
        await store.recordDrift(this.machineId, message.diskSha256, message.paths);
        return;
      case 'tokenRotated': {
        const { adopted, refused } = await store.adoptRotatedTokens(this.machineId, message);
        if (refused.length > 0) {
          this.deps.counters.refusedReports += refused.length;
          this.deps.log.warn({ refused }, 'refused rotated tokens of runners this machine does not run');
        }
        if (adopted.length > 0) {
          this.deps.log.info(
            { adopted, reported: message.tokens.length },
            'adopted tokens rotated by gitlab-runner',
          );
          this.deps.onTokensAdopted(adopted);
        }
        return;
      }
    }
  }

  private async onHello(hello: Hello): Promise<void> {
    if (this.helloReceived) {
      this.close(CLOSE.protocolViolation, 'hello sent twice');
      return;
    }
    this.helloReceived = true;
    clearTimeout(this.helloTimer);
    if (!isCompatible(hello.protocolVersion)) {
      this.close(
        CLOSE.versionMismatch,
        `protocol ${hello.protocolVersion} is not compatible with the server's ${PROTOCOL_VERSION}; upgrade the agent`,
      );
      return;
    }
    // The credential may have been revoked since the upgrade checked it: before this socket existed, or with an
    // announcement that was lost.
    const live = await this.deps.store.liveCredentials([this.credentialId]);
    if (this.closed) return;
    if (!live.has(this.credentialId)) {
      this.close(CLOSE.revoked, 'credential revoked');
      return;
    }
    const claimed = await this.deps.store.claimSystemId(this.machineId, hello.systemId);
    if (!claimed) {
      this.deps.counters.refusedReports++;
      this.deps.log.warn({ systemId: hello.systemId }, 'refused a hello with another machine’s system_id');
      this.close(CLOSE.protocolViolation, `system_id ${hello.systemId} belongs to another machine`);
      return;
    }
    if (this.closed) return;
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
