import { CancellationScope } from '@temporalio/workflow';
import { decisionSays, whyNotValidClaims, type AnyDecision, type SignedDecision } from '../src/domain/deterministic';
import type { OrderRun } from './order-run';

/** What a decision to an order carries: who (a label), its text, and the proof that says who really. */
export type OrderDecisionInput = {
  by?: unknown;
  note?: unknown;
  reason?: unknown;
  identity?: unknown;
  onBehalfOf?: unknown;
  skus?: unknown;
  proof?: SignedDecision;
};

/** A signed decision's claims, checked against this order and the workflow's clock (src/domain/decisions.ts). */
export function whyNotSignedClaims(run: OrderRun, decision: AnyDecision, proof: unknown): string | undefined {
  return whyNotValidClaims(proof, run.orderId, decision, Date.now(), run.seenNonces);
}

/**
 * The claims, then the signature and what the decision says (a local activity: the workers hold
 * the public keys). The nonce is spent once the decision checks out; one that came back meanwhile
 * (the same decision sent twice at once) is refused.
 */
export async function whyNotSigned(
  run: OrderRun,
  decision: AnyDecision,
  input: OrderDecisionInput | undefined,
): Promise<string | undefined> {
  const proof = input?.proof;
  const claims = whyNotSignedClaims(run, decision, proof);
  if (claims) return claims;
  const says = decisionSays(decision, input);
  const { refused } = await CancellationScope.nonCancellable(() => run.acts.verifyDecision({ proof: proof!, says }));
  if (refused) return refused;
  if (run.seenNonces.includes(proof!.nonce)) return 'the signed decision was already used (replayed nonce)';
  run.seenNonces.push(proof!.nonce);
  return undefined;
}
