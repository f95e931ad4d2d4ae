#!/usr/bin/env node
/**
 * `npm run bench`: orders per second, latency and what one order costs (history events, workflow
 * tasks, activities, SQL statements, worker CPU and memory), next to two baselines measured in the
 * same run on the same server and worker: the floor (a bare workflow making as many one-INSERT
 * activity calls, and the same with local activities) and the cost of durability (the same
 * business logic in-process, without Temporal). Prints a table; writes JSON with --json and
 * docs/benchmarks.md (with a chart) with --docs; --label appends the run to the tuning log.
 * Exit codes: 0 every order ended as expected; 1 some did not, or the run broke; 2 bad flags; 130 interrupted.
 */
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeDocs } from '../tools/bench/docs';
import { formatTable, writeJson } from '../tools/bench/report';
import { runBench } from '../tools/bench/runner';
import { isShape, SHAPES, type Shape } from '../tools/bench/shapes';
import { projectRoot } from '../src/runtime/paths';
import { interruptOnSignals } from '../tools/dev-stack/interrupt';
import { parseOrExitCode, positiveInt, runMain, UsageError, WARMUP_ORDERS } from '../tools/bench/flags';

export const DEFAULTS = {
  orders: 20,
  concurrency: 10,
  shape: 'all',
  transitMs: 1,
  warmup: WARMUP_ORDERS,
  workers: 1,
} as const;

const USAGE = `Usage: npm run bench -- [options]

  --orders N          orders of each shape, and floor workflows, per phase (default ${DEFAULTS.orders})
  --concurrency C     in flight at once (default ${DEFAULTS.concurrency})
  --shape S           ${SHAPES.join(' | ')} | all (default ${DEFAULTS.shape})
  --transit-ms MS     sandbox carrier's transit time (default ${DEFAULTS.transitMs})
  --warmup N          untimed orders before the first phase (default ${DEFAULTS.warmup})
  --workers N         worker processes, each running every service (default ${DEFAULTS.workers})
  --address HOST:PORT use a running Temporal server (else a dev server is started)
  --json FILE         write the full report as JSON
  --docs              regenerate docs/benchmarks.md, its chart and docs/benchmarks.json
  --docs-dir DIR      where --docs and --label write (default docs/)
  --label TEXT        append this run to the tuning log (docs/bench-log.json) under TEXT
  --keep              keep the run folder (process logs, SQLite file, database)

The database: a throw-away database on DATABASE_URL's server when it is set, else an embedded
PostgreSQL. The workers are always the bench's own processes, on task queues of the run's own.

CPU per order (from /proc, Linux only; n/a elsewhere), over each timed phase:
  worker CPU   the worker processes, summed (RSS: the peak of their sum); in-process: the bench
  server CPU   the dev server the bench started (its pid); with --address, every process on this
               machine named temporal-server or temporal (the CLI's dev server), or the cluster's
               build (tools/cluster), summed: n/a when the server runs elsewhere, and any other
               Temporal server on this machine counts too
  PG CPU       every process named postgres on the machine: the workers' database and whatever
               else it serves (on a cluster, Temporal's own persistence)
  machine CPU  every process on the machine, all cores (/proc/stat)

Examples:
  npm run bench
  npm run bench -- --shape one-line --orders 100 --concurrency 20 --json /tmp/bench.json
  npm run bench -- --docs --label "dev server: SQLite WAL"`;

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      orders: { type: 'string' },
      concurrency: { type: 'string' },
      shape: { type: 'string' },
      'transit-ms': { type: 'string' },
      warmup: { type: 'string' },
      workers: { type: 'string' },
      address: { type: 'string' },
      json: { type: 'string' },
      docs: { type: 'boolean' },
      'docs-dir': { type: 'string' },
      label: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  const shape = values.shape ?? DEFAULTS.shape;
  if (shape !== 'all' && !isShape(shape))
    throw new UsageError(`--shape must be one of ${SHAPES.join(', ')} or all, got ${JSON.stringify(shape)}`);
  if (values.address !== undefined && !/^[^\s:]+:\d+$/.test(values.address))
    throw new UsageError(`--address must be host:port, got ${JSON.stringify(values.address)}`);
  if (values.label !== undefined && values.label.trim() === '') throw new UsageError('--label must not be empty');
  return {
    help: values.help ?? false,
    orders: positiveInt('orders', values.orders, DEFAULTS.orders),
    concurrency: positiveInt('concurrency', values.concurrency, DEFAULTS.concurrency),
    shapes: shape === 'all' ? [...SHAPES] : [shape as Shape],
    transitMs: positiveInt('transit-ms', values['transit-ms'], DEFAULTS.transitMs),
    warmup: positiveInt('warmup', values.warmup, DEFAULTS.warmup, 0),
    workers: positiveInt('workers', values.workers, DEFAULTS.workers),
    address: values.address,
    json: values.json,
    docs: values.docs ?? false,
    docsDir: path.resolve(values['docs-dir'] ?? path.join(projectRoot(), 'docs')),
    label: values.label?.trim(),
    keep: values.keep ?? false,
  };
}

async function main(argv: string[]): Promise<number> {
  const o = parseOrExitCode(() => parse(argv), USAGE);
  if (typeof o === 'number') return o;
  const interrupted = interruptOnSignals('bench');
  setMaxListeners(0, interrupted); // every order in flight listens to it

  const report = await runBench({
    orders: o.orders,
    concurrency: o.concurrency,
    shapes: o.shapes,
    transitMs: o.transitMs,
    warmup: o.warmup,
    workers: o.workers,
    address: o.address,
    databaseUrl: process.env.DATABASE_URL,
    label: o.label,
    progress: process.stderr.isTTY === true,
    keepRunDir: o.keep,
    signal: interrupted,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`\n${formatTable(report)}\n`);
  if (o.json) {
    writeJson(o.json, report);
    process.stderr.write(`bench: report written to ${o.json}\n`);
  }
  if ((o.docs || o.label) && report.rows.length > 0) {
    const written = await writeDocs(o.docsDir, report, o.docs);
    for (const file of written) process.stderr.write(`bench: wrote ${path.relative(process.cwd(), file) || file}\n`);
  }
  if (interrupted.aborted) return 130;
  return report.ok ? 0 : 1;
}

if (require.main === module) runMain(main);
