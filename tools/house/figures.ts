/**
 * The house in figures, for a checkout (default: this one): source files and lines per top folder,
 * the import arrows between activities/ and src/ (both ways), functions over 60 lines outside
 * test/, and the README's length. `node dist/tools/house/figures.js [DIR]` (the closing notes of
 * structural changes compare two checkouts with it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SKIP = new Set(['node_modules', 'dist', '.git', '.data', 'test']);

function tsFiles(root: string, dir = ''): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const rel = path.posix.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) return tsFiles(root, rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });
}

const folderOf = (file: string) => (file.includes('/') ? `${file.split('/')[0]}/` : '(top)');

function importsOf(text: string): string[] {
  return [...text.matchAll(/from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)].map(
    (m) => (m[1] ?? m[2])!,
  );
}

function longFunctions(file: string, text: string): Array<{ name: string; lines: number }> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Array<{ name: string; lines: number }> = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : '(anonymous)';
      if (end - start + 1 > 60 && name !== '(anonymous)')
        found.push({ name: `${file}:${name}`, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

export function houseFigures(root: string) {
  const files = tsFiles(root);
  const perFolder: Record<string, { files: number; lines: number }> = {};
  const arrows = { 'src -> activities': 0, 'activities -> src': 0 };
  const long: Array<{ name: string; lines: number }> = [];
  for (const file of files) {
    const text = readFileSync(path.join(root, file), 'utf8');
    const folder = (perFolder[folderOf(file)] ??= { files: 0, lines: 0 });
    folder.files += 1;
    folder.lines += text.split('\n').length;
    for (const spec of importsOf(text)) {
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      if (file.startsWith('src/') && to.startsWith('activities/')) arrows['src -> activities'] += 1;
      if (file.startsWith('activities/') && to.startsWith('src/')) arrows['activities -> src'] += 1;
    }
    long.push(...longFunctions(file, text));
  }
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8').split('\n').length;
  return { perFolder, arrows, longFunctions: long.sort((a, b) => b.lines - a.lines), readmeLines: readme };
}

if (require.main === module) {
  console.log(JSON.stringify(houseFigures(path.resolve(process.argv[2] ?? '.')), null, 2));
}
