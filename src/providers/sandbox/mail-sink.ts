/**
 * The sandbox mail sink: an SMTP server (smtp-server) that accepts every message and keeps it in
 * its mailbox (mailbox.ts) instead of delivering it, so mail can be read where it landed
 * (`orders mailbox`, the console). For development and tests only: no TLS, no sign-in, so it listens
 * on loopback unless told otherwise.
 */
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { logger } from '../../logger';
import type { Listening } from '../../runtime/http-listen';
import { storeReceived } from './mailbox';

/** Larger than any notification; a runaway sender is refused rather than stored. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

export interface MailSinkOptions {
  pool: Pool;
  /** 0: any free port. */
  port: number;
  host?: string;
}

/** An SMTP error the sender reads as "try again later" (4xx) or "never" (5xx). */
function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

async function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function receive(pool: Pool) {
  return (stream: SMTPServerDataStream, session: SMTPServerSession, done: (err?: Error | null) => void) => {
    readAll(stream)
      .then(async (raw) => {
        if (stream.sizeExceeded) return done(smtpError(552, 'message too large for the sandbox mailbox'));
        const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        await storeReceived(pool, { mailFrom, rcptTo: session.envelope.rcptTo.map((r) => r.address), raw });
        done();
      })
      .catch((err: unknown) => {
        logger.warn({ err }, 'mail sink: could not keep a message');
        done(smtpError(451, 'the sandbox mailbox is unavailable; try again later'));
      });
  };
}

export function startMailSink(opts: MailSinkOptions): Promise<Listening> {
  const server = new SMTPServer({
    banner: 'durable-orders sandbox mail sink',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    closeTimeout: 1_000, // a stop does not wait 30 s for an idle client
    // The sandbox has no use for the client's host name, and a slow or absent DNS would hold every
    // connection's greeting for its lookup.
    disableReverseLookup: true,
    onData: receive(opts.pool),
  });
  const host = opts.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      server.on('error', (err: Error) => logger.warn({ err }, 'mail sink: connection error'));
      const { port } = server.server.address() as AddressInfo;
      resolve({
        url: `smtp://${host.includes(':') ? `[${host}]` : host}:${port}`,
        stop: () => new Promise<void>((closed) => server.close(() => closed())),
      });
    });
  });
}
