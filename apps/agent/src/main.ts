/**
 * paddock-agent's entry point: parses the command line and the environment (the only place that reads
 * either), builds the real implementations and runs `enroll` or the `run` daemon.
 *
 * Exit codes: 0 done (or stopped by SIGTERM/SIGINT), 1 failed, 2 usage error.
 */
import { hostname, platform, arch } from 'node:os';
import { DEFAULT_CONFIG_PATH, parseArgs, USAGE, UsageError, type Command } from './cli/args.js';
import { runnerConfigComparer } from './config-store/compare.js';
import { createConfigStore } from './config-store/config-store.js';
import { createDriftWatcher } from './config-store/drift-watcher.js';
import { createAgentConnection } from './connection/agent-connection.js';
import { agentSocketUrl } from './connection/server-url.js';
import { enroll, EnrollError } from './enroll/enroll.js';
import { errnoCode, nodeFileSystem } from './fs/file-system.js';
import { createHostInfo } from './handlers/host.js';
import { createSession, type Session } from './handlers/session.js';
import { credentialPath, CredentialError, readCredential } from './identity/credential.js';
import { loadOrCreateSystemId, SystemIdError } from './identity/system-id.js';
import { createLogger, LOG_LEVELS, type Logger, type LogLevel } from './log/logger.js';
import { metricsTargetFromListenAddress } from './runner-probe/metrics-url.js';
import { createRunnerProbe } from './runner-probe/probe.js';
import { AGENT_VERSION } from './version.js';

type RunCommand = Extract<Command, { command: 'run' }>;
type EnrollCommand = Extract<Command, { command: 'enroll' }>;

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let command: Command;
  let level: LogLevel | undefined;
  try {
    command = parseArgs(argv, {
      stateDir: env.PADDOCK_AGENT_STATE_DIR || undefined,
      enrollToken: env.PADDOCK_AGENT_ENROLL_TOKEN || undefined,
    });
    level = parseLogLevel(env.PADDOCK_AGENT_LOG_LEVEL);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`paddock-agent: ${err.message}\n\n${USAGE}`);
    return 2;
  }

  switch (command.command) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'version':
      process.stdout.write(`${AGENT_VERSION}\n`);
      return 0;
    case 'enroll':
      // enroll is interactive: its result is printed as text, so only warnings are logged unless asked for more.
      return runEnroll(
        command,
        createLogger({ level: level ?? 'warn', write: (line) => process.stderr.write(`${line}\n`) }),
      );
    case 'run':
      return runDaemon(
        command,
        createLogger({ level: level ?? 'info' }),
        env.PADDOCK_AGENT_HOSTNAME?.trim() || hostname(),
      );
  }
}

function parseLogLevel(value: string | undefined): LogLevel | undefined {
  if (value === undefined || value === '') return undefined;
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new UsageError(`PADDOCK_AGENT_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
}

async function runEnroll(command: EnrollCommand, logger: Logger): Promise<number> {
  try {
    const result = await enroll({ ...command, logger });
    process.stdout.write(
      `Enrolled this machine in Paddock as ${result.machineId} (system_id ${result.systemId}).\n` +
        `Credential saved to ${result.credentialPath}${result.replaced ? ' (replacing the previous one)' : ''}.\n` +
        `Next: start the agent, e.g. systemctl enable --now paddock-agent\n` +
        (command.configPath === DEFAULT_CONFIG_PATH ? '' : `      with --config ${command.configPath}\n`),
    );
    return 0;
  } catch (err) {
    if (err instanceof EnrollError || err instanceof SystemIdError || err instanceof CredentialError) {
      process.stderr.write(`paddock-agent: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/** `hostname`: the name reported to Paddock (PADDOCK_AGENT_HOSTNAME, else the system's: in a container often a random id). */
async function runDaemon(command: RunCommand, logger: Logger, hostname: string): Promise<number> {
  const { configPath, stateDir } = command;
  const fs = nodeFileSystem;

  const credential = await readCredential(stateDir, fs).catch((err: unknown) => {
    logger.error(err instanceof CredentialError ? err.message : 'cannot read the credential', {
      path: credentialPath(stateDir),
      code: errnoCode(err),
    });
    return undefined;
  });
  if (credential === undefined) return 1;
  if (credential === null) {
    logger.error('this machine is not enrolled: run paddock-agent enroll --server URL --token TOKEN first', {
      stateDir,
    });
    return 1;
  }
  const credentialInfo = await fs.stat(credentialPath(stateDir));
  if ((credentialInfo.mode & 0o077) !== 0) {
    logger.warn('the credential file is readable by other users; chmod 600 it', {
      path: credentialPath(stateDir),
      mode: credentialInfo.mode.toString(8),
    });
  }

  let systemId: string;
  try {
    ({ systemId } = await loadOrCreateSystemId({ configPath, fs, logger }));
  } catch (err) {
    if (!(err instanceof SystemIdError)) throw err;
    logger.error(err.message);
    return 1;
  }

  const comparer = runnerConfigComparer;
  const store = createConfigStore({
    configPath,
    stateDir,
    machineId: credential.machineId,
    comparer,
    fs,
    logger,
  });
  await store.load();

  const probe = createRunnerProbe({
    async target() {
      const disk = await store.readDisk();
      const facts = disk ? comparer.inspect(disk.text) : null;
      return {
        metrics: command.runnerMetrics
          ? { url: command.runnerMetrics }
          : metricsTargetFromListenAddress(facts?.listenAddress),
        runners: facts?.runners ?? [],
      };
    },
  });

  // The watcher and the session refer to each other: the watcher sends through the session's connection.
  const driftWatcher = createDriftWatcher({ store, comparer, fs, logger, send: (m) => session.outbox(m) });
  const session: Session = createSession({
    identity: {
      systemId,
      hostname,
      os: platform(),
      arch: arch(),
      agentVersion: AGENT_VERSION,
    },
    store,
    probe,
    host: createHostInfo(),
    logger,
    driftWatcher,
  });
  const connection = createAgentConnection({
    url: agentSocketUrl(credential.server),
    credential: credential.credential,
    handlers: session,
    logger,
  });

  logger.info('paddock-agent starting', {
    version: AGENT_VERSION,
    server: credential.server,
    machineId: credential.machineId,
    systemId,
    configPath,
    stateDir,
    applied: store.applied(),
  });
  driftWatcher.start();
  connection.start();

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info('stopping', { signal });
  driftWatcher.stop();
  await connection.stop();
  logger.info('stopped');
  return 0;
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; a straggling handle (a scrape in flight) must not delay a service stop.
    setTimeout(() => process.exit(code), 3000).unref();
  },
  (err: unknown) => {
    process.stderr.write(
      `paddock-agent: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
