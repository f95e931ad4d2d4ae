#!/usr/bin/env node
/**
 * The `orders` CLI. Heavy modules (the Temporal client) load inside each command's action so
 * `orders --help` stays fast.
 */
import { Command } from 'commander';

const program = new Command()
  .name('orders')
  .description('Place, watch and approve durable orders')
  .addHelpText('after', '\nExample:\n  $ orders doctor');

program
  .command('doctor')
  .description('Check the stack: one activity on every service task queue writes a row to PostgreSQL')
  .option('--json', 'print one JSON document')
  .addHelpText('after', '\nExample:\n  $ orders doctor --json')
  .action(async (opts: { json?: boolean }) => {
    const { doctor } = await import('./src/cli/doctor.js');
    process.exitCode = await doctor(opts);
  });

program.parseAsync().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
