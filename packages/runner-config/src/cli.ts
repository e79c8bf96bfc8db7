#!/usr/bin/env node
/** The `paddock-config` executable: see cli-main.ts. */
import { main, nodeIo } from './cli-main.js';

process.exitCode = await main(process.argv.slice(2), nodeIo);
