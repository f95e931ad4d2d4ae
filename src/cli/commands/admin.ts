/** The operator's commands: sandbox faults, catalog, rules, plans, events, schedules, reconciliation. */
import type { Command } from 'commander';
import { collect, run } from '../run';
import { STAFF_ROLES } from '../../domain/decisions';

/** Every operator command, by group. */
export function addAdminCommands(program: Command): void {
  addSandboxCommands(program);
  addCatalogCommands(program);
  addRulesCommands(program);
  addPlansCommands(program);
  addEventCommands(program);
  addScheduleCommands(program);
  addApiKeyCommands(program);
  addUserCommands(program);
}

/** `orders sandbox faults`: faults on demand at a sandbox provider. */
function addSandboxCommands(program: Command): void {
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
    .action((provider: string | undefined, opts: import('../sandbox.js').FaultOptions) =>
      run(opts.json, async () => (await import('../sandbox.js')).sandboxFaults(provider, opts)),
    );
}

/** `orders catalog`: items, prices and stock (PostgreSQL). */
function addCatalogCommands(program: Command): void {
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
    .action((opts: import('../catalog.js').UpsertOptions) =>
      run(opts.json, async () => {
        const { catalogUpsert } = await import('../catalog.js');
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
        const { catalogList } = await import('../catalog.js');
        return catalogList(opts);
      }),
    );
}

/** `orders rules`: the business rules as data, versioned. */
function addRulesCommands(program: Command): void {
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
    .action((opts: { json?: boolean }) => run(opts.json, async () => (await import('../rules.js')).rulesShow(opts)));

  rules
    .command('set')
    .description('Validate a rule-set file and save it as the next version')
    .requiredOption('--file <path>', 'the rule set, as JSON (see examples/rules.json)')
    .option('--note <text>', 'why, for the history')
    .option('--json', 'print one JSON document')
    .action((opts: { file?: string; note?: string; json?: boolean }) =>
      run(opts.json, async () => (await import('../rules.js')).rulesSet(opts)),
    );

  rules
    .command('history')
    .description('Every saved version')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) => run(opts.json, async () => (await import('../rules.js')).rulesHistory(opts)));
}

/** `orders plans`: the fulfilment plan of each product type, versioned. */
function addPlansCommands(program: Command): void {
  const plans = program
    .command('plans')
    .description(
      'Fulfilment plans per product type, as versioned data (reads and writes PostgreSQL: needs DATABASE_URL)',
    )
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
      run(opts.json, async () => (await import('../plans.js')).plansShow(opts)),
    );

  plans
    .command('set')
    .description('Validate a plan file and save it as the next version of its product type')
    .requiredOption('--type <type>', 'physical | digital | preorder | giftcard')
    .requiredOption('--file <path>', 'the plan, as JSON (see examples/plans/)')
    .option('--note <text>', 'why, for the history')
    .option('--json', 'print one JSON document')
    .action((opts: { type?: string; file?: string; note?: string; json?: boolean }) =>
      run(opts.json, async () => (await import('../plans.js')).plansSet(opts)),
    );

  plans
    .command('history')
    .description('Every saved version of the plans')
    .option('--type <type>', 'only this product type')
    .option('--json', 'print one JSON document')
    .action((opts: { type?: string; json?: boolean }) =>
      run(opts.json, async () => (await import('../plans.js')).plansHistory(opts)),
    );
}

/** `orders events`, `orders notifications` and `orders mailbox`: the outbox, the notifications, the mail sink. */
function addEventCommands(program: Command): void {
  program
    .command('events')
    .description(
      'Order events in the outbox: published to the broker, or waiting (reads PostgreSQL: needs DATABASE_URL)',
    )
    .option('--order <orderId>', 'only this order')
    .option('--unpublished', 'only events still waiting in the outbox')
    .option('--dead-letters', 'instead: messages no consumer could handle, with the reason')
    .option('--limit <n>', 'at most this many, newest first (default 50)')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExamples:\n  $ orders events --order ord-123\n  $ orders events --dead-letters')
    .action((opts: { order?: string; unpublished?: boolean; deadLetters?: boolean; limit?: string; json?: boolean }) =>
      run(opts.json, async () => (await import('../events.js')).eventsList(opts)),
    );

  program
    .command('notifications')
    .description(
      'What the notifications service wrote, and whether each was mailed (SMTP_URL; reads PostgreSQL: needs DATABASE_URL)',
    )
    .option('--order <orderId>', 'only this order')
    .option('--limit <n>', 'at most this many, newest first (default 50)')
    .option('--json', 'print one JSON document')
    .action((opts: { order?: string; limit?: string; json?: boolean }) =>
      run(opts.json, async () => (await import('../events.js')).notificationsList(opts)),
    );

  program
    .command('mailbox')
    .description('What the sandbox mail sink received (npm start runs it; reads PostgreSQL: needs DATABASE_URL)')
    .option('--order <orderId>', 'only mail about this order')
    .option('--text', 'each message with its text, as its recipient reads it')
    .option('--limit <n>', 'at most this many, newest first (default 50)')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExamples:\n  $ orders mailbox --order ord-123 --text')
    .action((opts: { order?: string; text?: boolean; limit?: string; json?: boolean }) =>
      run(opts.json, async () => (await import('../events.js')).mailboxList(opts)),
    );
}

/** `orders schedules` and `orders reconcile`. */
function addScheduleCommands(program: Command): void {
  const schedules = program
    .command('schedules')
    .description('The Temporal Schedules the system owns: reservation sweeper, reconciliation, outbox lag')
    .addHelpText('after', '\nExamples:\n  $ orders schedules apply\n  $ orders schedules list');

  schedules
    .command('apply')
    .description('Create the schedules, or bring them to the configured settings (idempotent; npm start runs it)')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) =>
      run(opts.json, async () => (await import('../schedules.js')).schedulesApply(opts)),
    );

  schedules
    .command('list')
    .description("This deployment's schedules, their next and last runs")
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) =>
      run(opts.json, async () => (await import('../schedules.js')).schedulesList(opts)),
    );

  program
    .command('reconcile')
    .description('The reconciliation of payments, orders, stock and shipments: the last report, or run one now')
    .option('--last', 'show the last report (reads PostgreSQL: needs DATABASE_URL)')
    .option('--now', 'trigger the reconciliation schedule, wait for it, and show its report')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExamples:\n  $ orders reconcile --now\n  $ orders reconcile --last --json')
    .action((opts: { last?: boolean; now?: boolean; json?: boolean }) =>
      run(opts.json, async () => (await import('../schedules.js')).reconcile(opts)),
    );
}

/** `orders users add|list|disable`: people's accounts of the Orders API (staff, and customers). */
function addUserCommands(program: Command): void {
  const users = program
    .command('users')
    .description(
      'Accounts of the Orders API: staff (approvers, operators...) and customers (writes PostgreSQL: needs DATABASE_URL)',
    );
  users
    .command('add <username>')
    .description('Create a user with a role and print its generated password once')
    .requiredOption('--role <role>', `one of ${[...STAFF_ROLES, 'customer'].join(', ')}`)
    .option('--customer <id>', 'with --role customer: the customer id whose orders the account reads')
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      '\nExamples:\n  $ orders users add alice --role approver\n  $ orders users add c.dupont --role customer --customer cust-42',
    )
    .action((name: string, opts: { role?: string; customer?: string; json?: boolean }) =>
      run(opts.json, async () => (await import('../users.js')).usersAdd(name, opts)),
    );
  users
    .command('list')
    .description('Staff users, their roles, and which are disabled')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) => run(opts.json, async () => (await import('../users.js')).usersList(opts)));
  users
    .command('unbind <username>')
    .description('Forget the company (OIDC) account a user signs in with: the next one it signs in with binds')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExample:\n  $ orders users unbind alice')
    .action((name: string, opts: { json?: boolean }) =>
      run(opts.json, async () => (await import('../users.js')).usersUnbind(name, opts)),
    );
  users
    .command('disable <username>')
    .description('Disable a staff user and end its sessions')
    .option('--json', 'print one JSON document')
    .action((name: string, opts: { json?: boolean }) =>
      run(opts.json, async () => (await import('../users.js')).usersDisable(name, opts)),
    );
}

/** `orders api-keys add`: a storefront's key for the Orders API. */
function addApiKeyCommands(program: Command): void {
  program
    .command('api-keys')
    .description('Storefront keys for the Orders API (writes PostgreSQL: needs DATABASE_URL)')
    .command('add')
    .description('Create a key for a storefront and print it once (only its hash is kept)')
    .requiredOption('--storefront <name>', 'the storefront the key places and reads orders for')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExample:\n  $ orders api-keys add --storefront web-shop')
    .action((opts: { storefront?: string; json?: boolean }) =>
      run(opts.json, async () => (await import('../api-keys.js')).apiKeysAdd(opts)),
    );
}
