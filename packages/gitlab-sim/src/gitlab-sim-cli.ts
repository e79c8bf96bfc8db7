#!/usr/bin/env node
/** The `gitlab-sim` executable: see gitlab/cli.ts. */
import { main, nodeIo } from './gitlab/cli.js';

process.exitCode = await main(process.argv.slice(2), nodeIo);
