#!/usr/bin/env node
/**
 * The `orders` CLI (its commands: src/cli/program.ts).
 *
 * Exit codes: 0 success; 1 operational error (server unreachable, no worker); 2 invalid input or a
 * request the workflow refuses (nothing started or written); 3 with --wait / watch, the order ended
 * Cancelled or Refunded.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './src/cli/program';

const wantsJson = process.argv.includes('--json');

buildProgram()
  .parseAsync()
  .catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // Help and version are successes; everything else commander refuses is a usage error.
      const ok =
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        (err.code === 'commander.help' && err.exitCode === 0);
      process.exitCode = ok ? err.exitCode : 2;
      if (!ok && wantsJson)
        process.stdout.write(
          `${JSON.stringify({ error: { exitCode: 2, message: err.message.replace(/^error: /, '') } })}\n`,
        );
      return;
    }
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
