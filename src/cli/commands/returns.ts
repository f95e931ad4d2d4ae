/** `orders returns`: ask for a return, inspect what came back, show one. Heavy modules load inside each action. */
import type { Command } from 'commander';
import { collect, run } from '../run';

export function addReturnCommands(program: Command): void {
  const returns = program.command('returns').description('Returns (RMA): asked for, inspected, refunded');
  returns
    .command('request')
    .argument('<orderId>')
    .description('Ask for a return of delivered lines (through the Orders API, as the logged-in user)')
    .option('--line <sku:qty>', 'a line to send back, e.g. KB-001:1 (repeat for more lines)', collect)
    .requiredOption('--reason <reason>', 'why it comes back')
    .option('--rma-id <rmaId>', 'the return id (default: generated); the same id again answers the same return')
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExample:\n  $ orders returns request ord-123 --line KB-001:1 --reason "does not fit"')
    .action((orderId: string, opts: { line?: string[]; reason?: string; rmaId?: string; json?: boolean }) =>
      run(opts.json, async () => (await import('../returns.js')).requestReturn(orderId, opts)),
    );
  returns
    .command('inspect')
    .argument('<rmaId>')
    .description("The warehouse's verdict on a received return, per line (warehouse, admin): it is then refunded")
    .option('--line <sku:accepted:condition[:note]>', 'a verdict, e.g. KB-001:1:resellable (repeat per line)', collect)
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExample:\n  $ orders returns inspect rma-1a2b --line KB-001:1:damaged:"cracked casing"')
    .action((rmaId: string, opts: { line?: string[]; json?: boolean }) =>
      run(opts.json, async () => (await import('../returns.js')).inspectReturn(rmaId, opts)),
    );
  returns
    .command('show')
    .argument('<rmaId>')
    .description('A return: its lines, status, parcel deadline and refund')
    .option('--json', 'print one JSON document')
    .action((rmaId: string, opts: { json?: boolean }) =>
      run(opts.json, async () => (await import('../returns.js')).showReturn(rmaId, opts)),
    );
}
