import pino from 'pino';

/** The one structured logger; level from LOG_LEVEL. Logs go to stderr so CLI stdout stays clean. */
export const logger = pino(
  { level: process.env.LOG_LEVEL ?? 'info', base: undefined },
  pino.destination({ fd: 2, sync: true }),
);
