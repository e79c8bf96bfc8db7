#!/usr/bin/env node
/** The `runner-sim` executable: see runner-sim-main.ts. */
import { main, nodeIo } from './runner-sim-main.js';

process.exitCode = await main(process.argv.slice(2), nodeIo);
