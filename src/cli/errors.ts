/**
 * Every failure the CLI can meet, mapped to an exit code and one message a human can act on.
 * Loaded only when something went wrong (client.ts imports it lazily).
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  isGrpcDeadlineError,
  isGrpcServiceError,
} from '@temporalio/client';
import { orderIdOfWorkflow } from '../domain/order-workflow';
import { PaymentsUnavailable } from '../placement/payment-methods';
import { OverCapacity } from '../placement/admission';
import { InvalidRequest, OrderExists } from '../placement/place-order';
import { KeyringError } from '../runtime/codec-keys';
import { PayloadDecryptionError } from '../runtime/payload-codec';
import { ServerUnreachable } from './connect';
import { EXIT } from './output';

/** A failure the command already explained: the message is for the user as it is. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Exit 2: the input is wrong or the workflow refuses the request; nothing was started or written. */
export function invalid(message: string): CliError {
  return new CliError(EXIT.INVALID, message);
}

/** Exit 1: something operational (a server, a worker, the database). */
export function operational(message: string): CliError {
  return new CliError(EXIT.FAILURE, message);
}

export function orderNotFound(orderId: string): CliError {
  return invalid(`order ${orderId} not found`);
}

/** The innermost message of a failure chain: what a workflow validator or activity actually said. */
function rootMessage(err: Error | undefined): string | undefined {
  let message: string | undefined;
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) message = e.message || message;
  return message;
}

export interface ExitReport {
  exitCode: number;
  message: string;
}

/** Maps anything thrown by a command to its exit code and message. */
export function toExitReport(err: unknown): ExitReport {
  if (err instanceof CliError) return { exitCode: err.exitCode, message: err.message };
  if (!(err instanceof Error)) return { exitCode: EXIT.FAILURE, message: String(err) };
  if (err instanceof ServerUnreachable || err instanceof PaymentsUnavailable)
    return { exitCode: EXIT.FAILURE, message: err.message };
  if (err instanceof KeyringError || err instanceof PayloadDecryptionError)
    return { exitCode: EXIT.FAILURE, message: `payload encryption: ${err.message}` };
  if (err instanceof InvalidRequest || err instanceof OrderExists)
    return { exitCode: EXIT.INVALID, message: err.message };
  if (err instanceof OverCapacity) return { exitCode: EXIT.BUSY, message: err.message };
  if (err instanceof WorkflowNotFoundError)
    return { exitCode: EXIT.INVALID, message: `order ${orderIdOfWorkflow(err.workflowId)} not found` };
  if (err instanceof WorkflowUpdateFailedError) {
    // A validator's refusal (unknown approver, not awaiting approval, already shipped): say why.
    return { exitCode: EXIT.INVALID, message: `refused: ${rootMessage(err.cause) ?? err.message}` };
  }
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return {
      exitCode: EXIT.INVALID,
      message: `order ${orderIdOfWorkflow(err.workflowId)} already exists; nothing new was started`,
    };
  }
  // (unknown again: the deadline guard would narrow an Error to never in its false branch)
  const grpc: unknown = err;
  if (isGrpcDeadlineError(grpc)) {
    return {
      exitCode: EXIT.FAILURE,
      message: `Temporal did not answer in time (${err.message}): is the server overloaded or unreachable?`,
    };
  }
  if (isGrpcServiceError(grpc) && grpc.code === 14 /* UNAVAILABLE */) {
    return {
      exitCode: EXIT.FAILURE,
      message: `Temporal became unreachable (${grpc.details || grpc.message}). Start the stack with \`npm start\`, or set TEMPORAL_ADDRESS to a running server.`,
    };
  }
  return { exitCode: EXIT.FAILURE, message: rootMessage(err) ?? err.message };
}
