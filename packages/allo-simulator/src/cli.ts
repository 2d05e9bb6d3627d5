#!/usr/bin/env node
// Entry point of `npm run simulate -- …`: only wires process I/O to runCli.
import { runCli } from './run-cli.js';

runCli(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`allo-simulator: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
