/**
 * Loaded into the bench's worker process with `node --require` (tools/bench/stack.ts), so the
 * worker under measurement is the project's own dist/worker.js, unchanged: installs the SQL
 * statement counter and answers the bench's IPC questions with the running totals.
 */
import { installSqlCounter, SQL_COUNT_MESSAGE } from './sql-counter';

const read = installSqlCounter();
if (process.send) {
  process.on('message', (message: { type?: unknown; id?: unknown }) => {
    if (message?.type === SQL_COUNT_MESSAGE) process.send?.({ type: SQL_COUNT_MESSAGE, id: message.id, ...read() });
  });
  // The channel must not keep the worker alive: after SIGTERM it drains and exits as it always does.
  process.channel?.unref();
}
