/**
 * docs/patterns.md names, for each pattern, a file and a symbol in it, and a test file and words of
 * a test's name. Every one must exist, so the catalogue cannot rot. Rows that say "missing" or
 * "misfit" name no code and must say why.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');
const doc = readFileSync(path.join(ROOT, 'docs/patterns.md'), 'utf8');
const rows = doc
  .split('\n')
  .filter((line) => line.startsWith('| ') && !line.startsWith('| Pattern') && !line.startsWith('| ---'))
  .map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()),
  );

test('the catalogue lists every pattern of issue 12', () => {
  const patterns = rows.map((r) => r[0]);
  for (const name of [
    'Sequential',
    'Parallel',
    'State machine',
    'Event-driven',
    'Human task',
    'Business rules',
    'Process orchestration',
    'Sub-process',
    'Timer trigger',
    'Exception handling',
    'Compensation',
    'Message middleware',
    'Service orchestration',
    'Orchestration & coordination',
    'Dynamic workflow',
    'Long-running',
    'Multi-instance',
    'Conditional routing',
    'Parallel split & join',
    'Milestones & stages',
    'Versioning',
    'Circuit breaker',
    'Bulkhead',
    'Timeout & retry',
    'Backpressure',
    'Two-phase commit',
    'Saga',
    'Try-confirm-cancel',
    'Local cache',
    'Distributed cache',
    'Bloom filter',
    'Service registration & discovery',
    'Configuration centre',
    'Sidecar',
    'Load balancing',
    'Service mesh',
    'Task scheduling',
  ])
    expect(patterns).toContain(name);
});

test.each(rows.map((r) => [r[0]!, r]))('%s: its file, symbol and test exist', (_, row) => {
  const [, where, proof, how] = row as [string, string, string, string];
  if (where === 'missing' || where === 'misfit') {
    expect(proof).toBe('—');
    expect(how.length).toBeGreaterThan(20); // says why, and what is used instead or which issue builds it
    return;
  }
  const code = /^`([^`]+)` · `([^`]+)`$/.exec(where);
  expect({ where, parsed: code !== null }).toEqual({ where, parsed: true });
  const [, file, symbol] = code!;
  expect({ file, exists: existsSync(path.join(ROOT, file!)) }).toEqual({ file, exists: true });
  expect({ file, symbol, found: readFileSync(path.join(ROOT, file!), 'utf8').includes(symbol!) }).toEqual({
    file,
    symbol,
    found: true,
  });
  const test = /^`([^`]+)` · "([^"]+)"$/.exec(proof);
  expect({ proof, parsed: test !== null }).toEqual({ proof, parsed: true });
  const [, testFile, words] = test!;
  const source = existsSync(path.join(ROOT, testFile!)) ? readFileSync(path.join(ROOT, testFile!), 'utf8') : '';
  // The words sit inside a test's name: test('...words...' / it('...words...'.
  const named = new RegExp(
    `(?:test|it)(?:\\.each\\([^)]*\\))?\\(\\s*['"\`][^'"\`]*${words!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
  );
  expect({ testFile, words, found: named.test(source) }).toEqual({ testFile, words, found: true });
});
