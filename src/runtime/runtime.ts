import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { logger } from '../logger';

const SDK_LEVEL: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};
const PINO_METHOD = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

let installed = false;

/** Errors from the workflow sandbox are not `instanceof Error` here (another realm). */
function isErrorLike(v: unknown): v is Error {
  return typeof v === 'object' && v !== null && 'message' in v && 'stack' in v;
}

/**
 * Routes the SDK's own logs (worker, workflow and activity loggers) into our pino logger, and with
 * `sdkMetricsAddress` (host:port) serves the SDK's metrics for Prometheus at /metrics. Once per
 * process: the first call decides.
 */
export function installRuntimeLogger(opts: { sdkMetricsAddress?: string } = {}): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    ...(opts.sdkMetricsAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: opts.sdkMetricsAddress } } } }
      : {}),
    logger: new DefaultLogger(SDK_LEVEL[logger.level] ?? 'INFO', (entry) => {
      // Activity-only queues are that way on purpose: not worth a warning.
      const level = entry.message.startsWith('No workflows registered') ? 'DEBUG' : entry.level;
      // Errors in meta would serialise as {}: keep their message and stack.
      const meta = Object.fromEntries(
        Object.entries(entry.meta ?? {}).map(([k, v]) => [
          k,
          isErrorLike(v) ? { name: v.name, message: v.message, stack: v.stack } : v,
        ]),
      );
      logger[PINO_METHOD[level]]({ sdk: true, ...meta }, entry.message);
    }),
  });
}
