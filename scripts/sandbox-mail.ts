/**
 * `npm run sandbox-mail`: the sandbox mail sink on its own (`npm start` runs it as a process). Needs
 * DATABASE_URL; listens for SMTP on MAIL_SINK_HOST:MAIL_SINK_PORT and keeps what it receives.
 */
import { startMailSink } from '../src/providers/sandbox/mail-sink';
import { serveSandbox } from '../src/providers/sandbox/serve';

serveSandbox('sandbox mail', (pool, config) =>
  startMailSink({ pool, host: config.MAIL_SINK_HOST, port: config.MAIL_SINK_PORT }),
);
