#!/usr/bin/env node
/**
 * The `orders` CLI. Heavy modules (the Temporal client, zod schemas, pg) load inside each command's
 * action so `orders --help` stays fast.
 *
 * Exit codes: 0 success; 1 operational error (server unreachable, no worker); 2 invalid input or a
 * request the workflow refuses (nothing started or written); 3 with --wait / watch, the order ended
 * Cancelled or Refunded.
 */
import { Command, CommanderError } from 'commander';

const EXIT_CODES = `
Exit codes:
  0  success
  1  operational error (Temporal or PostgreSQL unreachable, no worker answering)
  2  invalid input, or a request the order refuses (nothing was started or written)
  3  with --wait (and watch): the order ended Cancelled or Refunded`;

const SHIP_TO = `'{"name":"Ada Lovelace","line1":"1 Analytical St","city":"London","postalCode":"N1 9GU","country":"GB"}'`;

const wantsJson = process.argv.includes('--json');

/** Runs a command's body; failures become one message (and one JSON document with --json) and an exit code. */
async function run(json: boolean | undefined, body: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (err) {
    let report = { exitCode: 1, message: err instanceof Error ? err.message : String(err) };
    try {
      const { toExitReport } = await import('./src/cli/errors.js');
      report = toExitReport(err);
    } catch {
      // keep the raw message
    }
    process.stderr.write(`${report.message}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ error: report })}\n`);
    process.exitCode = report.exitCode;
  } finally {
    // Spans still buffered go out before the process ends (tracing is loaded only when it is on).
    if ((process.env.OTEL_TRACES_EXPORTER ?? 'none') !== 'none')
      await (await import('./src/runtime/tracing.js')).stopTracing().catch(() => undefined);
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const program = new Command()
  .name('orders')
  .description('Place, watch and approve durable orders')
  // Usage errors (unknown option, missing value) are invalid input: exit 2, not commander's 1.
  .exitOverride()
  .showHelpAfterError('(add --help for usage and an example)')
  .addHelpText(
    'after',
    `
Examples:
  $ orders place --customer cust-1 --item KB-001:2 --ship-to ${SHIP_TO} --token tok_ok --wait
  $ orders watch ord-123
  $ orders approvals
  $ orders approve ord-123 --by alice --note "known customer"
  $ orders list --status AwaitingApproval --json
${EXIT_CODES}

Settings come from the environment (TEMPORAL_ADDRESS, TASK_QUEUE_PREFIX, DATABASE_URL...): see docs/configuration.md.`,
  );

program
  .command('doctor')
  .description('Check the stack: one activity on every service task queue writes a row to PostgreSQL')
  .option('--json', 'print one JSON document')
  .addHelpText('after', '\nExample:\n  $ orders doctor --json')
  .action((opts: { json?: boolean }) =>
    run(opts.json, async () => {
      const { doctor } = await import('./src/cli/doctor.js');
      return doctor(opts);
    }),
  );

program
  .command('place')
  .description('Place an order (validated like the workflow validates it; nothing starts when it is invalid)')
  .option('--customer <customerId>', 'customer id')
  .option('--item <sku:qty>', 'an order line, e.g. KB-001:2 (repeat for more lines)', collect)
  .option('--ship-to <json|@file>', 'shipping address as JSON, or @file holding it')
  .option(
    '--token <token>',
    'card token from the payment provider (never a card number); exchanged at the payments API (PAYMENTS_URL) for a reference before the order starts',
  )
  .option('--order-id <orderId>', 'order id (default: generated); placing the same id twice starts nothing new')
  .option('--shipping <method>', 'standard or express (default: standard)')
  .option('--file <order.json>', 'the whole order as JSON (instead of the flags above; - reads stdin)')
  .option('--wait', 'follow the order until it is Delivered, Cancelled or Refunded')
  .option('--timeout <duration>', 'with --wait: give up waiting after this long (default: 120s)')
  .option('--backorder <duration>', 'short of stock, wait this long for a restock instead of cancelling (e.g. 2d)')
  .option('--json', 'print one JSON document')
  .addHelpText(
    'after',
    `
Examples:
  $ orders place --customer cust-1 --item KB-001:2 --item MOUSE-01:1 \\
      --ship-to ${SHIP_TO} --token tok_ok --wait
  $ orders place --file order.json --json
  order.json: {"customerId":"cust-1","items":[{"sku":"KB-001","quantity":2}],
               "shippingAddress":{...},"payment":{"method":"card","token":"tok_ok"}}
${EXIT_CODES}`,
  )
  .action((opts: import('./src/cli/place.js').PlaceOptions) =>
    run(opts.json, async () => {
      const { place } = await import('./src/cli/place.js');
      return place(opts);
    }),
  );

program
  .command('status')
  .argument('<orderId>')
  .description('Show an order: status, amounts, payment, shipments and history, with its Web UI link')
  .option('--json', 'print one JSON document')
  .addHelpText('after', '\nExample:\n  $ orders status ord-123 --json')
  .action((orderId: string, opts: { json?: boolean }) =>
    run(opts.json, async () => {
      const { status } = await import('./src/cli/status.js');
      return status(orderId, opts);
    }),
  );

program
  .command('recover')
  .argument('<orderId>')
  .description(
    'Settle an order whose run stopped without settling it (terminated, timed out, failed): undo it, or settle what shipped',
  )
  .option('--json', 'print one JSON document')
  .addHelpText('after', '\nExample:\n  $ orders recover ord-123')
  .action((orderId: string, opts: { json?: boolean }) =>
    run(opts.json, async () => {
      const { recover } = await import('./src/cli/recover.js');
      return recover(orderId, opts);
    }),
  );

program
  .command('watch')
  .argument('<orderId>')
  .description('Follow an order live: each transition as it happens, until Delivered, Cancelled or Refunded')
  .option('--timeout <duration>', 'give up after this long (e.g. 10m); the order carries on')
  .option('--json', 'print one JSON document (the final state) at the end')
  .addHelpText('after', '\nExample:\n  $ orders watch ord-123\n\nExits 3 when the order ends Cancelled or Refunded.')
  .action((orderId: string, opts: { json?: boolean; timeout?: string }) =>
    run(opts.json, async () => {
      const { parseDuration } = await import('./src/cli/output.js');
      const { invalid } = await import('./src/cli/errors.js');
      const timeoutMs = opts.timeout === undefined ? undefined : parseDuration(opts.timeout);
      if (opts.timeout !== undefined && timeoutMs === undefined)
        throw invalid('--timeout: must be a duration such as 120s, 5m or 1500ms');
      const { watch } = await import('./src/cli/watch.js');
      return watch(orderId, {
        ...(opts.json ? { json: true } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
    }),
  );

program
  .command('list')
  .description('List orders, filtered by status and customer (search attributes OrderStatus, CustomerId)')
  .option('--status <status>', 'an order status, e.g. AwaitingApproval')
  .option('--customer <customerId>', 'a customer id')
  .option('--limit <n>', 'at most this many (default 20)')
  .option('--needs-attention', 'only orders marked for people (search attribute NeedsAttention)')
  .option('--json', 'print one JSON document')
  .addHelpText(
    'after',
    '\nExample:\n  $ orders list --status Delivered --customer cust-1 --limit 5\n  $ orders list --needs-attention',
  )
  .action((opts: { status?: string; customer?: string; limit?: string; needsAttention?: boolean; json?: boolean }) =>
    run(opts.json, async () => {
      const { list } = await import('./src/cli/list.js');
      return list(opts);
    }),
  );

program
  .command('approvals')
  .description('Orders awaiting approval, oldest first, with amount, customer and how long they have waited')
  .option('--limit <n>', 'at most this many')
  .option('--json', 'print one JSON document')
  .addHelpText('after', '\nExample:\n  $ orders approvals\n  $ orders approve ord-123 --by alice')
  .action((opts: { limit?: string; json?: boolean }) =>
    run(opts.json, async () => {
      const { approvals } = await import('./src/cli/list.js');
      return approvals(opts);
    }),
  );

program
  .command('approve')
  .argument('<orderId>')
  .description('Approve an order awaiting approval (the approver must be one of APPROVERS)')
  .requiredOption('--by <approver>', 'who approves')
  .option('--note <note>', 'a note for the history')
  .option('--json', 'print one JSON document')
  .addHelpText('after', '\nExample:\n  $ orders approve ord-123 --by alice --note "known customer"')
  .action((orderId: string, opts: { by?: string; note?: string; json?: boolean }) =>
    run(opts.json, async () => {
      const { approve } = await import('./src/cli/decide.js');
      return approve(orderId, opts);
    }),
  );

program
  .command('reject')
  .argument('<orderId>')
  .description('Reject an order awaiting approval: it is cancelled, stock released, nothing charged')
  .requiredOption('--by <approver>', 'who rejects')
  .requiredOption('--reason <reason>', 'why')
  .option('--json', 'print one JSON document')
  .addHelpText('after', '\nExample:\n  $ orders reject ord-123 --by bob --reason "suspicious volume"')
  .action((orderId: string, opts: { by?: string; reason?: string; json?: boolean }) =>
    run(opts.json, async () => {
      const { reject } = await import('./src/cli/decide.js');
      return reject(orderId, opts);
    }),
  );

program
  .command('cancel')
  .argument('<orderId>')
  .description('Cancel an order before it ships; answers once compensation is done (Cancelled, or Refunded if paid)')
  .requiredOption('--reason <reason>', 'why')
  .option('--by <operator>', 'the operator cancelling (a label in the history)')
  .option('--customer', 'the customer asked for it (recorded as cancelled-by-customer; default: by an operator)')
  .option('--json', 'print one JSON document')
  .addHelpText('after', '\nExample:\n  $ orders cancel ord-123 --reason "changed their mind" --customer')
  .action((orderId: string, opts: { reason?: string; by?: string; customer?: boolean; json?: boolean }) =>
    run(opts.json, async () => {
      const { cancel } = await import('./src/cli/decide.js');
      return cancel(orderId, opts);
    }),
  );

program
  .command('deliver')
  .argument('<orderId>')
  .description('Play the carrier: tell every shipment of the order that it was delivered')
  .option('--json', 'print one JSON document')
  .addHelpText('after', '\nExample (with SANDBOX_CARRIER=off):\n  $ orders deliver ord-123 && orders watch ord-123')
  .action((orderId: string, opts: { json?: boolean }) =>
    run(opts.json, async () => {
      const { deliver } = await import('./src/cli/decide.js');
      return deliver(orderId, opts);
    }),
  );

program
  .command('sandbox')
  .description('The sandbox providers (their APIs: PAYMENTS_URL, CARRIER_URL; npm start runs them)')
  .command('faults')
  .description('Inject faults at a sandbox provider, clear them, or show them (no flags)')
  .argument('[provider]', 'payments or carrier (none: show or clear both)')
  .option('--error-rate <r>', 'share of calls refused with 503, 0 to 1')
  .option('--latency <duration>', 'added to every call, e.g. 2s')
  .option('--outage <duration>', 'refuse every call for this long from now, e.g. 60s')
  .option('--transient-rate <r>', 'share of calls answered "not now" with Retry-After, 0 to 1')
  .option('--transient-status <code>', 'the "not now" status: 429 (default), 408, 409 or 425')
  .option('--retry-after <seconds>', 'the "not now" Retry-After, whole seconds (default 1)')
  .option('--clear', 'no faults')
  .option('--json', 'print one JSON document')
  .addHelpText(
    'after',
    '\nExamples:\n  $ orders sandbox faults payments --error-rate 0.3 --latency 2s\n  $ orders sandbox faults payments --outage 60s\n  $ orders sandbox faults carrier --error-rate 0.3\n  $ orders sandbox faults payments --transient-rate 0.5 --transient-status 429 --retry-after 2\n  $ orders sandbox faults --clear',
  )
  .action((provider: string | undefined, opts: import('./src/cli/sandbox.js').FaultOptions) =>
    run(opts.json, async () => (await import('./src/cli/sandbox.js')).sandboxFaults(provider, opts)),
  );

const catalog = program
  .command('catalog')
  .description('Catalog and stock (reads and writes PostgreSQL: needs DATABASE_URL)')
  .addHelpText(
    'after',
    '\nExamples:\n  $ orders catalog list\n  $ orders catalog upsert --sku KB-002 --name "Keyboard" --price 59.90 --currency USD --stock 25',
  );

catalog
  .command('upsert')
  .description('Create or update an item and set its on-hand stock at one warehouse')
  .requiredOption('--sku <sku>', 'SKU')
  .requiredOption('--name <name>', 'display name')
  .requiredOption('--price <price>', 'unit price in major units, e.g. 19.99')
  .requiredOption('--currency <code>', 'ISO 4217 code, e.g. USD')
  .option('--stock <n>', 'units on hand at the warehouse (physical and preorder items)')
  .option('--warehouse <id>', 'warehouse id (default: the first warehouse by id)')
  .option('--type <type>', 'physical | digital | preorder | giftcard (default physical)')
  .option('--release-at <date>', 'pre-orders: the release date, ISO 8601 (e.g. 2027-03-01T09:00:00Z)')
  .option('--json', 'print one JSON document')
  .addHelpText(
    'after',
    '\nExamples:\n  $ orders catalog upsert --sku KB-002 --name "Keyboard" --price 59.90 --currency USD --stock 25 --warehouse west' +
      '\n  $ orders catalog upsert --sku APP-PRO --name "App Pro licence" --price 49.00 --currency USD --type digital' +
      '\n  $ orders catalog upsert --sku GAME-2 --name "Game 2" --price 69.00 --currency USD --stock 100 --type preorder --release-at 2027-03-01T09:00:00Z',
  )
  .action((opts: import('./src/cli/catalog.js').UpsertOptions) =>
    run(opts.json, async () => {
      const { catalogUpsert } = await import('./src/cli/catalog.js');
      return catalogUpsert(opts);
    }),
  );

catalog
  .command('list')
  .description('Items with price, and available / reserved / on-hand stock per warehouse')
  .option('--sku <sku>', 'only this SKU (repeatable)', collect)
  .option('--json', 'print one JSON document')
  .addHelpText('after', '\nExample:\n  $ orders catalog list --json')
  .action((opts: { sku?: string[]; json?: boolean }) =>
    run(opts.json, async () => {
      const { catalogList } = await import('./src/cli/catalog.js');
      return catalogList(opts);
    }),
  );

const rules = program
  .command('rules')
  .description(
    'Business rules (approval, risk, shipping fees) as versioned data (reads and writes PostgreSQL: needs DATABASE_URL)',
  )
  .addHelpText(
    'after',
    '\nExamples:\n  $ orders rules show\n  $ orders rules set --file examples/rules.json --note "approval from 500.00"\n  $ orders rules history',
  );

rules
  .command('show')
  .description('The rule set new orders run under (version 0: the built-in defaults)')
  .option('--json', 'print one JSON document')
  .action((opts: { json?: boolean }) =>
    run(opts.json, async () => (await import('./src/cli/rules.js')).rulesShow(opts)),
  );

rules
  .command('set')
  .description('Validate a rule-set file and save it as the next version')
  .requiredOption('--file <path>', 'the rule set, as JSON (see examples/rules.json)')
  .option('--note <text>', 'why, for the history')
  .option('--json', 'print one JSON document')
  .action((opts: { file?: string; note?: string; json?: boolean }) =>
    run(opts.json, async () => (await import('./src/cli/rules.js')).rulesSet(opts)),
  );

rules
  .command('history')
  .description('Every saved version')
  .option('--json', 'print one JSON document')
  .action((opts: { json?: boolean }) =>
    run(opts.json, async () => (await import('./src/cli/rules.js')).rulesHistory(opts)),
  );

const plans = program
  .command('plans')
  .description('Fulfilment plans per product type, as versioned data (reads and writes PostgreSQL: needs DATABASE_URL)')
  .addHelpText(
    'after',
    '\nExamples:\n  $ orders plans show\n  $ orders plans set --type digital --file examples/plans/digital.json --note "notify first"\n  $ orders plans history --type digital',
  );

plans
  .command('show')
  .description('The current plan of each product type')
  .option('--type <type>', 'only this product type')
  .option('--json', 'print one JSON document')
  .action((opts: { type?: string; json?: boolean }) =>
    run(opts.json, async () => (await import('./src/cli/plans.js')).plansShow(opts)),
  );

plans
  .command('set')
  .description('Validate a plan file and save it as the next version of its product type')
  .requiredOption('--type <type>', 'physical | digital | preorder | giftcard')
  .requiredOption('--file <path>', 'the plan, as JSON (see examples/plans/)')
  .option('--note <text>', 'why, for the history')
  .option('--json', 'print one JSON document')
  .action((opts: { type?: string; file?: string; note?: string; json?: boolean }) =>
    run(opts.json, async () => (await import('./src/cli/plans.js')).plansSet(opts)),
  );

plans
  .command('history')
  .description('Every saved version of the plans')
  .option('--type <type>', 'only this product type')
  .option('--json', 'print one JSON document')
  .action((opts: { type?: string; json?: boolean }) =>
    run(opts.json, async () => (await import('./src/cli/plans.js')).plansHistory(opts)),
  );

program
  .command('events')
  .description('Order events in the outbox: published to the broker, or waiting (reads PostgreSQL: needs DATABASE_URL)')
  .option('--order <orderId>', 'only this order')
  .option('--unpublished', 'only events still waiting in the outbox')
  .option('--dead-letters', 'instead: messages no consumer could handle, with the reason')
  .option('--limit <n>', 'at most this many, newest first (default 50)')
  .option('--json', 'print one JSON document')
  .addHelpText('after', '\nExamples:\n  $ orders events --order ord-123\n  $ orders events --dead-letters')
  .action((opts: { order?: string; unpublished?: boolean; deadLetters?: boolean; limit?: string; json?: boolean }) =>
    run(opts.json, async () => (await import('./src/cli/events.js')).eventsList(opts)),
  );

program
  .command('notifications')
  .description('What the notifications service sent (the sandbox mailbox; reads PostgreSQL: needs DATABASE_URL)')
  .option('--order <orderId>', 'only this order')
  .option('--limit <n>', 'at most this many, newest first (default 50)')
  .option('--json', 'print one JSON document')
  .action((opts: { order?: string; limit?: string; json?: boolean }) =>
    run(opts.json, async () => (await import('./src/cli/events.js')).notificationsList(opts)),
  );

const schedules = program
  .command('schedules')
  .description('The Temporal Schedules the system owns: reservation sweeper, reconciliation, outbox lag')
  .addHelpText('after', '\nExamples:\n  $ orders schedules apply\n  $ orders schedules list');

schedules
  .command('apply')
  .description('Create the schedules, or bring them to the configured settings (idempotent; npm start runs it)')
  .option('--json', 'print one JSON document')
  .action((opts: { json?: boolean }) =>
    run(opts.json, async () => (await import('./src/cli/schedules.js')).schedulesApply(opts)),
  );

schedules
  .command('list')
  .description("This deployment's schedules, their next and last runs")
  .option('--json', 'print one JSON document')
  .action((opts: { json?: boolean }) =>
    run(opts.json, async () => (await import('./src/cli/schedules.js')).schedulesList(opts)),
  );

program
  .command('reconcile')
  .description('The reconciliation of payments, orders, stock and shipments: the last report, or run one now')
  .option('--last', 'show the last report (reads PostgreSQL: needs DATABASE_URL)')
  .option('--now', 'trigger the reconciliation schedule, wait for it, and show its report')
  .option('--json', 'print one JSON document')
  .addHelpText('after', '\nExamples:\n  $ orders reconcile --now\n  $ orders reconcile --last --json')
  .action((opts: { last?: boolean; now?: boolean; json?: boolean }) =>
    run(opts.json, async () => (await import('./src/cli/schedules.js')).reconcile(opts)),
  );

program.parseAsync().catch((err: unknown) => {
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
