/**
 * The rule-set store (migrations/0009): versions of a deployment scope's business rules, owned by
 * the orders service. Saved rule sets are validated first (RuleSetSchema) and never changed, so the
 * version an order records names exactly the rules it ran under.
 */
import type { Pool } from 'pg';
import { inTransaction } from '../../../src/db/pool';
import { defaultRuleSet, type RuleSet, type RuleSetVersion } from '../../../src/domain';

export interface StoredRuleSet extends RuleSetVersion {
  note: string;
  createdAt: string;
}

interface Row {
  version: number;
  body: RuleSet;
  note: string;
  created_at: Date;
}
const stored = (r: Row): StoredRuleSet => ({
  version: r.version,
  rules: r.body,
  note: r.note,
  createdAt: r.created_at.toISOString(),
});

/** The scope's newest rule set, or version 0 (the defaults, with the workers' configured threshold). */
export async function currentRuleSet(pool: Pool, scope: string, thresholdCents: number): Promise<RuleSetVersion> {
  const { rows } = await pool.query<Row>(
    'SELECT version, body, note, created_at FROM rule_sets WHERE scope = $1 ORDER BY version DESC LIMIT 1',
    [scope],
  );
  return rows[0]
    ? { version: rows[0].version, rules: rows[0].body }
    : { version: 0, rules: defaultRuleSet(thresholdCents) };
}

export async function ruleSetHistory(pool: Pool, scope: string): Promise<StoredRuleSet[]> {
  const { rows } = await pool.query<Row>(
    'SELECT version, body, note, created_at FROM rule_sets WHERE scope = $1 ORDER BY version',
    [scope],
  );
  return rows.map(stored);
}

/** Saves validated rules as the scope's next version: new orders run under it, running ones keep theirs. */
export function saveRuleSet(pool: Pool, scope: string, rules: RuleSet, note: string): Promise<StoredRuleSet> {
  return inTransaction(pool, async (db) => {
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`rule-set:${scope}`]);
    const { rows } = await db.query<Row>(
      `INSERT INTO rule_sets (scope, version, body, note)
       SELECT $1, COALESCE(MAX(version), 0) + 1, $2::jsonb, $3 FROM rule_sets WHERE scope = $1
       RETURNING version, body, note, created_at`,
      [scope, JSON.stringify(rules), note],
    );
    return stored(rows[0]!);
  });
}
