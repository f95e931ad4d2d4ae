/**
 * `npm run bench:compare` end to end, small, so it keeps working: this checkout against its own
 * HEAD (a worktree, built), one pair of 2 one-line orders against the suite's Temporal server.
 * Asserts the comparison's structure, that every order of both runs reached its end and that the
 * worktree is gone afterwards; never a number. Bad flags: exit 2 naming the flag, nothing built.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Comparison, Pair } from '../../tools/bench/compare';
import { ROOT, runScriptToEnd } from '../support/processes';

jest.setTimeout(300_000);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bench-compare-smoke-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runCompare = (args: string[]) => runScriptToEnd('scripts/bench-compare.js', args, 270_000);

const worktrees = () => spawnSync('git', ['worktree', 'list'], { cwd: ROOT, encoding: 'utf8' }).stdout;

test('bad flags exit 2 naming the flag, before anything is built', async () => {
  const missing = await runCompare([]);
  expect(missing.code).toBe(2);
  expect(missing.output).toContain('--against is required');
  const unknown = await runCompare(['--against', 'no-such-ref-anywhere']);
  expect(unknown.code).toBe(2);
  expect(unknown.output).toContain('--against: no commit "no-such-ref-anywhere"');
  const pairs = await runCompare(['--against', 'HEAD', '--pairs', '0']);
  expect(pairs.code).toBe(2);
  expect(pairs.output).toContain('--pairs must be an integer ≥ 1, got "0"');
  expect(worktrees()).not.toContain('bench-compare-');
});

test('HEAD against this checkout: one pair, both runs complete, a summary, the worktree removed', async () => {
  const json = path.join(dir, 'compare.json');
  const { code, output } = await runCompare([
    ...['--against', 'HEAD', '--pairs', '1', '--orders', '2', '--concurrency', '2', '--warmup', '0'],
    ...['--address', process.env.TEMPORAL_ADDRESS!, '--json', json],
  ]);
  expect({ code, tail: output.slice(-3000) }).toMatchObject({ code: 0 });
  expect(output).toContain('orders/s by the means');
  expect(output).toContain("over each run's own floor");
  const result = JSON.parse(readFileSync(json, 'utf8')) as { pairs: Pair[]; comparison: Comparison };
  expect(result.pairs).toHaveLength(1);
  for (const side of [result.pairs[0]!.before, result.pairs[0]!.after]) {
    expect(side.complete).toBe(true);
    expect(side.perSecond).toBeGreaterThan(0);
    expect(side.floorPerSecond).toBeGreaterThan(0);
    expect(side.historyEvents).toBeGreaterThan(0);
  }
  expect(result.comparison.pairs).toBe(1);
  expect(result.comparison.ratios).toHaveLength(1);
  expect(worktrees()).not.toContain('bench-compare-');
  expect(existsSync(path.join(ROOT, 'node_modules'))).toBe(true); // the shared link was unlinked, not followed
});
