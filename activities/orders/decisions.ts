import type { KeyObject } from 'node:crypto';
import type { Config } from '../../src/config';
import type { SignedDecision } from '../../src/domain';
import { loadVerifyKeys, verifyDecisionSignature } from '../../src/runtime/decision-keys';

/**
 * The signature half of a decision's check (the claims are the workflow's: src/domain/decisions.ts).
 * The public keys are read once, at the first decision; a worker without them refuses every
 * decision and says why, rather than letting one through.
 */
export function createDecisionActivities(config: Config) {
  let keys: ReadonlyMap<string, KeyObject> | undefined;
  return {
    async verifyDecision({ proof }: { proof: SignedDecision }): Promise<{ refused?: string }> {
      try {
        keys ??= loadVerifyKeys(config);
      } catch (err) {
        return { refused: `this worker cannot verify decisions: ${(err as Error).message}` };
      }
      const refused = verifyDecisionSignature(proof, keys);
      return refused ? { refused } : {};
    },
  };
}
