/**
 * The house's rules (docs/ARCHITECTURE.md), checked on the code's own imports: every relative
 * import of every source file outside test/, read as text and resolved to the file it names.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');
const SOURCE_ROOTS = ['src', 'activities', 'workflows', 'tools', 'scripts'];
const TOP_FILES = ['worker.ts', 'client.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.posix.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });
}

interface Arrow {
  from: string;
  to: string;
  typeOnly: boolean;
}

const IMPORT =
  /(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function resolve(from: string, spec: string): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)).replace(/\.js$/, '');
  return [`${base}.ts`, `${base}/index.ts`, base].find((f) => existsSync(path.join(ROOT, f)) && f.endsWith('.ts'));
}

const ARROWS: Arrow[] = [...SOURCE_ROOTS.flatMap(sourceFiles), ...TOP_FILES].flatMap((from) => {
  const text = readFileSync(path.join(ROOT, from), 'utf8');
  return [...text.matchAll(IMPORT)].flatMap((m) => {
    const to = resolve(from, (m[3] ?? m[4])!);
    return to ? [{ from, to, typeOnly: m[2] !== undefined }] : [];
  });
});

const layer = (file: string) => file.split('/')[0]!;
/** activities/<service>/... → the service; activities/workers.ts and the like → undefined. */
const serviceOf = (file: string) => (/^activities\/([^/]+)\//.exec(file) ?? [])[1];
const isStore = (file: string) => /^activities\/[^/]+\/(store\.ts|store\/)/.test(file);

function offending(rule: (a: Arrow) => boolean): string[] {
  return ARROWS.filter(rule).map((a) => `${a.from} -> ${a.to}`);
}

test('the import graph is read (a broken reader would pass every rule)', () => {
  expect(ARROWS.length).toBeGreaterThan(300);
  expect(ARROWS).toContainEqual({ from: 'worker.ts', to: 'activities/workers.ts', typeOnly: false });
});

test('the product never imports the tools that run and measure it', () => {
  expect(
    offending((a) => ['src', 'activities', 'workflows'].includes(layer(a.from)) && layer(a.to) === 'tools'),
  ).toEqual([]);
});

test('workflows import only workflows/ and src/domain', () => {
  expect(
    offending((a) => layer(a.from) === 'workflows' && layer(a.to) !== 'workflows' && !a.to.startsWith('src/domain/')),
  ).toEqual([]);
});

test('src/ reads a service only through its store, and workflows only through their message definitions', () => {
  expect(offending((a) => layer(a.from) === 'src' && layer(a.to) === 'activities' && !isStore(a.to))).toEqual([]);
  expect(
    offending(
      (a) =>
        layer(a.from) === 'src' &&
        layer(a.to) === 'workflows' &&
        !a.typeOnly &&
        !/^workflows\/([\w-]+-api|search-attribute-keys)\.ts$/.test(a.to),
    ),
  ).toEqual([]);
});

test('the domain is pure: it imports nothing of the project outside src/domain', () => {
  expect(offending((a) => a.from.startsWith('src/domain/') && !a.to.startsWith('src/domain/'))).toEqual([]);
});

/** A service's worker definition may register another's pure check (see activities/orders/worker.ts). */
const ALLOWED_ACROSS = ['activities/orders/worker.ts -> activities/shipping/activities.ts'];

test("a service reaches another service's tables only through that service's store", () => {
  const across = offending((a) => {
    const [from, to] = [serviceOf(a.from), serviceOf(a.to)];
    return from !== undefined && to !== undefined && from !== to && !isStore(a.to);
  });
  expect(across.filter((a) => !ALLOWED_ACROSS.includes(a))).toEqual([]);
});

test('the order read model has one writer: the orders service (others report through its read-model module)', () => {
  const writes = /\b(UPDATE\s+orders\b|INSERT\s+INTO\s+(orders|order_status_history|outbox)\b)/i;
  const writers = [...SOURCE_ROOTS.flatMap(sourceFiles), ...TOP_FILES].filter(
    (f) => !f.startsWith('tools/') && writes.test(readFileSync(path.join(ROOT, f), 'utf8')),
  );
  expect(writers.every((f) => f.startsWith('activities/orders/'))).toBe(true);
  const statusWriters = offending(
    (a) => a.to === 'activities/orders/store/read-model.ts' && serviceOf(a.from) !== 'orders',
  ).map((a) => a.split(' -> ')[0]);
  expect(statusWriters.sort()).toEqual([
    'activities/inventory/activities.ts',
    'activities/payments/activities.ts',
    'activities/returns/activities.ts',
    'activities/returns/goodwill.ts',
    'activities/shipping/activities.ts',
  ]);
});

test('docs/ARCHITECTURE.md gives every table of the migrations exactly one owner', () => {
  const migrations = readdirSync(path.join(ROOT, 'migrations'))
    .map((f) => readFileSync(path.join(ROOT, 'migrations', f), 'utf8'))
    .join('\n');
  const tables = [...migrations.matchAll(/CREATE TABLE (\w+)/g)].map((m) => m[1]!).sort();
  const doc = readFileSync(path.join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Which service owns which table'), doc.indexOf('**The order'));
  const owned = [...section.matchAll(/^\| (\w+) +\| (.*) \|$/gm)].flatMap((row) =>
    [...row[2]!.matchAll(/`(\w+)`/g)].map((m) => m[1]!),
  );
  expect([...owned].sort()).toEqual(tables);
});

/** Where each owner of docs/ARCHITECTURE.md's table writes from. */
const OWNER_FOLDERS: Record<string, string> = {
  orders: 'activities/orders/',
  catalog: 'activities/catalog/',
  inventory: 'activities/inventory/',
  payments: 'activities/payments/',
  shipping: 'activities/shipping/',
  fulfilment: 'activities/fulfilment/',
  returns: 'activities/returns/',
  providers: 'src/providers/sandbox/',
  events: 'src/events/',
  api: 'src/api/',
};
/** Writes outside the owner's folder, each for a reason docs/ARCHITECTURE.md gives. */
const SHARED_WRITES = [
  'stack_checks <- activities/diagnostics.ts', // every worker's answer to the stack check
  'outbox <- src/events/outbox-relay.ts', // the relay marks a row published (the outbox's other half)
];

test('every table is written only from its owner (docs/ARCHITECTURE.md), through that owner’s code', () => {
  const doc = readFileSync(path.join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Which service owns which table'), doc.indexOf('**The order'));
  const ownerOf = new Map<string, string>();
  for (const row of section.matchAll(/^\| (\w+) +\| (.*) \|$/gm))
    for (const m of row[2]!.matchAll(/`(\w+)`/g)) ownerOf.set(m[1]!, row[1]!);
  const product = [...['src', 'activities', 'workflows'].flatMap(sourceFiles), ...TOP_FILES];
  const strays: string[] = [];
  for (const file of product) {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(\w+)\b/g)) {
      const owner = ownerOf.get(m[1]!);
      if (!owner) continue; // not a table of ours (an UPDATE in a comment, a CTE)
      const write = `${m[1]} <- ${file}`;
      if (!file.startsWith(OWNER_FOLDERS[owner]!) && !SHARED_WRITES.includes(write)) strays.push(write);
    }
  }
  expect([...new Set(strays)]).toEqual([]);
});
