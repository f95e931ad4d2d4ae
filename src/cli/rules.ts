/**
 * `orders rules show|set|history`: the deployment's business rules (approval threshold and bands,
 * risk rules, shipping fees) as versioned data in PostgreSQL (DATABASE_URL), scoped by
 * TASK_QUEUE_PREFIX like everything else of a deployment. A rule set is validated before anything is
 * saved; each save is a new version, which new orders run under (running ones keep theirs).
 */
import { currentRuleSet, ruleSetHistory, saveRuleSet } from '../../activities/orders/store/rules';
import { loadConfig } from '../config';
import { RuleSetSchema } from '../domain';
import { withPool } from './database';
import { invalid } from './errors';
import { readValidatedJson } from './json-file';
import { EXIT, clean, printJson } from './output';

const scope = () => loadConfig().TASK_QUEUE_PREFIX;

export async function rulesShow(opts: { json?: boolean }): Promise<number> {
  const config = loadConfig();
  return withPool(async (pool) => {
    const current = await currentRuleSet(pool, config.TASK_QUEUE_PREFIX, config.APPROVAL_THRESHOLD_CENTS);
    if (opts.json) printJson(current);
    else {
      console.log(`Rule set version ${current.version}${current.version === 0 ? ' (the built-in defaults)' : ''}`);
      console.log(JSON.stringify(current.rules, null, 2));
    }
    return EXIT.OK;
  });
}

export async function rulesHistory(opts: { json?: boolean }): Promise<number> {
  return withPool(async (pool) => {
    const history = await ruleSetHistory(pool, scope());
    if (opts.json) printJson({ ruleSets: history });
    else if (history.length === 0) console.log('no rule set saved: orders run under the built-in defaults (version 0)');
    else for (const r of history) console.log(`v${r.version}  ${r.createdAt}  ${clean(r.note)}`);
    return EXIT.OK;
  });
}

export async function rulesSet(opts: { file?: string; note?: string; json?: boolean }): Promise<number> {
  if (!opts.file) throw invalid('--file: is required');
  const note = (opts.note ?? '').trim();
  if (note.length > 200) throw invalid('--note: must be at most 200 characters');
  const rules = readValidatedJson(opts.file, RuleSetSchema, 'rule set');
  return withPool(async (pool) => {
    const saved = await saveRuleSet(pool, scope(), rules, note);
    if (opts.json) printJson({ ruleSet: saved });
    else
      console.log(
        `Saved rule set version ${saved.version}${note ? ` (${clean(note)})` : ''}: orders placed from now on run under it; running orders keep theirs.`,
      );
    return EXIT.OK;
  });
}
