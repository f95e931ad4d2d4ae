/** The order commands: place, follow, decide, recover. Heavy modules load inside each action. */
import type { Command } from 'commander';
import { EXIT_CODES, collect, run, SHIP_TO } from '../run';

/** Every order command, by what people do with an order. */
export function addOrderCommands(program: Command): void {
  addPlaceCommands(program);
  addFollowCommands(program);
  addWatchCommands(program);
  addSessionCommands(program);
  addDecisionCommands(program);
  addCancelCommands(program);
}

/** `orders doctor` and `orders place`. */
function addPlaceCommands(program: Command): void {
  program
    .command('doctor')
    .description('Check the stack: one activity on every service task queue writes a row to PostgreSQL')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExample:\n  $ orders doctor --json')
    .action((opts: { json?: boolean }) =>
      run(opts.json, async () => {
        const { doctor } = await import('../doctor.js');
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
    .action((opts: import('../place.js').PlaceOptions) =>
      run(opts.json, async () => {
        const { place } = await import('../place.js');
        return place(opts);
      }),
    );
}

/** `orders status` and `orders recover`. */
function addFollowCommands(program: Command): void {
  program
    .command('status')
    .argument('<orderId>')
    .description('Show an order: status, amounts, payment, shipments and history, with its Web UI link')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExample:\n  $ orders status ord-123 --json')
    .action((orderId: string, opts: { json?: boolean }) =>
      run(opts.json, async () => {
        const { status } = await import('../status.js');
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
        const { recover } = await import('../recover.js');
        return recover(orderId, opts);
      }),
    );
}

/** `orders watch` and `orders list`. */
function addWatchCommands(program: Command): void {
  program
    .command('watch')
    .argument('<orderId>')
    .description('Follow an order live: each transition as it happens, until Delivered, Cancelled or Refunded')
    .option('--timeout <duration>', 'give up after this long (e.g. 10m); the order carries on')
    .option('--json', 'print one JSON document (the final state) at the end')
    .addHelpText('after', '\nExample:\n  $ orders watch ord-123\n\nExits 3 when the order ends Cancelled or Refunded.')
    .action((orderId: string, opts: { json?: boolean; timeout?: string }) =>
      run(opts.json, async () => {
        const { parseDuration } = await import('../output.js');
        const { invalid } = await import('../errors.js');
        const timeoutMs = opts.timeout === undefined ? undefined : parseDuration(opts.timeout);
        if (opts.timeout !== undefined && timeoutMs === undefined)
          throw invalid('--timeout: must be a duration such as 120s, 5m or 1500ms');
        const { watch } = await import('../watch.js');
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
        const { list } = await import('../list.js');
        return list(opts);
      }),
    );
}

/** `orders approvals`, `approve` and `reject`. */
function addDecisionCommands(program: Command): void {
  program
    .command('approvals')
    .description('Orders awaiting approval, oldest first, with amount, customer and how long they have waited')
    .option('--limit <n>', 'at most this many')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExample:\n  $ orders approvals\n  $ orders approve ord-123 --note "known customer"')
    .action((opts: { limit?: string; json?: boolean }) =>
      run(opts.json, async () => {
        const { approvals } = await import('../list.js');
        return approvals(opts);
      }),
    );

  program
    .command('approve')
    .argument('<orderId>')
    .description('Approve an order awaiting approval, as the logged-in user (orders login): an approver of its band')
    .option('--by <approver>', 'a check: the logged-in user must be this one')
    .option('--note <note>', 'a note for the history')
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      '\nExample:\n  $ orders login --user alice\n  $ orders approve ord-123 --note "known customer"',
    )
    .action((orderId: string, opts: { by?: string; note?: string; json?: boolean }) =>
      run(opts.json, async () => {
        const { approve } = await import('../decide.js');
        return approve(orderId, opts);
      }),
    );

  program
    .command('reject')
    .argument('<orderId>')
    .description(
      'Reject an order awaiting approval, as the logged-in user: it is cancelled, stock released, nothing charged',
    )
    .option('--by <approver>', 'a check: the logged-in user must be this one')
    .requiredOption('--reason <reason>', 'why')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExample:\n  $ orders reject ord-123 --reason "suspicious volume"')
    .action((orderId: string, opts: { by?: string; reason?: string; json?: boolean }) =>
      run(opts.json, async () => {
        const { reject } = await import('../decide.js');
        return reject(orderId, opts);
      }),
    );
}

/** `orders login` and `orders logout`: the Orders API session decisions go through. */
function addSessionCommands(program: Command): void {
  program
    .command('login')
    .description('Log in to the Orders API as a staff user; the session is kept in your config directory (mode 0600)')
    .requiredOption('--user <name>', 'your staff user name')
    .option('--password-stdin', 'read the password from stdin (otherwise it is asked for, without echo)')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExample:\n  $ orders login --user alice\n  $ orders approvals')
    .action((opts: { user?: string; passwordStdin?: boolean; json?: boolean }) =>
      run(opts.json, async () => (await import('../login.js')).login(opts)),
    );
  program
    .command('logout')
    .description('End the Orders API session and forget it here')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) => run(opts.json, async () => (await import('../login.js')).logout(opts)));
}

/** `orders cancel` and `orders deliver`. */
function addCancelCommands(program: Command): void {
  program
    .command('cancel')
    .argument('<orderId>')
    .description(
      'Cancel an order before it ships, as the logged-in user; answers once compensation is done (Cancelled, or Refunded if paid)',
    )
    .requiredOption('--reason <reason>', 'why')
    .option('--by <user>', 'a check: the logged-in user must be this one')
    .option('--customer', 'the customer asked for it (recorded as cancelled-by-customer; default: by an operator)')
    .option('--line <sku>', 'take only this line out, before the payment is captured (repeat for more)', collect)
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      '\nExamples:\n  $ orders cancel ord-123 --reason "changed their mind" --customer\n  $ orders cancel ord-123 --line MOUSE-01 --reason "no longer needed"',
    )
    .action(
      (orderId: string, opts: { reason?: string; by?: string; customer?: boolean; line?: string[]; json?: boolean }) =>
        run(opts.json, async () => {
          const { cancel } = await import('../decide.js');
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
        const { deliver } = await import('../decide.js');
        return deliver(orderId, opts);
      }),
    );
}
