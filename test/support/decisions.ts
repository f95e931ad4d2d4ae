import { loadConfig } from '../../src/config';
import { loadSigningKey, signDecision } from '../../src/runtime/decision-keys';
import { decisionSigningInterceptor } from '../../src/runtime/decision-signer';
import { decisionSays, type DecisionClaims, type SignedDecision } from '../../src/domain';

/** The run's decision signing key (global setup puts it in DECISION_SIGNING_KEY). */
export const runSigningKey = () => loadSigningKey(loadConfig());

/** Client interceptors that sign every decision with the run's key, as the Orders API would for a proven user. */
export const signingInterceptors = () => ({ workflow: [decisionSigningInterceptor(runSigningKey)] });

/**
 * A decision signed with the run's key, for tests that send one by hand (or tamper with it); it
 * says what `says` holds (a note, or a reason and for whom), nothing by default.
 */
export function signedDecision(
  claims: Omit<DecisionClaims, 'keyId' | 'nonce' | 'issuedAt' | 'detail'>,
  at?: Date,
  says: { note?: string; reason?: string; onBehalfOf?: 'customer' } = {},
): SignedDecision {
  return signDecision(runSigningKey(), { ...claims, says: decisionSays(claims.decision, says) }, at);
}
