/**
 * The agent's side of the conversation: what goes into `hello` and `status`, what `apply` does and answers, and
 * when drift is (re)reported. The connection calls these; they know nothing about sockets.
 */
import { PROTOCOL_VERSION, type AgentMessage, type Apply, type Hello, type Status } from '@paddock/protocol';
import type { ConfigStore } from '../config-store/config-store.js';
import type { DriftMessage, DriftWatcher } from '../config-store/drift-watcher.js';
import type { Sender, SessionHandlers } from '../connection/agent-connection.js';
import type { Logger } from '../log/logger.js';
import type { RunnerProbe } from '../runner-probe/probe.js';
import type { HostInfo } from './host.js';

export interface AgentIdentity {
  systemId: string;
  hostname: string;
  os: string;
  arch: string;
  agentVersion: string;
}

export interface SessionDeps {
  identity: AgentIdentity;
  store: ConfigStore;
  probe: RunnerProbe;
  host: HostInfo;
  logger: Logger;
  /** created with `send: (m) => session.outbox(m)`, so the two refer to each other */
  driftWatcher?: DriftWatcher;
}

export interface Session extends SessionHandlers {
  /** Sends through the current connection; false when there is none. For the drift watcher. */
  outbox(message: DriftMessage): boolean;
}

const SHORT_TEXT = 255;

export function createSession(deps: SessionDeps): Session {
  const { identity, store, probe, host, logger } = deps;
  let sender: Sender | null = null;

  const diskSha256 = async () => (await store.readDisk())?.sha256 ?? null;

  return {
    async hello(): Promise<Hello> {
      // The first hello should carry gitlab-runner's version: scrape once if nothing was scraped yet.
      if (!probe.hasScraped()) await probe.scrape();
      const h = host();
      const runnerVersion = probe.lastVersion();
      return {
        type: 'hello',
        protocolVersion: PROTOCOL_VERSION,
        agentVersion: identity.agentVersion.slice(0, SHORT_TEXT),
        systemId: identity.systemId,
        hostname: identity.hostname.slice(0, SHORT_TEXT),
        os: identity.os.slice(0, SHORT_TEXT),
        arch: identity.arch.slice(0, SHORT_TEXT),
        runnerVersion: runnerVersion === null ? null : runnerVersion.slice(0, SHORT_TEXT),
        applied: store.applied(),
        diskSha256: await diskSha256(),
        cpuCount: h.cpuCount,
        memoryBytes: h.memoryBytes,
      };
    },

    async status(): Promise<Status> {
      const [runner, disk] = await Promise.all([probe.scrape(), diskSha256()]);
      if (runner.version) runner.version = runner.version.slice(0, SHORT_TEXT);
      return { type: 'status', diskSha256: disk, runner, host: host() };
    },

    async apply(message: Apply): Promise<AgentMessage | null> {
      const outcome = await store.apply({
        revision: message.revision,
        config: message.config,
        sha256: message.sha256,
      });
      switch (outcome.kind) {
        case 'applied': {
          logger.info('applied revision', { revision: outcome.revision, written: outcome.written });
          deps.driftWatcher?.reset();
          void deps.driftWatcher?.check();
          return {
            type: 'applied',
            revision: outcome.revision,
            sha256: outcome.sha256,
            written: outcome.written,
          };
        }
        case 'failed':
          logger.warn('cannot apply revision', {
            revision: outcome.revision,
            code: outcome.code,
            reason: outcome.message,
          });
          return { type: 'failed', revision: outcome.revision, code: outcome.code, message: outcome.message };
        case 'ignored':
          logger.info('ignored an older revision', { revision: outcome.revision, reason: outcome.reason });
          return null;
      }
    },

    connected(_welcome, send) {
      sender = send;
      // Anything reported while disconnected was lost: say it again.
      void deps.driftWatcher?.check({ resend: true });
    },

    disconnected() {
      sender = null;
    },

    outbox(message) {
      return sender ? sender(message) : false;
    },
  };
}
