/**
 * The README and docs/ make claims about the code: paths, links, settings. Each is checked here, so
 * a page cannot point at a file that moved, a section that is gone or a setting nobody reads.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');
const PAGES = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const read = (page: string) => readFileSync(path.join(ROOT, page), 'utf8');

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
const anchorsOf = (page: string) => new Set([...read(page).matchAll(/^#{1,6} (.*)$/gm)].map((m) => anchorOf(m[1]!)));

test.each(PAGES)('%s: every relative link reaches a file and, where it names one, a heading', (page) => {
  const broken: string[] = [];
  for (const [, target] of read(page).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target!)) continue; // https:, mailto:
    const [file, anchor] = target!.split('#');
    const resolved = file ? path.posix.join(path.posix.dirname(page), file) : page;
    if (!existsSync(path.join(ROOT, resolved))) broken.push(`${target}: no ${resolved}`);
    else if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor))
      broken.push(`${target}: no heading #${anchor} in ${resolved}`);
  }
  expect(broken).toEqual([]);
});

test.each(PAGES)('%s: every file path it names in code quotes exists', (page) => {
  const named = [
    ...read(page).matchAll(/`((?:src|activities|workflows|tools|test|scripts|docs|examples|migrations)\/[\w./-]+)`/g),
  ]
    .map((m) => m[1]!.replace(/[.:]$/, ''))
    .filter((p) => !p.includes('*'));
  const exists = (p: string) =>
    [p, `${p}.ts`, p.replace(/\.js$/, '.ts')].some((candidate) => existsSync(path.join(ROOT, candidate)));
  expect(named.filter((p) => !exists(p))).toEqual([]);
});

test('docs/configuration.md lists every setting src/config.ts reads, and no setting it does not', () => {
  const config = read('src/config.ts');
  const schema = config.slice(
    config.indexOf('const ConfigSchema'),
    config.indexOf('});', config.indexOf('const ConfigSchema')),
  );
  const read_ = new Set([...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!));
  const table = read('docs/configuration.md')
    .split('\n')
    .filter((l) => l.startsWith('| `'));
  const documented = new Set(
    table.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)),
  );
  expect([...read_].filter((name) => !documented.has(name))).toEqual([]);
  // Read elsewhere than the schema: the SDK's environment configuration, the test run's own, the tools' cache.
  const elsewhere = /^(TEMPORAL_API_KEY|TEMPORAL_PROFILE|TEMPORAL_TLS_\w*|REDIS_TEST_URL|CI|NODE_ENV|XDG_CACHE_HOME)$/;
  expect([...documented].filter((name) => !read_.has(name) && !elsewhere.test(name))).toEqual([]);
});
