/**
 * Counts the SQL statements a process sends to PostgreSQL: every `query` call on a pg Client
 * (pool queries go through one), BEGINs counted apart as transactions. Installed in the bench
 * process itself (the vault exchange, the in-process baseline) and, through
 * sql-counter-preload.ts, in the worker process. Client-side and exact for this project, which
 * talks to PostgreSQL only through `pg`; it needs no server extension (pg_stat_statements must be
 * preloaded by the server, which embedded and stock servers do not do).
 */
import { Client } from 'pg';

export interface SqlCounts {
  statements: number;
  /** BEGIN statements: explicit transactions (a lone statement outside one is not counted here). */
  transactions: number;
}

/** What the preload answers over IPC; the bench asks with `{ type: SQL_COUNT_MESSAGE, id }`. */
export const SQL_COUNT_MESSAGE = 'bench:sql-count';

const counts: SqlCounts = { statements: 0, transactions: 0 };
let installed = false;

function textOf(query: unknown): string {
  if (typeof query === 'string') return query;
  const text = (query as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : '';
}

/** Patches pg's Client once for this process; answers a function that reads the running totals. */
export function installSqlCounter(): () => SqlCounts {
  if (!installed) {
    installed = true;
    const proto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = proto.query;
    proto.query = function countedQuery(this: unknown, ...args: unknown[]) {
      counts.statements++;
      if (/^\s*BEGIN\b/i.test(textOf(args[0]))) counts.transactions++;
      return original.apply(this, args);
    };
  }
  return () => ({ ...counts });
}

export function subtractCounts(after: SqlCounts, before: SqlCounts): SqlCounts {
  return { statements: after.statements - before.statements, transactions: after.transactions - before.transactions };
}
