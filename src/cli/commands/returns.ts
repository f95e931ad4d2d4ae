/** `orders returns` and `orders refunds`: after delivery. Heavy modules load inside each action. */
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
  addRefundCommands(program);
}

type RefundOpts = { cents?: string; sku?: string; reason?: string; refundId?: string; note?: string; json?: boolean };

function addRefundCommands(program: Command): void {
  const refunds = program.command('refunds').description('Refunds without a return (goodwill, damaged in transit)');
  refunds
    .command('create')
    .argument('<orderId>')
    .description(
      "Refund an amount (or part of a line) of an order; at or above the rules' threshold an approver decides",
    )
    .option('--cents <amount>', 'the amount in minor units, e.g. 1250 for 12.50')
    .option('--sku <sku>', 'the line it is for: its refunds stay within what was paid for it')
    .requiredOption('--reason <reason>', 'why')
    .option('--refund-id <refundId>', 'the refund id (default: generated); the same id again answers the same refund')
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      '\nExample:\n  $ orders refunds create ord-123 --cents 1500 --sku KB-001 --reason "arrived scratched"',
    )
    .action((orderId: string, opts: RefundOpts) =>
      run(opts.json, async () => (await import('../refunds.js')).createRefund(orderId, opts)),
    );
  for (const decision of ['approve', 'reject'] as const)
    refunds
      .command(decision)
      .argument('<refundId>')
      .description(`${decision === 'approve' ? 'Approve' : 'Reject'} a refund waiting for approval (approver, admin)`)
      .option(decision === 'approve' ? '--note <note>' : '--reason <reason>', decision === 'approve' ? 'a note' : 'why')
      .option('--json', 'print one JSON document')
      .action((refundId: string, opts: RefundOpts) =>
        run(opts.json, async () => (await import('../refunds.js')).decideRefund(refundId, decision, opts)),
      );
  refunds
    .command('show')
    .argument('<refundId>')
    .description('A refund: amount, status, who asked and who decided')
    .option('--json', 'print one JSON document')
    .action((refundId: string, opts: { json?: boolean }) =>
      run(opts.json, async () => (await import('../refunds.js')).showRefund(refundId, opts)),
    );
}
