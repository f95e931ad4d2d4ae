#!/usr/bin/env node
/**
 * `npm run chaos`: a bounded run that proves money and stock stay right under faults.
 * Starts its own stack on loopback (Temporal dev server on SQLite, embedded PostgreSQL behind a
 * TCP proxy, four worker processes), places seeded orders while crashing and restarting parts of
 * it, waits until every order settles, checks the invariants and prints what it saw.
 * Exit codes: 0 every invariant holds; 1 a violation, the time bound hit, or a runner error; 130 interrupted.
 */
import { Command, InvalidArgumentError } from 'commander';
import { formatReport, writeJson } from '../tools/chaos/report';
import { runChaos } from '../tools/chaos/runner';
import { interruptOnSignals } from '../tools/dev-stack/interrupt';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}
function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError('must be an integer 0..2^32-1');
  return n;
}
function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('chaos')
    .description(
      'Place orders while crashing workers, restarting Temporal and PostgreSQL, and cutting the database off; then check money and stock.',
    )
    .option('--orders <n>', 'orders to place', positiveInt, 500)
    .option('--concurrency <n>', 'orders in flight at once', positiveInt, 20)
    .option('--seed <n>', 'seed of the order mix and the fault schedule (default: random, printed)', nonNegativeInt)
    .option('--json <file>', 'also write the full report as JSON')
    .option('--max-minutes <n>', 'hard bound on the whole run, shutdown included', positiveNumber, 20)
    .option(
      '--approval-timeout-ms <n>',
      'approval window of big orders (some are left to time out)',
      positiveInt,
      20_000,
    )
    .option(
      '--order-timeout-s <n>',
      'one order may take this long from placement; past that it is reported unsettled',
      positiveInt,
      300,
    )
    .option('--keep', 'keep the run directory (process logs, SQLite file, database) even when the run passes')
    .addHelpText(
      'after',
      '\nExamples:\n  npm run chaos -- --orders 30 --concurrency 10 --seed 7\n  npm run chaos -- --json chaos.json',
    );
  program.parse(argv);
  const o = program.opts<{
    orders: number;
    concurrency: number;
    seed?: number;
    json?: string;
    maxMinutes: number;
    approvalTimeoutMs: number;
    orderTimeoutS: number;
    keep?: boolean;
  }>();
  const seed = o.seed ?? Math.floor(Math.random() * 0x7fffffff);
  process.stderr.write(
    `chaos: ${o.orders} orders, concurrency ${o.concurrency}, seed ${seed}, bound ${o.maxMinutes} min\n`,
  );

  const interrupted = interruptOnSignals('chaos');

  const report = await runChaos({
    orders: o.orders,
    concurrency: o.concurrency,
    seed,
    maxMinutes: o.maxMinutes,
    approvalTimeoutMs: o.approvalTimeoutMs,
    orderTimeoutMs: o.orderTimeoutS * 1000,
    keepRunDir: o.keep,
    signal: interrupted,
  });
  process.stdout.write(`\n${formatReport(report)}\n`);
  if (o.json) writeJson(o.json, report);
  if (interrupted.aborted) return 130;
  return report.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
