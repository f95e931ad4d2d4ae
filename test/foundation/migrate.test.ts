import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { MIGRATIONS_DIR, migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { throwAwayDatabase } from '../../tools/dev-stack/postgres';
import { readdirSync } from 'node:fs';

/** Each test gets an empty database on the suite's server, so "first run" really is first. */
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});
const pool = async (): Promise<Pool> => {
  const db = await throwAwayDatabase(
    process.env.DATABASE_URL!,
    `migrate_${Date.now()}_${Math.floor(Math.random() * 1e6)}`,
  );
  const p = createPool(db.url, 4);
  cleanups.push(async () => {
    await p.end();
    await db.drop();
  });
  return p;
};

test('the first run applies every migration file in order; the second applies none', async () => {
  const db = await pool();
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  expect(await migrate(db)).toEqual(files);
  expect(await migrate(db)).toEqual([]);
  const { rows } = await db.query('SELECT version FROM schema_migrations ORDER BY version');
  expect(rows.map((r) => r.version)).toEqual(files);
  const tables = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'stack_checks'");
  expect(tables.rowCount).toBe(1);
});

test('workers starting together migrate once (advisory lock), without errors', async () => {
  const db = await pool();
  const results = await Promise.all([migrate(db), migrate(db), migrate(db)]);
  const appliedCount = results.reduce((n, r) => n + r.length, 0);
  expect(appliedCount).toBe(readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).length);
});

test('an applied migration that was edited afterwards is refused', async () => {
  const db = await pool();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  writeFileSync(path.join(dir, '0001_a.sql'), 'CREATE TABLE edited_a (id int);');
  expect(await migrate(db, dir)).toEqual(['0001_a.sql']);
  writeFileSync(path.join(dir, '0001_a.sql'), 'CREATE TABLE edited_a (id bigint);');
  await expect(migrate(db, dir)).rejects.toThrow('migration 0001_a.sql was changed after it was applied');
});

test('a failing migration rolls back entirely and names the file', async () => {
  const db = await pool();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  writeFileSync(path.join(dir, '0001_ok.sql'), 'CREATE TABLE m_ok (id int);');
  writeFileSync(path.join(dir, '0002_bad.sql'), 'CREATE TABLE m_half (id int); SELECT no_such_column FROM m_ok;');
  await expect(migrate(db, dir)).rejects.toThrow(/migration 0002_bad.sql failed/);
  const half = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'm_half'");
  expect(half.rowCount).toBe(0);
  const { rows } = await db.query('SELECT version FROM schema_migrations');
  expect(rows.map((r) => r.version)).toEqual(['0001_ok.sql']);
});
