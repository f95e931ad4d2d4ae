import type { KeyObject } from 'node:crypto';
import type { Config } from '../../src/config';
import type { SignedDecision } from '../../src/domain';
import { loadVerifyKeys, verifyDecisionSignature } from '../../src/runtime/decision-keys';
import { logger } from '../../src/logger';

/**
 * The signature half of a decision's check (the claims are the workflow's: src/domain/decisions.ts).
 * The public keys are read once, at the first decision; a worker without them refuses every
 * decision and says why, rather than letting one through.
 */
export function createDecisionActivities(config: Config) {
  let keys: ReadonlyMap<string, KeyObject> | undefined;
  return {
    async verifyDecision({ proof, says }: { proof: SignedDecision; says: string }): Promise<{ refused?: string }> {
      try {
        keys ??= loadVerifyKeys(config);
      } catch (err) {
        // The details (paths, settings) are for the worker's log, not for the order's history and its callers.
        logger.error({ err }, 'cannot load the decision public keys: every decision is refused');
        return { refused: 'this worker cannot verify decisions (its decision keys are not configured; see its log)' };
      }
      const refused = verifyDecisionSignature(proof, says, keys);
      return refused ? { refused } : {};
    },
  };
}
