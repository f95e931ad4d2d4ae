/**
 * The `orders` command tree: the root with its help, the order commands and the operator's. Heavy
 * modules (the Temporal client, zod schemas, pg) load inside each command's action so
 * `orders --help` stays fast.
 */
import { Command } from 'commander';
import { addAdminCommands } from './commands/admin';
import { addOrderCommands } from './commands/orders';
import { addReturnCommands } from './commands/returns';
import { EXIT_CODES, SHIP_TO } from './run';

export function buildProgram(): Command {
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
  addOrderCommands(program);
  addReturnCommands(program);
  addAdminCommands(program);
  return program;
}
