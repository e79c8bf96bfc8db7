/** The agent's own version, reported at enrollment and in `hello`; read from package.json at build time. */
import pkg from '../package.json' with { type: 'json' };

export const AGENT_VERSION: string = pkg.version;
