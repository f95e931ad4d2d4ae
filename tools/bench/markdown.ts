/**
 * docs/benchmarks.md, generated from a run's report and the tuning log. Everything is generated
 * except the text between the tuning-notes markers, which is read from the existing file and
 * written back unchanged: that is where people explain the tuning changes in their own words.
 */
import type { BenchLog, LogEntry, RowKey } from './bench-log';
import type { Slope } from './growth';
import { COLUMNS, floorCalls, serverCpuMs, workersPhrase, type BenchReport, type BenchRow } from './report';
import { SHAPE_DESCRIPTIONS } from './shapes';

export const NOTES_START = '<!-- tuning-notes:start -->';
export const NOTES_END = '<!-- tuning-notes:end -->';
const DEFAULT_NOTES = '_Why each change was made and what it risks: written by hand, kept by the generator._';

/** The hand-written tuning notes of an existing docs/benchmarks.md (the default for a new one). */
export function keptNotes(existing: string | undefined): string {
  const start = existing?.indexOf(NOTES_START) ?? -1;
  const end = existing?.indexOf(NOTES_END) ?? -1;
  if (!existing || start < 0 || end < start) return DEFAULT_NOTES;
  return existing.slice(start + NOTES_START.length, end).trim() || DEFAULT_NOTES;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');
const pct = (a: number, b: number) => `${Math.round((100 * a) / b)} %`;
const fixed = (v: number | undefined, digits = 2) => (v === undefined ? '–' : v.toFixed(digits));

function markdownTable(head: string[], rows: string[][], rightFrom = 1): string {
  const align = head.map((_, i) => (i >= rightFrom ? '---:' : '---'));
  return [head, align, ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

function byKind(report: BenchReport, kind: BenchRow['kind'], shape?: string): BenchRow | undefined {
  return report.rows.find((r) => r.kind === kind && (shape === undefined || r.shape === shape));
}

/**
 * The machine's CPU per order against the floor's: with every core busy, CPU per order sets the
 * pace, whatever process spends it (the server, the worker, PostgreSQL, the bench).
 */
export function cpuBudget(report: BenchReport, order: BenchRow, floor: BenchRow): string | undefined {
  const orderMs = order.perOrder.machineCpuMs;
  const floorMs = floor.perOrder.machineCpuMs;
  const busy = order.resources.machineCpuPercent;
  const cores = report.machine.cpus;
  if (orderMs === undefined || floorMs === undefined || busy === undefined || !orderMs || !floorMs) return undefined;
  const parts = (row: BenchRow) => {
    const worker = row.perOrder.cpuMs;
    const server = serverCpuMs(row);
    if (worker === undefined || server === undefined) return undefined;
    const pg = row.perOrder.pgCpuMs;
    return { worker, server, pg, rest: row.perOrder.machineCpuMs! - worker - server - (pg ?? 0) };
  };
  const [o, f] = [parts(order), parts(floor)];
  const ms = (n: number) => n.toFixed(0);
  const against = (what: string, a: number, b: number) => `${what} ${ms(a)} against ${ms(b)}`;
  const split =
    o && f
      ? ` (${against('worker', o.worker, f.worker)}, ${against('server', o.server, f.server)}, ` +
        (o.pg !== undefined && f.pg !== undefined
          ? `${against('PostgreSQL', o.pg, f.pg)}, the rest, the bench placing and awaiting, the kernel, ${ms(o.rest)} against ${ms(f.rest)})`
          : `the rest, PostgreSQL, the bench placing and awaiting, the kernel, ${ms(o.rest)} against ${ms(f.rest)})`)
      : '';
  return (
    `**The CPU budget.** The machine (${cores} cores; every process on it) spent ${ms(orderMs)} ms of CPU ` +
    `per ${order.name} order and ${ms(floorMs)} ms per floor workflow, ${(orderMs / floorMs).toFixed(2)}×${split}, ` +
    `and was ${(busy / cores).toFixed(0)} % busy while the orders ran. With every core busy, CPU per order sets the ` +
    `pace: ${cores} cores at ${ms(orderMs)} ms an order allow about ${((cores * 1000) / orderMs).toFixed(1)} orders/s.`
  );
}

/** The sentences that read the table: the order against its floor and against no Temporal. */
function findings(report: BenchReport): string[] {
  const out: string[] = [];
  const first = report.floor && byKind(report, 'order', report.floor.from);
  const floor = byKind(report, 'floor');
  const local = byKind(report, 'floor-local');
  const inProcess = byKind(report, 'in-process');
  if (first && floor && local)
    out.push(
      `**Against the floor.** ${first.name} orders ran at ${first.perSecond.toFixed(2)}/s: ${pct(first.perSecond, floor.perSecond)} ` +
        `of a bare workflow making the same calls (${floorCalls(report.floor!.activities, report.floor!.localActivities ?? 0)}: ${floor.perSecond.toFixed(2)}/s), ` +
        `${pct(first.perSecond, local.perSecond)} of the same with every call a local activity (${local.perSecond.toFixed(2)}/s).`,
    );
  const budget = first && floor && cpuBudget(report, first, floor);
  if (budget) out.push(budget);
  const same = inProcess && byKind(report, 'order', inProcess.shape);
  if (same && inProcess)
    out.push(
      `**The cost of durability.** The same business logic called in-process, without Temporal, ran ` +
        `${inProcess.shape} orders at ${inProcess.perSecond.toFixed(2)}/s with a p50 of ` +
        `${(inProcess.latencyMs.p50 / 1000).toFixed(3)} s; the durable ${same.name} order ran at ` +
        `${same.perSecond.toFixed(2)}/s (${pct(same.perSecond, inProcess.perSecond)}) with a p50 of ` +
        `${(same.latencyMs.p50 / 1000).toFixed(2)} s.`,
    );
  const g = report.growth;
  if (g) {
    const segments = (s: Slope, unit: (v: number) => string) =>
      s.segments.map((x) => `${x.from}→${x.to} lines ${unit(x.perLine)}`).join(', ');
    const events = (v: number) => `${v.toFixed(2)} events`;
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    out.push(
      `**Cost growth** (one-warehouse orders of ${g.lines.join(' / ')} lines; least-squares slope per extra line). ` +
        `History events: ${events(g.events.perLine)} per line (${segments(g.events, events)}); ` +
        `p50: ${ms(g.p50Ms.perLine)} per line (${segments(g.p50Ms, ms)}); ` +
        `SQL statements: ${g.sqlStatements.perLine.toFixed(2)} per line. ` +
        (g.events.atMostLinear && g.p50Ms.atMostLinear
          ? 'Neither grows faster than linearly: the largest order costs no more than the first segment predicts (within 10 % of the smallest).'
          : `Growth is faster than linear in ${[g.events.atMostLinear ? '' : 'events', g.p50Ms.atMostLinear ? '' : 'p50'].filter(Boolean).join(' and ')}: the largest order costs more than the first segment predicts.`) +
        (g.secondWarehouse
          ? ` A second warehouse (ten lines from two against from one: a second parcel) adds ${g.secondWarehouse.events.toFixed(1)} events and ${ms(g.secondWarehouse.p50Ms)} of p50.`
          : ''),
    );
  }
  return out;
}

function tuningLog(log: BenchLog): string {
  if (log.entries.length === 0)
    return '_No entries yet: `npm run bench -- --label "<change>" --docs` appends one to `docs/bench-log.json`._';
  const rate = (e: LogEntry, k: RowKey) => fixed(e.rows[k]?.perSecond);
  const rows = log.entries.map((e) => [
    e.label + (e.ok ? '' : ' (some orders failed)'),
    e.date.slice(0, 10),
    e.commit ?? '–',
    `${e.orders} @ ${e.concurrency}`,
    rate(e, 'one-line'),
    fixed(e.rows['one-line'] && e.rows['one-line'].p50Ms / 1000),
    fixed(e.rows['one-line']?.activities, 0),
    fixed(e.rows['one-line']?.historyEvents, 0),
    rate(e, 'ten-lines'),
    rate(e, 'approval'),
    rate(e, 'floor'),
    rate(e, 'floor-local'),
    rate(e, 'in-process'),
  ]);
  return markdownTable(
    [
      'change',
      'date',
      'commit',
      'orders @ conc.',
      'one-line /s',
      'one-line p50 s',
      'activities',
      'events',
      'ten-lines /s',
      'approval /s',
      'floor /s',
      'floor LA /s',
      'in-process /s',
    ],
    rows,
    3,
  );
}

export function renderBenchmarksMd(report: BenchReport, log: BenchLog, notes: string, chartFile: string): string {
  const m = report.machine;
  const o = report.options;
  const commit = report.commit
    ? `\`${report.commit.sha.slice(0, 7)}\`${report.commit.dirty ? ' (with uncommitted changes)' : ''}`
    : 'an unknown commit';
  const table = markdownTable(
    COLUMNS.map((c) => c.head),
    report.rows.map((r) => COLUMNS.map((c) => c.cell(r))),
  );
  const shapes = o.shapes.map((s) => `\`${s}\` (${SHAPE_DESCRIPTIONS[s]})`).join('; ');
  return `# Benchmarks

<!-- Generated by \`npm run bench -- --docs\` (tools/bench/markdown.ts). Edit the generator, not this file, except
between the tuning-notes markers below: that text is kept as it is. -->

Measured ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC on commit ${commit}${report.label ? `, run labelled “${report.label}”` : ''}:
${o.orders} orders of each shape at concurrency ${o.concurrency}, sandbox transit ${o.transitMs} ms, ${workersPhrase(report)}, after ${o.warmup} warm-up order${o.warmup === 1 ? '' : 's'}.
Shapes: ${shapes}. ${report.ok ? 'Every order was delivered and every floor workflow completed.' : `**Problems:** ${report.problems.join('; ')}`}

![Throughput and median latency of each run](${chartFile})

${table}

Per order (floor rows: per workflow). _per s_: completed per second from the first placement to the last
end. _p50/p95/p99_: placement → terminal status as the client saw it. _events_: history events of the
order and its shipment children; _WF tasks_: workflow tasks completed; _activities_ / _local acts_: activity
tasks scheduled and local-activity markers (in-process: activity functions called). _SQL (tx)_: statements
(of them BEGINs) sent by the workers and by the placing client. _worker CPU ms_, _worker CPU %_ (of one core)
and _RSS_ (peak of the sum): the worker processes together (in-process: the bench process). _server CPU ms_: the
Temporal dev server the bench started, or against a running server every Temporal server process on this machine.
_PG CPU ms_: every \`postgres\` process on the machine (the workers' database and, on a cluster, Temporal's).
_machine CPU ms_: every process on the machine (server, workers, PostgreSQL, the bench), from \`/proc/stat\`.

${findings(report).join('\n\n')}

## Machine and stack

- CPU: ${m.cpus} × ${m.cpuModel}; memory ${m.memoryGiB} GiB; ${m.os}, kernel ${m.kernel}
- Node ${m.node}; Temporal ${report.stack.temporalServerVersion ? `server ${report.stack.temporalServerVersion}` : 'server'}${m.temporalCli ? ` (CLI ${m.temporalCli})` : ''}; ${m.postgres ?? 'PostgreSQL'}
- Temporal: ${report.stack.temporal}${report.stack.serverFlags?.length ? ` with \`${report.stack.serverFlags.join(' ')}\`` : ''}
- Database: ${report.stack.database}; worker: ${report.stack.worker}
- Load average (1 min) ${m.loadAverage ? `just before the run ${m.loadAverage.atStart}, at its end ${m.loadAverage.atEnd ?? '?'} (the bench's own processes included)` : 'unknown'}: other work on the machine lowers every number

## How it is measured

- One timed phase per row, one after the other on the same server and worker: each shape's orders, then
  the floor (a bare workflow, \`workflows/bench-floor.ts\`, making as many sequential one-INSERT local activity
  and activity calls as the first shape's order made${report.floor ? `: ${floorCalls(report.floor.activities, report.floor.localActivities ?? 0)}, measured in this run from ${report.floor.from} histories` : ''}), the
  same calls all as local activities, then the in-process baseline (\`tools/bench/in-process.ts\`: the same activity
  functions in the order's sequence, no Temporal, at the same concurrency and pool size).
- Orders are placed as \`orders place\` places them (card token exchanged at the sandbox vault, then the
  workflow started); approval orders are approved by Update as soon as their \`OrderStatus\` search
  attribute says \`AwaitingApproval\` (looked up every 100 ms).
- History counts come from each workflow's history and its children's after the phase.
- CPU is utime + stime from \`/proc/<pid>/stat\` over the phase, summed over the processes of each column
  (PostgreSQL's and a running server's found by name, read at both ends of the phase and every second between;
  the machine's: the busy fields of
  \`/proc/stat\`'s first line, so anything else running on the machine counts too); RSS is VmRSS from \`/proc/<pid>/status\`,
  sampled every 250 ms, the peak. SQL statements are counted client-side: \`pg\`'s \`Client.query\` wrapped in
  the worker (preloaded with \`node --require\`) and in the bench process; PostgreSQL's pg_stat_statements
  needs a server preload that embedded and stock servers lack.

## Tuning log

Headline numbers of each labelled run (\`docs/bench-log.json\`), oldest first: each row is the state after the
change it names, the row above it the state before.

${tuningLog(log)}

${NOTES_START}

${notes}

${NOTES_END}

## Reproduce

\`\`\`sh
npm run bench                                    # the defaults: its own stack, every shape
npm run bench -- --docs --label "<change>"       # regenerate this page and append to the tuning log
\`\`\`
`;
}
